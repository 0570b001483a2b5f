import { isValidLatLng } from '../../../platform/geo';
import { createSandboxTokenStore, route, startSandbox, type Faults, type RunningSandbox, type SandboxRequest, type SandboxResponse } from '../../../platform/sandbox';
import type { OzmapCreateProperty, OzmapFilter, OzmapLoginRequest, OzmapLoginResponse } from '../types';
import { OPERATORS, OzmapSandboxError, createOzmapData, type Collection, type ListQuery, type OzmapData } from './data';
import { DEFAULT_SEED } from './seed';

/** The sandbox's own test credentials (the same defaults as platform/config/ozmap.ts). */
export const SANDBOX_API_KEY = 'sandbox-ozmap-api-key-0001';
export const SANDBOX_LOGIN = { login: 'conecteai', password: 'sandbox-password' };
export const API_PATH = '/api/v2';

export interface OzmapSandboxOptions {
  port: number;
  host?: string;
  faults?: Partial<Faults>;
  /** the static API key this OZmap accepts besides keys issued by login */
  apiKey?: string;
  /** "Configurações > Sistema > API > Raio de busca padrão", metres */
  defaultRadius?: number;
  seed?: number;
  now?: () => Date;
}

export interface RunningOzmapSandbox extends RunningSandbox {
  data: OzmapData;
}

const MAX_LIMIT = 500;
const DEFAULT_LIMIT = 50;
const error = (status: number, message: string): SandboxResponse => ({ status, body: { message, status } });

function parseList(req: SandboxRequest): ListQuery {
  const q = req.query;
  const int = (name: string, fallback: number, min: number, max: number) => {
    const raw = q.get(name);
    if (raw === null || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new OzmapSandboxError(400, `${name} must be an integer from ${min} to ${max}`);
    return n;
  };
  const names = (name: string) => q.get(name)?.split(/[,\s]+/).filter(Boolean);
  let filter: OzmapFilter[] = [];
  const rawFilter = q.get('filter');
  if (rawFilter) {
    try {
      const parsed = JSON.parse(rawFilter) as unknown;
      filter = (Array.isArray(parsed) ? parsed : [parsed]) as OzmapFilter[];
    } catch {
      throw new OzmapSandboxError(400, 'filter must be a JSON array of {property, operator, value}');
    }
    for (const f of filter) {
      if (!f || typeof f.property !== 'string' || !OPERATORS.has(f.operator)) throw new OzmapSandboxError(400, `invalid filter ${JSON.stringify(f)}: operator must be one of ${[...OPERATORS].join(' ')}`);
    }
  }
  return { page: int('page', 1, 1, 1_000_000), limit: int('limit', DEFAULT_LIMIT, 1, MAX_LIMIT), select: names('select'), populate: names('populate'), filter, sort: q.get('sort') ?? undefined };
}

/**
 * OZmap API v2 as the Conecte.ai integration uses it: raw-key auth and API-key login, feasibility by
 * radius, the five collections with OZmap's list parameters, and properties as reservations
 * (connected + not implanted = reserved; implanted = active; deleted = port released).
 */
export async function startOzmapSandbox(opts: OzmapSandboxOptions): Promise<RunningOzmapSandbox> {
  const apiKey = opts.apiKey ?? SANDBOX_API_KEY;
  const data = createOzmapData({ seed: opts.seed ?? DEFAULT_SEED, defaultRadius: opts.defaultRadius ?? 250, now: opts.now });
  // API keys from login do not expire by themselves in OZmap; expireTokens revokes them all.
  const issued = createSandboxTokenStore<string>(365 * 24 * 3600);
  // Ours: delays property writes only (POST /__sandbox/write-latency {"ms": n}); reset sets it back to 0.
  let writeLatencyMs = 0;

  const authed =
    (handler: (req: SandboxRequest) => SandboxResponse) =>
    (req: SandboxRequest): SandboxResponse => {
      const h = req.headers.authorization;
      const key = Array.isArray(h) ? h[0] : h;
      if (!key) return error(401, 'missing Authorization header (the API key, raw)');
      if (/^Bearer\s/i.test(key)) return error(401, 'invalid API key: send the key raw in Authorization, without "Bearer"');
      if (key !== apiKey && !issued.verify(key)) return error(401, 'invalid API key');
      try {
        return handler(req);
      } catch (err) {
        if (err instanceof OzmapSandboxError) return error(err.status, err.message);
        throw err;
      }
    };

  const collection = (name: Collection) => [
    route('GET', `${API_PATH}/${name}`, 'data', authed((req) => ({ status: 200, body: data.list(name, parseList(req), `${API_PATH}/${name}`) }))),
    route('GET', `${API_PATH}/${name}/:id`, 'data', authed((req) => ({ status: 200, body: data.get(name, req.params.id!, req.query.get('populate')?.split(',').filter(Boolean)) }))),
  ];

  const routes = [
    route('POST', `${API_PATH}/users/login`, 'token', (req) => {
      if (req.query.get('type') !== 'API') return error(400, 'login type must be API');
      const body = req.json<Partial<OzmapLoginRequest>>() ?? {};
      if (body.login !== SANDBOX_LOGIN.login || body.password !== SANDBOX_LOGIN.password) return error(401, 'invalid login or password');
      const answer: OzmapLoginResponse = { authorization: issued.issue(body.login), user: { id: '65a1f0c0aa00000000000001', username: body.login, name: 'Integração Conecte.ai' } };
      return { status: 200, body: answer };
    }),
    route(
      'GET',
      `${API_PATH}/ftth-viability/radius`,
      'data',
      authed((req) => {
        const lat = Number(req.query.get('lat') ?? NaN);
        const lng = Number(req.query.get('lng') ?? NaN);
        if (req.query.get('lat') === null || req.query.get('lng') === null || !isValidLatLng({ lat, lng })) return error(400, 'lat and lng must be decimal degrees (lat -90..90, lng -180..180)');
        const rawRadius = req.query.get('radius');
        const radius = rawRadius === null || rawRadius === '' ? undefined : Number(rawRadius);
        if (radius !== undefined && !(Number.isFinite(radius) && radius > 0 && radius <= 50_000)) return error(400, 'radius must be metres, greater than 0 and at most 50000');
        return { status: 200, body: data.viability({ lat, lng }, radius) };
      }),
    ),
    ...collection('boxes'),
    ...collection('splitters'),
    ...collection('regions'),
    ...collection('tags'),
    ...collection('properties'),
    route('POST', `${API_PATH}/properties`, 'data', async (req) => {
      // The write lands after the delay even when the client has given up: the "unknown outcome" case.
      if (writeLatencyMs) await new Promise((r) => setTimeout(r, writeLatencyMs));
      return authed(() => ({ status: 201, body: data.createProperty(req.json<OzmapCreateProperty>()!) }))(req);
    }),
    route('PATCH', `${API_PATH}/properties/:id`, 'data', authed((req) => ({ status: 200, body: data.updateProperty(req.params.id!, req.json() ?? {}) }))),
    route(
      'DELETE',
      `${API_PATH}/properties/:id`,
      'data',
      authed((req) => {
        data.deleteProperty(req.params.id!);
        return { status: 204 };
      }),
    ),
  ];

  const running = await startSandbox(
    {
      name: 'ozmap',
      routes,
      faults: opts.faults,
      errorResponse: error,
      expireTokens: () => issued.expireAll(),
      onReset: () => {
        data.reset();
        writeLatencyMs = 0;
      },
      adminRoutes: [
        route('GET', '/__sandbox/network', 'data', () => ({ status: 200, body: { ...data.counts(), defaultRadius: data.defaultRadius } })),
        route('POST', '/__sandbox/write-latency', 'data', (req) => {
          const ms = req.json<{ ms?: unknown }>()?.ms;
          if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0 || ms > 60_000) return { status: 400, body: { error: 'expected {"ms": 0..60000}' } };
          writeLatencyMs = ms;
          return { status: 200, body: { writeLatencyMs } };
        }),
      ],
    },
    opts.port,
    opts.host,
  );
  return { ...running, data };
}
