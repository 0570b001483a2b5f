import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError, ErrorCode } from './errors';

/**
 * Who is calling, as the gateway authenticated them, passed to subgraphs in one signed header.
 * Subgraphs trust nothing else: the header is an HMAC-SHA256 over the identity with a secret only the
 * gateway and the subgraphs hold (GATEWAY_SIGNING_SECRET), with a short lifetime so a captured header
 * is not a credential for long. Over WebSocket the same value travels in the operation's
 * `extensions.headers`, because one gateway→subgraph socket carries many callers' subscriptions.
 */
export const CALLER_HEADER = 'x-switchboard-caller';

export interface CallerIdentity {
  /** partner: API key; user: a frontend app's JWT */
  kind: 'partner' | 'user';
  /** partner id, or the JWT subject */
  id: string;
  /** the Vitec customers (offices) whose orders this caller may see */
  customers: string[];
  /** what else the caller may do beyond its own data, e.g. `admin` (changing coverage plans) */
  roles: string[];
  /**
   * What the caller may read and do (`personal:read`, `capacity:write`, … see platform/access.ts). The
   * schema's `@requiresScopes` names them; a role counts as a scope of the same name (`admin`).
   * Absent on identities signed before scopes existed: then the caller holds its roles only.
   */
  scopes?: string[];
  /** Resources beyond Vitec offices the caller may act on (CustomerConnect workshops, MMP organisations, …). */
  grants?: CallerGrants;
}

/**
 * Resource grants per vendor. `*` in a list grants every resource of that kind (only for operators'
 * own tooling; the development partner lists the sandbox's resources one by one).
 */
export interface CallerGrants {
  /** CustomerConnect workshop ids (userid) whose capacity the caller may publish */
  workshops?: string[];
  /** MMP organisations (adherent ids, `organizationId`) the caller may import client files for */
  mmpOrganisations?: string[];
  /** MMP points of sale (`codePdv`) whose campaign client lists the caller may read */
  mmpPointsOfSale?: string[];
  /** Carsys dealers whose pushed work orders and people the caller may read */
  dealers?: string[];
}

export const GRANT_KINDS = ['workshops', 'mmpOrganisations', 'mmpPointsOfSale', 'dealers'] as const satisfies readonly (keyof CallerGrants)[];
export type GrantKind = (typeof GRANT_KINDS)[number];

interface SignedClaims extends CallerIdentity {
  /** expiry, epoch seconds */
  exp: number;
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const mac = (payload: string, secret: string) => createHmac('sha256', secret).update(payload).digest();

export function signCallerIdentity(identity: CallerIdentity, secret: string, opts: { ttlS?: number; now?: number } = {}): string {
  const claims: SignedClaims = {
    kind: identity.kind,
    id: identity.id,
    customers: [...identity.customers],
    roles: [...identity.roles],
    ...(identity.scopes ? { scopes: [...identity.scopes] } : {}),
    ...(identity.grants ? { grants: identity.grants } : {}),
    exp: Math.floor((opts.now ?? Date.now()) / 1000) + (opts.ttlS ?? 300),
  };
  const payload = b64(JSON.stringify(claims));
  return `${payload}.${b64(mac(payload, secret))}`;
}

export type VerifyFailure = 'malformed' | 'bad-signature' | 'expired';

/** The identity in a signed header value, or why it is refused. Constant-time signature comparison. */
export function verifyCallerIdentity(value: string | undefined, secret: string, now = Date.now()): { identity: CallerIdentity } | { failure: VerifyFailure } | undefined {
  if (!value) return undefined;
  const dot = value.indexOf('.');
  if (dot <= 0) return { failure: 'malformed' };
  const payload = value.slice(0, dot);
  const given = Buffer.from(value.slice(dot + 1), 'base64url');
  const expected = mac(payload, secret);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { failure: 'bad-signature' };
  let claims: Partial<SignedClaims>;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<SignedClaims>;
  } catch {
    return { failure: 'malformed' };
  }
  if ((claims.kind !== 'partner' && claims.kind !== 'user') || typeof claims.id !== 'string' || !Array.isArray(claims.customers) || typeof claims.exp !== 'number') {
    return { failure: 'malformed' };
  }
  if (claims.exp * 1000 < now) return { failure: 'expired' };
  const strings = (xs: unknown[]) => xs.filter((x): x is string => typeof x === 'string');
  const identity: CallerIdentity = { kind: claims.kind, id: claims.id, customers: strings(claims.customers), roles: Array.isArray(claims.roles) ? strings(claims.roles) : [] };
  if (Array.isArray(claims.scopes)) identity.scopes = strings(claims.scopes);
  if (claims.grants && typeof claims.grants === 'object') {
    const grants: CallerGrants = {};
    for (const kind of GRANT_KINDS) {
      const list = (claims.grants as Record<string, unknown>)[kind];
      if (Array.isArray(list)) grants[kind] = strings(list);
    }
    identity.grants = grants;
  }
  return { identity };
}

/** Reads the header from a Node request's headers, or from a WebSocket operation's `extensions.headers`. */
export function callerHeaderOf(headers: Record<string, unknown> | undefined): string | undefined {
  if (!headers) return undefined;
  const v = headers[CALLER_HEADER];
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
}

/** The verified caller of one request for a subgraph's context; a forged or stale header counts as none. */
export function callerFromHeader(value: string | undefined, secret: string, onRefused: (why: VerifyFailure) => void): { caller?: CallerIdentity; callerProblem?: VerifyFailure } {
  const verified = verifyCallerIdentity(value, secret);
  if (!verified) return {};
  if ('identity' in verified) return { caller: verified.identity };
  onRefused(verified.failure);
  return { callerProblem: verified.failure };
}

/** The caller when it holds `role`: UNAUTHENTICATED without a caller, FORBIDDEN without the role. */
export function requireRole(caller: CallerIdentity | undefined, role: string, action: string): CallerIdentity {
  if (!caller) throw new AppError(ErrorCode.UNAUTHENTICATED, `${action} needs an authenticated caller (x-api-key or Authorization: Bearer at the gateway)`);
  if (!caller.roles.includes(role)) throw new AppError(ErrorCode.FORBIDDEN, `${action} needs the ${role} role`, { role });
  return caller;
}
