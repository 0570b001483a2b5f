import { ErrorCode, VendorError, codeForVendorStatus } from '../../platform/errors';
import { parseJsonBody, type HttpClient, type HttpRequest, type HttpResponse } from '../../platform/http-client';
import { TokenRejectedError, type FetchedToken, type TokenKey, type TokenProvider } from '../../platform/tokens';
import type { MmpEnvelope, MmpTokenError, MmpTokenResponse, MmpVehicleService, MmpVehicleServices } from './types';

const VENDOR = 'mmp';

export interface MmpCredentials {
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
}

export interface MmpClientOptions {
  http: HttpClient;
  tokens: TokenProvider;
  version: string;
  reseau: string;
  lang: string;
  credentials: MmpCredentials;
}

export interface MmpClient {
  /** One of the eight vehicle services of seed 003, by plate. */
  vehicle<S extends MmpVehicleService>(service: S, plate: string, signal?: AbortSignal): Promise<MmpVehicleServices[S]>;
  /**
   * Any bearer call on this MMP account, envelope unwrapped, with the shared token and the 401 retry.
   * `path` is relative to `/api/{version}/{reseau}`, unless `absolute` (a service the seed places outside it,
   * such as §13's campaign clients): then it is the whole path from the origin.
   */
  call<T>(req: MmpRequest, opts?: { raw?: false }): Promise<T>;
  /** As `call` but answers the raw response (non-JSON bodies such as the CSV blacklist). */
  callRaw(req: MmpRequest): Promise<HttpResponse>;
  readonly tokenKey: TokenKey;
  readonly basePath: string;
  /** the `{version}` and `{reseau}` path segments of this account */
  readonly version: string;
  readonly reseau: string;
  /** Names the data this client reads (origin, version, network, language): cached reads are keyed by it. */
  readonly dataScope: string;
}

export type MmpRequest = Omit<HttpRequest, 'path'> & { path: string; absolute?: boolean };

/**
 * Maps an MMP answer to data or a VendorError. The vendor signals failure both by HTTP status and by
 * `success: false` in a 200; both are honoured, and the status wins when it is an error.
 */
export function unwrapEnvelope<T>(res: HttpResponse): T {
  if (res.status === 401) throw new TokenRejectedError(VENDOR, tokenErrorText(res));
  const body = parseJsonBody<Partial<MmpEnvelope<T>>>(VENDOR, res);
  if (!body || typeof body !== 'object' || typeof body.success !== 'boolean') {
    throw new VendorError(VENDOR, ErrorCode.UPSTREAM_BAD_RESPONSE, `answer ${res.status} is not the {success, data, message, errors} envelope`, res.status);
  }
  if (body.success && res.status < 300) return body.data as T;
  const message = body.message || 'request failed';
  const status = res.status >= 400 ? res.status : /not found|introuvable|aucun/i.test(message) ? 404 : 502;
  throw new VendorError(VENDOR, codeForVendorStatus(status), message, res.status, body.errors && Object.keys(body.errors).length ? { vendorErrors: body.errors } : {});
}

function tokenErrorText(res: HttpResponse): string {
  try {
    const e = JSON.parse(res.text) as Partial<MmpTokenError>;
    return [e.error, e.error_description].filter(Boolean).join(': ');
  } catch {
    return `HTTP ${res.status}`;
  }
}

export function createMmpClient(opts: MmpClientOptions): MmpClient {
  const { http, tokens, version, reseau, lang, credentials } = opts;
  const tokenPath = `/api/${version}/service-authentification/token`;
  const basePath = `/api/${version}/${reseau}`;
  const tokenKey: TokenKey = { vendor: VENDOR, endpoint: http.baseUrl + tokenPath, client: credentials.clientId, user: credentials.username };

  /** The seed's OAuth2 password grant, posted as JSON. */
  async function fetchToken(): Promise<FetchedToken> {
    const res = await http.send({
      method: 'POST',
      path: tokenPath,
      route: '/service-authentification/token',
      json: {
        grant_type: 'password',
        client_id: credentials.clientId,
        client_secret: credentials.clientSecret,
        username: credentials.username,
        password: credentials.password,
      },
    });
    if (res.status >= 400) {
      const code = res.status === 400 || res.status === 401 ? ErrorCode.UPSTREAM_UNAUTHENTICATED : codeForVendorStatus(res.status);
      throw new VendorError(VENDOR, code, `token endpoint refused the credentials (${tokenErrorText(res)})`, res.status);
    }
    const body = parseJsonBody<Partial<MmpTokenResponse>>(VENDOR, res);
    if (typeof body.access_token !== 'string' || !body.access_token) {
      throw new VendorError(VENDOR, ErrorCode.UPSTREAM_BAD_RESPONSE, 'token answer has no access_token', res.status);
    }
    return { accessToken: body.access_token, expiresIn: typeof body.expires_in === 'number' ? body.expires_in : 7200 };
  }

  const callRaw = ({ absolute, ...req }: MmpRequest) =>
    tokens.withToken(tokenKey, fetchToken, async (token) => {
      const res = await http.send({ ...req, path: absolute ? req.path : basePath + req.path, headers: { ...req.headers, authorization: `Bearer ${token}` } });
      if (res.status === 401) throw new TokenRejectedError(VENDOR, tokenErrorText(res));
      return res;
    });

  const call = async <T>(req: MmpRequest): Promise<T> => unwrapEnvelope<T>(await callRaw(req));

  return {
    tokenKey,
    basePath,
    version,
    reseau,
    dataScope: `${http.baseUrl}${basePath}?lang=${lang}`,
    call,
    callRaw,
    vehicle: (service, plate, signal) =>
      call({ method: 'POST', path: `/service-external-client/vehicule/${service}`, route: `/service-external-client/vehicule/${service}`, query: { lang }, json: { immatriculation: plate }, signal, idempotent: true }),
  };
}
