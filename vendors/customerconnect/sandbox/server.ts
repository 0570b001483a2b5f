import {
  basicOf,
  bearerOf,
  createSandboxTokenStore,
  route,
  startSandbox,
  type Faults,
  type RunningSandbox,
  type SandboxRequest,
  type SandboxResponse,
} from '../../../platform/sandbox';
import { addDays, daysBetween, isIsoDate } from '../dates';
import { capacityDayProblems } from '../rules';
import { CC_POST_SIZES } from '../posts';
import { CC_MAX_USERIDS_PER_READ, type CcCapacityDay, type CcCapacityReadResult, type CcProblem } from '../types';
import { defaultClients, defaultUsers, mondayOf, seedCalendars, type SandboxClient } from './data';

/**
 * CustomerConnect sandbox: an IdentityServer-like token server plus the capacity resource.
 *
 * Known (seed 000): `POST /connect/token`, form body, HTTP Basic client auth,
 * `grant_type=client_credentials` + `userid`; bearer `POST /ccplatform/api/v1/capacity` with one or five
 * days; a second client reads with `GET` on the same resource using its own credentials.
 *
 * Ours (documented here, as OEC published no OpenAPI):
 * - Token errors follow IdentityServer: `{"error","error_description"}`; bad client credentials are
 *   401 `invalid_client` when the client authenticated with HTTP Basic (RFC 6749 5.2), 400 otherwise;
 *   a publishing client without `userid` is 400 `invalid_request`, with an unknown `userid` 400
 *   `invalid_grant`; another grant type 400 `unsupported_grant_type`. Reader tokens are not bound to a
 *   user (a `userid` sent by a reader is ignored). Tokens live `tokenLifetimeS` (3600 s).
 *   Scopes: publisher `ccplatform.capacity.write`, reader `ccplatform.capacity.read`.
 * - Data errors are ASP.NET Core ProblemDetails `{type,title,status,detail,errors?}`:
 *   401 missing/unknown/expired bearer (with `WWW-Authenticate: Bearer error="invalid_token"`);
 *   403 `{"title":"Forbidden","detail":"client X holds scope ccplatform.capacity.read; this call needs ccplatform.capacity.write"}`
 *   when a reader token posts or a publisher token reads; 400 with `errors` per field for a bad payload.
 * - `POST` body `{days:[{date, openingHours:[{open,close}], capacity:[{workType, mechanic?, availableMinutes, bookedMinutes}]}]}`
 *   with exactly 1 day or 5 consecutive days; each posted date replaces what that user had for it
 *   (so posting the same days again changes nothing). Answer `{userid, stored:[dates]}`.
 * - `GET ?userid=<id>[,<id>…]&from=yyyy-mm-dd&to=yyyy-mm-dd` (1..50 users, at most 92 days) answers
 *   `{from, to, users:[{userid, days:[…published days in range, by date]}], unknown:[userids not registered]}`.
 * Admin (not counted): `GET /__sandbox/capacity/posts` lists every accepted post `{userid, clientId, dates}`;
 * `GET /__sandbox/capacity/:userid` the user's stored days. Reset restores the seeded calendars.
 */
export interface CustomerConnectSandboxOptions {
  port?: number;
  host?: string;
  faults?: Partial<Faults>;
  clients?: SandboxClient[];
  /** registered workshop users (userid values the token server accepts) */
  users?: string[];
  tokenLifetimeS?: number;
  /** first seeded date (default: Monday of the current week) and how many days are seeded */
  seedFrom?: string;
  seedDays?: number;
  now?: () => number;
}

export interface PostLogEntry {
  userid: string;
  clientId: string;
  dates: string[];
}

export interface RunningCustomerConnectSandbox extends RunningSandbox {
  posts(): PostLogEntry[];
  storedDays(userid: string): CcCapacityDay[];
}

const WRITE_SCOPE = 'ccplatform.capacity.write';
const READ_SCOPE = 'ccplatform.capacity.read';
const MAX_READ_DAYS = 92;

interface TokenSubject {
  clientId: string;
  role: SandboxClient['role'];
  userid?: string;
}

const problem = (status: number, title: string, detail?: string, errors?: Record<string, string[]>): SandboxResponse => ({
  status,
  body: { type: `https://httpstatuses.io/${status}`, title, status, ...(detail ? { detail } : {}), ...(errors ? { errors } : {}) } satisfies CcProblem,
  ...(status === 401 ? { headers: { 'www-authenticate': 'Bearer error="invalid_token"' } } : {}),
});

const tokenError = (status: number, error: string, description: string): SandboxResponse => ({
  status,
  body: { error, error_description: description },
  ...(status === 401 ? { headers: { 'www-authenticate': 'Basic realm="CustomerConnect"' } } : {}),
});

const validationProblem = (errors: { field: string; message: string }[]): SandboxResponse => {
  const map: Record<string, string[]> = {};
  for (const e of errors) (map[e.field] ??= []).push(e.message);
  return problem(400, 'One or more validation errors occurred.', undefined, map);
};

export async function startCustomerConnectSandbox(opts: CustomerConnectSandboxOptions = {}): Promise<RunningCustomerConnectSandbox> {
  const now = opts.now ?? Date.now;
  const clients = new Map((opts.clients ?? defaultClients).map((c) => [c.clientId, c]));
  const users = new Set(opts.users ?? defaultUsers);
  const tokens = createSandboxTokenStore<TokenSubject>(opts.tokenLifetimeS ?? 3600, now);
  const seedFrom = opts.seedFrom ?? mondayOf(now());
  const seedDays = opts.seedDays ?? 14;
  let calendars = seedCalendars(seedFrom, seedDays);
  let postLog: PostLogEntry[] = [];

  function token(req: SandboxRequest): SandboxResponse {
    const type = String(req.headers['content-type'] ?? '');
    if (!type.startsWith('application/x-www-form-urlencoded')) return tokenError(400, 'invalid_request', 'the token request must be application/x-www-form-urlencoded');
    const form = req.form();
    const basic = basicOf(req.headers.authorization);
    const clientId = basic?.user ?? form.get('client_id') ?? undefined;
    const secret = basic?.pass ?? form.get('client_secret') ?? undefined;
    const status = basic ? 401 : 400;
    if (!clientId) return tokenError(400, 'invalid_client', 'no client authentication (use HTTP Basic)');
    const client = clients.get(clientId);
    if (!client || client.secret !== secret) return tokenError(status, 'invalid_client', 'unknown client or wrong secret');
    if (form.get('grant_type') !== 'client_credentials') return tokenError(400, 'unsupported_grant_type', `grant_type ${JSON.stringify(form.get('grant_type'))} is not supported; use client_credentials`);
    if (client.role === 'reader') {
      const access_token = tokens.issue({ clientId, role: 'reader' });
      return { status: 200, body: { access_token, expires_in: tokens.lifetimeS, token_type: 'Bearer', scope: READ_SCOPE } };
    }
    const userid = form.get('userid');
    if (!userid) return tokenError(400, 'invalid_request', 'userid is required: the workshop user the data is published for');
    if (!users.has(userid)) return tokenError(400, 'invalid_grant', `unknown userid ${userid}`);
    const access_token = tokens.issue({ clientId, role: 'publisher', userid });
    return { status: 200, body: { access_token, expires_in: tokens.lifetimeS, token_type: 'Bearer', scope: WRITE_SCOPE } };
  }

  const holder = (req: SandboxRequest) => tokens.verify(bearerOf(req.headers.authorization));
  const forbidden = (s: TokenSubject, needs: string) =>
    problem(403, 'Forbidden', `client ${s.clientId} holds scope ${s.role === 'reader' ? READ_SCOPE : WRITE_SCOPE}; this call needs ${needs}`);

  function post(req: SandboxRequest): SandboxResponse {
    const s = holder(req);
    if (!s) return problem(401, 'Unauthorized', 'missing, unknown or expired bearer token');
    if (s.role !== 'publisher' || !s.userid) return forbidden(s, WRITE_SCOPE);
    const body = req.json<{ days?: unknown }>();
    if (!body || typeof body !== 'object' || !Array.isArray(body.days)) return validationProblem([{ field: 'days', message: 'expected {"days": [...]}' }]);
    const days = body.days as CcCapacityDay[];
    if (!(CC_POST_SIZES as readonly number[]).includes(days.length)) return validationProblem([{ field: 'days', message: `post ${CC_POST_SIZES.join(' or ')} days, not ${days.length}` }]);
    const problems = capacityDayProblems(days);
    if (!problems.length && days.length > 1) {
      const dates = days.map((d) => d.date).sort();
      if (daysBetween(dates[0]!, dates.at(-1)!) !== days.length - 1) problems.push({ field: 'days', message: `${days.length} days must be consecutive dates` });
    }
    if (problems.length) return validationProblem(problems);

    const calendar = calendars.get(s.userid) ?? new Map<string, CcCapacityDay>();
    calendars.set(s.userid, calendar);
    const stored = days.map((d) => d.date).sort();
    for (const d of days) {
      calendar.set(d.date, {
        date: d.date,
        openingHours: d.openingHours.map(({ open, close }) => ({ open, close })),
        capacity: d.capacity.map(({ workType, mechanic, availableMinutes, bookedMinutes }) => ({ workType, ...(mechanic ? { mechanic } : {}), availableMinutes, bookedMinutes })),
      });
    }
    postLog.push({ userid: s.userid, clientId: s.clientId, dates: stored });
    return { status: 200, body: { userid: s.userid, stored } };
  }

  function read(req: SandboxRequest): SandboxResponse {
    const s = holder(req);
    if (!s) return problem(401, 'Unauthorized', 'missing, unknown or expired bearer token');
    if (s.role !== 'reader') return forbidden(s, READ_SCOPE);
    const errors: { field: string; message: string }[] = [];
    const ids = (req.query.get('userid') ?? '').split(',').map((x) => x.trim()).filter(Boolean);
    if (!ids.length || ids.length > CC_MAX_USERIDS_PER_READ) errors.push({ field: 'userid', message: `give 1 to ${CC_MAX_USERIDS_PER_READ} userids, comma separated` });
    const from = req.query.get('from') ?? '';
    const to = req.query.get('to') ?? '';
    if (!isIsoDate(from)) errors.push({ field: 'from', message: 'expected yyyy-mm-dd' });
    if (!isIsoDate(to)) errors.push({ field: 'to', message: 'expected yyyy-mm-dd' });
    if (!errors.length && (to < from || daysBetween(from, to) >= MAX_READ_DAYS)) errors.push({ field: 'to', message: `expected from <= to within ${MAX_READ_DAYS} days` });
    if (errors.length) return validationProblem(errors);
    const unique = [...new Set(ids)];
    const result: CcCapacityReadResult = { from, to, users: [], unknown: [] };
    for (const id of unique) {
      if (!users.has(id)) {
        result.unknown.push(id);
        continue;
      }
      const calendar = calendars.get(id);
      const days: CcCapacityDay[] = [];
      for (let d = from; d <= to; d = addDays(d, 1)) {
        const day = calendar?.get(d);
        if (day) days.push(day);
      }
      result.users.push({ userid: id, days });
    }
    return { status: 200, body: result };
  }

  const capacityPath = '/ccplatform/api/v1/capacity';
  const running = await startSandbox(
    {
      name: 'customerconnect',
      faults: opts.faults,
      routes: [route('POST', '/connect/token', 'token', token), route('POST', capacityPath, 'data', post), route('GET', capacityPath, 'data', read)],
      errorResponse: (status, message) => problem(status, status === 404 ? 'Not Found' : status >= 500 ? 'Internal Server Error' : 'Bad Request', message),
      expireTokens: () => tokens.expireAll(),
      onReset: () => {
        calendars = seedCalendars(seedFrom, seedDays);
        postLog = [];
      },
      adminRoutes: [
        route('GET', '/__sandbox/capacity/posts', 'data', () => ({ status: 200, body: { posts: postLog } })),
        route('GET', '/__sandbox/capacity/:userid', 'data', (req) => ({
          status: 200,
          body: { userid: req.params.userid, days: [...(calendars.get(req.params.userid!)?.values() ?? [])].sort((a, b) => a.date.localeCompare(b.date)) },
        })),
      ],
    },
    opts.port ?? 0,
    opts.host,
  );
  return {
    ...running,
    posts: () => postLog,
    storedDays: (userid) => [...(calendars.get(userid)?.values() ?? [])].sort((a, b) => a.date.localeCompare(b.date)),
  };
}
