import { AppError, ErrorCode, VendorError, codeForVendorStatus } from '../../platform/errors';
import { errorFromResponse, parseJsonBody, type HttpClient, type HttpResponse } from '../../platform/http-client';
import { TokenRejectedError, type FetchedToken, type TokenKey, type TokenProvider } from '../../platform/tokens';
import { planCapacityPosts } from './posts';
import {
  CC_MAX_USERIDS_PER_READ,
  type CcCapacityDay,
  type CcCapacityPostResult,
  type CcCapacityReadResult,
  type CcProblem,
  type CcTokenError,
  type CcTokenResponse,
} from './types';

export const CUSTOMERCONNECT = 'customerconnect';

export interface CustomerConnectCredentials {
  clientId: string;
  clientSecret: string;
}

export interface CustomerConnectClientOptions {
  /** the platform origin (api.customerconnect.nl) */
  http: HttpClient;
  /** the token server origin (auth.customerconnect.nl); the platform client when both live on one origin */
  authHttp?: HttpClient;
  tokens: TokenProvider;
  tokenPath?: string;
  capacityPath?: string;
  /** writes capacity for every workshop user (the seed's Autoflex client) */
  publisher: CustomerConnectCredentials;
  /** reads capacity back (the booking side's own client, e.g. Garagevergelijker) */
  reader: CustomerConnectCredentials;
}

export interface PublishedCapacity {
  userid: string;
  /** each post as sent, in order: 5 or 1 days each */
  posts: CcCapacityDay[][];
  stored: string[];
}

export type CustomerConnectClient = ReturnType<typeof createCustomerConnectClient>;

const basic = (c: CustomerConnectCredentials) => `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`, 'utf8').toString('base64')}`;

/** The vendor's own words from a ProblemDetails (or any) error body, for the error message. */
function problemMessage(res: HttpResponse): string {
  try {
    const p = JSON.parse(res.text) as Partial<CcProblem>;
    const fields = p.errors ? Object.entries(p.errors).map(([k, v]) => `${k}: ${v.join(', ')}`) : [];
    const text = [p.detail ?? p.title, ...fields].filter(Boolean).join('; ');
    if (text) return text;
  } catch {
    /* not JSON: fall through to the status line */
  }
  return `HTTP ${res.status}`;
}

/**
 * CustomerConnect platform client. Publishing uses the publishing client with one token per workshop
 * user (the IdentityServer token carries the `userid`); reading uses the reader client's own token,
 * which is not bound to a user, so one token serves every read. Tokens go through the shared
 * TokenProvider (cached in Redis when configured, concurrent misses merged, a 401 retried once).
 */
export function createCustomerConnectClient(opts: CustomerConnectClientOptions) {
  const { http, tokens, publisher, reader } = opts;
  const authHttp = opts.authHttp ?? http;
  const tokenPath = opts.tokenPath ?? '/connect/token';
  const capacityPath = opts.capacityPath ?? '/ccplatform/api/v1/capacity';
  const endpoint = authHttp.baseUrl + tokenPath;

  async function fetchToken(creds: CustomerConnectCredentials, userid?: string): Promise<FetchedToken> {
    const form: Record<string, string> = { grant_type: 'client_credentials' };
    if (userid !== undefined) form.userid = userid;
    const res = await authHttp.send({ method: 'POST', path: tokenPath, route: '/connect/token', form, headers: { authorization: basic(creds) } });
    if (res.status === 200) {
      const body = parseJsonBody<Partial<CcTokenResponse>>(CUSTOMERCONNECT, res);
      if (typeof body.access_token !== 'string' || !body.access_token || typeof body.expires_in !== 'number') {
        throw new VendorError(CUSTOMERCONNECT, ErrorCode.UPSTREAM_BAD_RESPONSE, 'token response without access_token/expires_in', res.status);
      }
      return { accessToken: body.access_token, expiresIn: body.expires_in };
    }
    let err: Partial<CcTokenError> = {};
    try {
      err = JSON.parse(res.text) as CcTokenError;
    } catch {
      /* a non-JSON error page: handled by status below */
    }
    const said = err.error ? `${err.error}${err.error_description ? ` (${err.error_description})` : ''}` : `HTTP ${res.status}`;
    if (err.error === 'invalid_client' || err.error === 'unauthorized_client' || res.status === 401) {
      // Our configured credentials are wrong: the gateway's problem, not the caller's.
      throw new VendorError(CUSTOMERCONNECT, ErrorCode.UPSTREAM_UNAUTHENTICATED, `token server refused client ${creds.clientId}: ${said}`, res.status);
    }
    if (err.error === 'invalid_grant' && userid !== undefined) {
      throw new VendorError(CUSTOMERCONNECT, ErrorCode.NOT_FOUND, `user ${userid} is not registered for client ${creds.clientId}: ${said}`, res.status, { userid });
    }
    if (res.status === 400) throw new VendorError(CUSTOMERCONNECT, ErrorCode.UPSTREAM_ERROR, `token request rejected: ${said}`, res.status);
    throw errorFromResponse(CUSTOMERCONNECT, res, `token request failed: ${said}`);
  }

  const publisherKey = (userid: string): TokenKey => ({ vendor: CUSTOMERCONNECT, endpoint, client: publisher.clientId, user: userid });
  const readerKey: TokenKey = { vendor: CUSTOMERCONNECT, endpoint, client: reader.clientId, user: '' };

  /** 2xx passes; 401 lets the provider drop the token and retry; anything else is one VendorError. */
  function check(res: HttpResponse, what: string): HttpResponse {
    if (res.status >= 200 && res.status < 300) return res;
    if (res.status === 401) throw new TokenRejectedError(CUSTOMERCONNECT, problemMessage(res));
    throw new VendorError(CUSTOMERCONNECT, codeForVendorStatus(res.status), `${what}: ${problemMessage(res)}`, res.status);
  }

  /** One POST of exactly one day or five consecutive days for one workshop user. */
  async function postCapacity(userid: string, days: CcCapacityDay[]): Promise<CcCapacityPostResult> {
    if (days.length !== 1 && days.length !== 5) throw new Error(`a CustomerConnect capacity post holds 1 or 5 days, not ${days.length}`);
    return tokens.withToken(
      publisherKey(userid),
      () => fetchToken(publisher, userid),
      async (token) => {
        const res = check(
          await http.send({ method: 'POST', path: capacityPath, route: '/capacity', json: { days }, headers: { authorization: `Bearer ${token}` } }),
          `publishing capacity for user ${userid}`,
        );
        const body = parseJsonBody<Partial<CcCapacityPostResult>>(CUSTOMERCONNECT, res);
        if (!Array.isArray(body.stored)) throw new VendorError(CUSTOMERCONNECT, ErrorCode.UPSTREAM_BAD_RESPONSE, 'capacity post answer without stored dates', res.status);
        return { userid: String(body.userid ?? userid), stored: body.stored };
      },
    );
  }

  /**
   * Publishes any set of distinct days for one user as the platform requires: five-day posts over
   * consecutive dates, one-day posts for the rest. Posts go one after the other (a week is 3 calls);
   * a retry of the whole call is harmless because the platform replaces a user's day on every post.
   */
  async function publishCapacity(userid: string, days: CcCapacityDay[]): Promise<PublishedCapacity> {
    const posts = planCapacityPosts(days);
    const stored: string[] = [];
    for (const post of posts) {
      try {
        stored.push(...(await postCapacity(userid, post)).stored);
      } catch (err) {
        // Say which dates did land, so the caller knows a retry of the whole set is what is needed.
        if (err instanceof VendorError && stored.length) {
          // still a VendorError: the vendor's words stay in the log, the caller gets the code and storedDates
          throw new VendorError(err.vendor, err.code, `${err.message.slice(err.vendor.length + 2)} (stored before the failure: ${stored.join(', ')})`, err.status, { ...err.details, storedDates: stored });
        }
        if (err instanceof AppError && stored.length) {
          throw new AppError(err.code, `${err.message} (stored before the failure: ${stored.join(', ')})`, { ...err.details, storedDates: stored });
        }
        throw err;
      }
    }
    return { userid, posts, stored };
  }

  /** The reader's view of several users' capacity in one call (at most 50 users). */
  async function readCapacity(userids: string[], from: string, to: string): Promise<CcCapacityReadResult> {
    if (userids.length === 0 || userids.length > CC_MAX_USERIDS_PER_READ) {
      throw new Error(`a CustomerConnect capacity read takes 1..${CC_MAX_USERIDS_PER_READ} users, not ${userids.length}`);
    }
    return tokens.withToken(
      readerKey,
      () => fetchToken(reader),
      async (token) => {
        const res = check(
          await http.send({ method: 'GET', path: capacityPath, route: '/capacity', query: { userid: userids.join(','), from, to }, headers: { authorization: `Bearer ${token}` } }),
          'reading capacity',
        );
        const body = parseJsonBody<Partial<CcCapacityReadResult>>(CUSTOMERCONNECT, res);
        if (!Array.isArray(body.users) || body.users.some((u) => typeof u?.userid !== 'string' || !Array.isArray(u.days))) {
          throw new VendorError(CUSTOMERCONNECT, ErrorCode.UPSTREAM_BAD_RESPONSE, 'capacity read answer without users[].days', res.status);
        }
        return { from: body.from ?? from, to: body.to ?? to, users: body.users, unknown: Array.isArray(body.unknown) ? body.unknown : [] };
      },
    );
  }

  return { postCapacity, publishCapacity, readCapacity };
}
