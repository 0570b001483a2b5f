import { z } from 'zod';
import { envVar, nonNegativeInt, positiveInt, url } from './define';

/**
 * OZmap API v2 (fibre network inventory) and the Coverage domain built on it. Defaults are the OZmap
 * sandbox's own test values; a real environment sets OZMAP_BASE_URL and OZMAP_API_KEY (or a login).
 */
export const ozmapEnv = {
  OZMAP_BASE_URL: envVar(url(), 'OZmap origin with its service port, e.g. https://cliente.ozmap.com.br:9994. Unset: the local sandbox on OZMAP_SANDBOX_PORT'),
  OZMAP_API_PATH: envVar(z.string().regex(/^\/[\w/-]*$/, 'expected a path such as /api/v2').default('/api/v2'), 'Path of the OZmap API under OZMAP_BASE_URL'),
  OZMAP_API_KEY: envVar(z.string().min(8).default('sandbox-ozmap-api-key-0001'), 'OZmap API key of the integration user, sent raw in the Authorization header (default: the sandbox test key)', true),
  OZMAP_LOGIN: envVar(z.string().optional(), 'OZmap integration user login. When set, the key is obtained with POST /users/login?type=API instead of OZMAP_API_KEY'),
  OZMAP_PASSWORD: envVar(z.string().optional(), 'Password of OZMAP_LOGIN', true),
  OZMAP_KEY_LIFETIME_S: envVar(positiveInt(86_400), 'How long a key obtained by login is reused before logging in again, in seconds (a 401 drops it earlier)'),
  OZMAP_SANDBOX_DEFAULT_RADIUS_M: envVar(positiveInt(250), 'The sandbox\'s "Raio de busca padrão" setting: feasibility radius in metres when a request sends none'),
  COVERAGE_RADIUS_M: envVar(z.coerce.number().int().positive().optional(), 'Feasibility radius in metres sent to OZmap when a query gives none. Unset: OZmap\'s own default radius setting applies'),
  COVERAGE_MAX_RADIUS_M: envVar(positiveInt(2_000), 'Largest feasibility radius a query may ask for, in metres'),
  COVERAGE_RESERVATION_DAYS: envVar(positiveInt(7), 'Days after which an unconfirmed port reservation is released in OZmap and deleted'),
  COVERAGE_SWEEP_INTERVAL_MS: envVar(positiveInt(60_000), 'How often each Coverage instance looks for expired reservations, in milliseconds'),
  COVERAGE_SWEEP_LEASE_MS: envVar(positiveInt(120_000), 'How long an instance may hold a reservation it is releasing before another instance takes it over'),
  COVERAGE_REGION_CACHE_S: envVar(nonNegativeInt(300), 'Seconds the OZmap regions of a plan\'s tags are served from the vendor cache (Redis with REDIS_URL, process memory otherwise; 0: ask OZmap on every query)'),
};
