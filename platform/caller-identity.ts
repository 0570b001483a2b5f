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
}

interface SignedClaims extends CallerIdentity {
  /** expiry, epoch seconds */
  exp: number;
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const mac = (payload: string, secret: string) => createHmac('sha256', secret).update(payload).digest();

export function signCallerIdentity(identity: CallerIdentity, secret: string, opts: { ttlS?: number; now?: number } = {}): string {
  const claims: SignedClaims = { kind: identity.kind, id: identity.id, customers: [...identity.customers], roles: [...identity.roles], exp: Math.floor((opts.now ?? Date.now()) / 1000) + (opts.ttlS ?? 300) };
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
  return { identity: { kind: claims.kind, id: claims.id, customers: strings(claims.customers), roles: Array.isArray(claims.roles) ? strings(claims.roles) : [] } };
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
