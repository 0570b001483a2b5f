import type { CallerGrants, CallerIdentity, GrantKind } from './caller-identity';
import { AppError, ErrorCode } from './errors';

/**
 * Switchboard's access model, in one place. The schema names scopes with `@requiresScopes`; the gateway
 * and every subgraph check them (gateway/plugins/use-access-directives.ts, platform/access-directives.ts).
 * Resource grants (which workshop, which MMP organisation, which dealer) and ownership (which partner made
 * a reservation) depend on arguments and stored data, so resolvers check them with the helpers below.
 */
export const Scope = {
  /** people's names, addresses, e-mails and phones (MMP clients, Carsys people, prospects, campaign lists) */
  PERSONAL_READ: 'personal:read',
  /** contact channels a person declared private (MMP `viePrivee`); without it they are withheld */
  PERSONAL_PRIVATE_READ: 'personal-private:read',
  /** Carsys work orders pushed by the caller's granted dealers */
  WORKORDERS_READ: 'workorders:read',
  /** publishing the capacity of the caller's granted CustomerConnect workshops */
  CAPACITY_WRITE: 'capacity:write',
  /** uploading client/invoice ZIPs for the caller's granted MMP organisations */
  CLIENTS_IMPORT: 'clients:import',
  /** reserving, reading, confirming and cancelling the caller's own port reservations */
  COVERAGE_RESERVE: 'coverage:reserve',
  /** reading and following the orders of the caller's Vitec offices */
  ORDERS_READ: 'orders:read',
  /** acting on the orders of the caller's Vitec offices (acknowledge, deliver, …) */
  ORDERS_WRITE: 'orders:write',
  /** operator: coverage plans, every partner's reservations */
  ADMIN: 'admin',
} as const;
export type ScopeName = (typeof Scope)[keyof typeof Scope];
export const ALL_SCOPES: string[] = Object.values(Scope);

/**
 * Scopes of a caller that names none (a `partnerId:hash:offices[:roles]` PARTNER_KEYS entry, a JWT without
 * a scope claim, an identity signed before scopes existed): what such a caller could do before scopes —
 * read and act on its Vitec offices' orders — and nothing more. Personal data, capacity, imports and
 * reservations need scopes granted explicitly.
 */
export const legacyScopes = (customers: string[]): string[] => (customers.length ? [Scope.ORDERS_READ, Scope.ORDERS_WRITE] : []);

/** What a caller holds: its scopes (or legacyScopes when it names none) plus its roles (role `admin` = scope `admin`). */
export function scopesOf(caller: CallerIdentity | undefined | null): Set<string> {
  if (!caller) return new Set();
  return new Set([...(caller.scopes ?? legacyScopes(caller.customers)), ...caller.roles]);
}

export const hasScope = (caller: CallerIdentity | undefined | null, scope: string) => scopesOf(caller).has(scope);

/** `@requiresScopes(scopes: [[a, b], [c]])`: (a AND b) OR c. */
export const satisfiesScopes = (held: Set<string>, required: string[][]) => required.some((all) => all.every((s) => held.has(s)));

export function grantsOf(caller: CallerIdentity | undefined | null, kind: GrantKind): string[] {
  return caller?.grants?.[kind] ?? [];
}

export function hasGrant(caller: CallerIdentity | undefined | null, kind: GrantKind, id: string): boolean {
  const list = grantsOf(caller, kind);
  return list.includes('*') || list.includes(id);
}

const grantNoun: Record<GrantKind, string> = {
  workshops: 'workshop',
  mmpOrganisations: 'MMP organisation',
  mmpPointsOfSale: 'MMP point of sale',
  dealers: 'Carsys dealer',
};

export function requireCaller(caller: CallerIdentity | undefined | null, action: string): CallerIdentity {
  if (!caller) throw new AppError(ErrorCode.UNAUTHENTICATED, `${action} needs an authenticated caller (x-api-key or Authorization: Bearer at the gateway)`);
  return caller;
}

/** FORBIDDEN unless the caller is granted this resource. Call before anything reaches a vendor. */
export function requireGrant(caller: CallerIdentity | undefined | null, kind: GrantKind, id: string, action: string): CallerIdentity {
  const c = requireCaller(caller, action);
  if (!hasGrant(c, kind, id)) throw new AppError(ErrorCode.FORBIDDEN, `${action}: this caller is not granted ${grantNoun[kind]} ${id}`, { grant: kind });
  return c;
}

/** Lists every resource grant kind with an empty list: the shape partner configuration and JWTs fill in. */
export const emptyGrants = (): Required<CallerGrants> => ({ workshops: [], mmpOrganisations: [], mmpPointsOfSale: [], dealers: [] });
