import { ErrorCode, VendorError } from '../../platform/errors';
import { errorFromResponse, parseJsonBody, type HttpClient, type HttpRequest, type HttpResponse } from '../../platform/http-client';
import { TokenRejectedError, type TokenKey, type TokenProvider } from '../../platform/tokens';
import type {
  OzmapBox,
  OzmapCreateProperty,
  OzmapErrorBody,
  OzmapListParams,
  OzmapLoginResponse,
  OzmapPage,
  OzmapProperty,
  OzmapRegion,
  OzmapSplitter,
  OzmapTag,
  OzmapUpdateProperty,
  OzmapViability,
} from './types';

export const OZMAP = 'ozmap';

export interface OzmapClientOptions {
  http: HttpClient;
  /** path of the API under the origin, `/api/v2` */
  apiPath?: string;
  /** the integration user's API key, sent raw as `Authorization: <key>` */
  apiKey?: string;
  /** with login + password the key is obtained from `POST /users/login?type=API` and shared through `tokens` */
  login?: string;
  password?: string;
  tokens?: TokenProvider;
  /** how long a key from login is reused (OZmap keys carry no expiry) */
  keyLifetimeS?: number;
}

export interface OzmapClient {
  readonly baseUrl: string;
  login(): Promise<string>;
  viabilityByRadius(q: { lat: number; lng: number; radius?: number }): Promise<OzmapViability>;
  listBoxes(p?: OzmapListParams): Promise<OzmapPage<OzmapBox>>;
  getBox(id: string): Promise<OzmapBox>;
  listSplitters(p?: OzmapListParams): Promise<OzmapPage<OzmapSplitter>>;
  listRegions(p?: OzmapListParams): Promise<OzmapPage<OzmapRegion>>;
  listTags(p?: OzmapListParams): Promise<OzmapPage<OzmapTag>>;
  listProperties(p?: OzmapListParams): Promise<OzmapPage<OzmapProperty>>;
  getProperty(id: string): Promise<OzmapProperty>;
  createProperty(body: OzmapCreateProperty): Promise<OzmapProperty>;
  updateProperty(id: string, body: OzmapUpdateProperty): Promise<OzmapProperty>;
  /** true when deleted, false when it was already gone (404): deleting is idempotent for callers */
  deleteProperty(id: string): Promise<boolean>;
  /** every row of a collection, following `hasNextPage` */
  listAll<T>(list: (p: OzmapListParams) => Promise<OzmapPage<T>>, p?: OzmapListParams): Promise<T[]>;
}

/** Encodes the documented list parameters: filter is a JSON array, select/populate are comma lists. */
export function listQuery(p: OzmapListParams = {}): Record<string, string | number | undefined> {
  return {
    page: p.page,
    limit: p.limit,
    select: p.select?.length ? p.select.join(',') : undefined,
    populate: p.populate?.length ? p.populate.join(',') : undefined,
    filter: p.filter?.length ? JSON.stringify(p.filter) : undefined,
    sort: p.sort,
  };
}

const vendorMessage = (res: HttpResponse): string | undefined => {
  try {
    const body = JSON.parse(res.text) as Partial<OzmapErrorBody>;
    return typeof body.message === 'string' ? body.message : undefined;
  } catch {
    return undefined;
  }
};

export function createOzmapClient(opts: OzmapClientOptions): OzmapClient {
  const { http } = opts;
  const apiPath = (opts.apiPath ?? '/api/v2').replace(/\/+$/, '');
  if (!opts.apiKey && !(opts.login && opts.password)) throw new Error('createOzmapClient: expected an apiKey, or login and password');
  if (opts.login && !opts.tokens) throw new Error('createOzmapClient: login mode needs a TokenProvider (tokens) to share the key');
  const useLogin = Boolean(opts.login && opts.password);
  const tokenKey: TokenKey = { vendor: OZMAP, endpoint: `${http.baseUrl}${apiPath}/users/login`, client: opts.login ?? '', user: '' };

  async function login(): Promise<string> {
    const res = await http.send({ method: 'POST', path: `${apiPath}/users/login`, route: '/users/login', query: { type: 'API' }, json: { login: opts.login, password: opts.password } });
    if (res.status !== 200) throw errorFromResponse(OZMAP, res, `login refused: ${vendorMessage(res) ?? `HTTP ${res.status}`}`);
    const body = parseJsonBody<OzmapLoginResponse>(OZMAP, res);
    if (typeof body.authorization !== 'string' || !body.authorization) throw new VendorError(OZMAP, ErrorCode.UPSTREAM_BAD_RESPONSE, 'login answer has no authorization key', res.status);
    return body.authorization;
  }

  const fetchKey = async () => ({ accessToken: await login(), expiresIn: opts.keyLifetimeS ?? 86_400 });

  async function call<T>(req: HttpRequest, expect: number[] = [200]): Promise<{ status: number; body: T | undefined }> {
    const once = async (key: string) => {
      const res = await http.send({ ...req, path: apiPath + req.path, headers: { ...req.headers, authorization: key } });
      if (res.status === 401 && useLogin) throw new TokenRejectedError(OZMAP, vendorMessage(res) ?? '');
      if (!expect.includes(res.status)) throw errorFromResponse(OZMAP, res, vendorMessage(res));
      return { status: res.status, body: res.text ? parseJsonBody<T>(OZMAP, res) : undefined };
    };
    if (!useLogin) return once(opts.apiKey!);
    return opts.tokens!.withToken(tokenKey, fetchKey, once);
  }

  const get = async <T>(path: string, query?: HttpRequest['query'], route = path) => (await call<T>({ method: 'GET', path, route, query })).body as T;
  const list = <T>(resource: string) => (p?: OzmapListParams) => get<OzmapPage<T>>(`/${resource}`, listQuery(p));
  const one = <T>(resource: string) => (id: string) => get<T>(`/${resource}/${encodeURIComponent(id)}`, undefined, `/${resource}/:id`);

  return {
    baseUrl: http.baseUrl + apiPath,
    login,
    viabilityByRadius: ({ lat, lng, radius }) => get<OzmapViability>('/ftth-viability/radius', { lat, lng, radius }),
    listBoxes: list<OzmapBox>('boxes'),
    getBox: one<OzmapBox>('boxes'),
    listSplitters: list<OzmapSplitter>('splitters'),
    listRegions: list<OzmapRegion>('regions'),
    listTags: list<OzmapTag>('tags'),
    listProperties: list<OzmapProperty>('properties'),
    getProperty: one<OzmapProperty>('properties'),
    async createProperty(body) {
      return (await call<OzmapProperty>({ method: 'POST', path: '/properties', route: '/properties', json: body }, [200, 201])).body as OzmapProperty;
    },
    async updateProperty(id, body) {
      return (await call<OzmapProperty>({ method: 'PATCH', path: `/properties/${encodeURIComponent(id)}`, route: '/properties/:id', json: body })).body as OzmapProperty;
    },
    async deleteProperty(id) {
      const { status } = await call<unknown>({ method: 'DELETE', path: `/properties/${encodeURIComponent(id)}`, route: '/properties/:id' }, [200, 204, 404]);
      return status !== 404;
    },
    async listAll<T>(fetchPage: (p: OzmapListParams) => Promise<OzmapPage<T>>, p: OzmapListParams = {}) {
      const rows: T[] = [];
      const limit = p.limit ?? 100;
      for (let page = p.page ?? 1; ; page++) {
        const res = await fetchPage({ ...p, page, limit });
        rows.push(...res.rows);
        if (!res.hasNextPage || res.rows.length === 0) return rows;
      }
    },
  };
}
