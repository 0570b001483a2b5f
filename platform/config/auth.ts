import { createHash } from 'node:crypto';
import { z } from 'zod';
import { envVar, url } from './define';

/** A partner's API key as configured: only the SHA-256 of the key is kept, never the key itself. */
export interface PartnerKey {
  partnerId: string;
  keyHash: string;
  customers: string[];
  /** optional roles, e.g. admin */
  roles: string[];
}

/** The development partner of the embedded default. Its key is in the README; it sees the sandbox's customers only. */
export const DEV_PARTNER_KEY = 'sb_dev_partner_key';
// The development partner is also `admin`, so a newcomer can try every mutation of the embedded default.
const devPartnerKeys = `dev-partner:${createHash('sha256').update(DEV_PARTNER_KEY).digest('hex')}:M123|M124|M125:admin`;

const partnerKeys = z
  .string()
  .default(devPartnerKeys)
  .transform((s, ctx) => {
    const out: PartnerKey[] = [];
    for (const part of s.split(',').map((x) => x.trim()).filter(Boolean)) {
      const m = /^([A-Za-z0-9_.-]+):([0-9a-f]{64}):([A-Za-z0-9_|-]+)(?::([a-z_|-]+))?$/.exec(part);
      if (!m) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected partnerId:sha256hex:customerId1|customerId2[:role1|role2], got ${JSON.stringify(part.slice(0, 40))}` });
        continue;
      }
      out.push({ partnerId: m[1]!, keyHash: m[2]!, customers: m[3]!.split('|').filter(Boolean), roles: (m[4] ?? '').split('|').filter(Boolean) });
    }
    return out;
  });

/** Who may call the supergraph, and the secret the gateway signs the caller's identity with for the subgraphs. */
export const authEnv = {
  PARTNER_KEYS: envVar(partnerKeys, 'Partner API keys: partnerId:sha256hex(key):customerId1|customerId2[:role1|role2] (role admin may change coverage plans), comma separated. Unset: the development partner (key sb_dev_partner_key, admin)', true),
  JWT_ISSUER: envVar(z.string().optional(), 'Expected iss of frontend-app JWTs. Unset together with JWT_SECRET and JWT_JWKS_URL: JWTs are not accepted'),
  JWT_AUDIENCE: envVar(z.string().optional(), 'Expected aud of frontend-app JWTs'),
  JWT_SECRET: envVar(z.string().min(32).optional(), 'HS256 secret of frontend-app JWTs (at least 32 characters)', true),
  JWT_JWKS_URL: envVar(url(), 'JWKS URL of the identity provider for frontend-app JWTs (RS256/ES256); used instead of JWT_SECRET when set'),
  GATEWAY_SIGNING_SECRET: envVar(z.string().min(16).default('switchboard-dev-gateway-signing-secret'), 'HMAC secret the gateway signs the caller identity header with and subgraphs verify it with (set a strong one in production)', true),
};
