import { z } from 'zod';
import { bool, csv, envVar, nonNegativeInt, positiveInt, url } from './define';

export const coreEnv = {
  SWITCHBOARD_ENV: envVar(z.enum(['development', 'production']).default('development'), 'development (embedded defaults allowed) or production (every development default refused at start; explorer and introspection only when set explicitly)'),
  LOG_LEVEL: envVar(z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'), 'Log level: debug, info, warn, error or silent'),
  REDIS_URL: envVar(url(), 'Redis for the shared token cache and pub/sub, e.g. redis://127.0.0.1:6379. Unset: in-process memory (embedded default)'),
  DATABASE_URL: envVar(url(), 'PostgreSQL connection string. Unset: embedded PGlite in DATA_DIR'),
  DATA_DIR: envVar(z.string().default('.data'), 'Folder for the embedded PGlite database and other local state'),
  CORS_ORIGINS: envVar(csv(''), 'Extra browser origins allowed by the gateway, comma separated (the hosted Apollo Sandbox origin is always allowed)'),
  UPSTREAM_TIMEOUT_MS: envVar(positiveInt(10_000), 'Timeout of one vendor HTTP call, in milliseconds'),
  UPSTREAM_CONNECTIONS: envVar(positiveInt(64), 'Keep-alive connections per vendor origin (a 50-plate fleet query makes 50 parallel calls)'),
  TOKEN_EXPIRY_MARGIN_S: envVar(nonNegativeInt(60), 'A cached vendor token is dropped this many seconds before the vendor says it expires'),
  TOKEN_LOCK_TTL_MS: envVar(positiveInt(10_000), 'How long one process may hold the cross-process token-fetch lock in Redis'),
  TOKEN_LOCK_WAIT_MS: envVar(positiveInt(15_000), 'How long a process waits for another process to fetch a token before fetching itself'),
  SUPERGRAPH_PATH: envVar(z.string().default('schema/supergraph.graphql'), 'Supergraph SDL file the gateway serves (composed by npm run compose)'),
  GATEWAY_INTROSPECTION: envVar(bool(true), 'Allow schema introspection through the gateway (the explorer needs it)'),
  GATEWAY_EXPLORER: envVar(
    z.enum(['true', 'false', '1', '0', 'yes', 'no']).optional().transform((v) => (v === undefined ? undefined : v === 'true' || v === '1' || v === 'yes')),
    'GraphiQL explorer at GET /graphql in a browser (served from installed packages, works offline). Unset: on in development, off in production',
  ),
  GATEWAY_MAX_DEPTH: envVar(positiveInt(12), 'Maximum selection depth of one operation'),
};
