import { createHash, timingSafeEqual } from 'node:crypto';
import type { CallerIdentity } from '../platform/caller-identity';
import type { PartnerKey } from '../platform/config/auth';

/**
 * The partner-key check of the bench's reference gateways (bench/apollo-gateway.ts, bench/bare-gateway.ts):
 * the key's SHA-256 compared in constant time with each configured partner's, as
 * gateway/plugins/use-caller-identity.ts does, so every engine does the same caller work.
 */
export function partnerKeyLookup(partnerKeys: PartnerKey[]): (apiKey: string | null | undefined) => CallerIdentity | null {
  const partners = partnerKeys.map((p) => ({ ...p, hash: Buffer.from(p.keyHash, 'hex') }));
  return (apiKey) => {
    if (!apiKey) return null;
    const hash = createHash('sha256').update(apiKey).digest();
    let found: (typeof partners)[number] | undefined;
    for (const p of partners) if (p.hash.length === hash.length && timingSafeEqual(p.hash, hash)) found = p;
    return found ? { kind: 'partner', id: found.partnerId, customers: found.customers, roles: found.roles, scopes: found.scopes, grants: found.grants } : null;
  };
}
