import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ALL_SCOPES, emptyGrants, legacyScopes } from '../access';
import type { CallerGrants } from '../caller-identity';
import { z } from 'zod';
import { envVar, url } from './define';

/** A partner's API key as configured: only the SHA-256 of the key is kept, never the key itself. */
export interface PartnerKey {
  partnerId: string;
  keyHash: string;
  /** Vitec offices (customers) whose orders the partner sees */
  customers: string[];
  /** optional roles, e.g. admin */
  roles: string[];
  /** scopes the partner holds (platform/access.ts `Scope`) */
  scopes: string[];
  /** resource grants beyond Vitec offices */
  grants: Required<CallerGrants>;
  /** the partner opted in to trusted documents: it may run operations of GATEWAY_TRUSTED_DOCUMENTS only */
  trustedDocumentsOnly?: boolean;
}

/** The development partner of the embedded default. Its key is in the README; refused in production mode. */
export const DEV_PARTNER_KEY = 'sb_dev_partner_key';
export const DEV_PARTNER_KEY_HASH = createHash('sha256').update(DEV_PARTNER_KEY).digest('hex');

/**
 * The development partner: every scope, and grants on the sandboxes' own resources only (Vitec offices
 * M123-M125, CustomerConnect test user 121212 and seeded workshops 6060001-6060040, the four MMP sandbox
 * members and their points of sale, the Carsys sandbox dealer), so every README example works.
 */
export const devPartner = (): PartnerKey => ({
  partnerId: 'dev-partner',
  keyHash: DEV_PARTNER_KEY_HASH,
  customers: ['M123', 'M124', 'M125'],
  roles: ['admin'],
  scopes: [...ALL_SCOPES],
  grants: {
    workshops: ['121212', ...Array.from({ length: 40 }, (_, i) => String(6060001 + i))],
    mmpOrganisations: ['57525', '61204', '48311', '70950'],
    mmpPointsOfSale: ['920150', '6768ZED', '417728CZ', '690312'],
    dealers: ['sandbox-dealer'],
  },
});

export { legacyScopes };

const idList = z.array(z.string().regex(/^[A-Za-z0-9_.*-]{1,64}$/, 'ids are letters, digits, ., _ or - (or * for all)')).max(10_000).default([]);
const partnerJson = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
    keySha256: z.string().regex(/^[0-9a-f]{64}$/, 'keySha256 is the sha256 hex of the key'),
    offices: idList,
    roles: z.array(z.string().regex(/^[a-z_-]{1,40}$/)).default([]),
    scopes: z.array(z.string().regex(/^[a-z][a-z0-9_:-]{0,62}$/)).optional(),
    grants: z.object({ workshops: idList, mmpOrganisations: idList, mmpPointsOfSale: idList, dealers: idList }).strict().default({}),
    trustedDocumentsOnly: z.boolean().default(false),
  })
  .strict();

function fromJson(text: string, ctx: z.RefinementCtx): PartnerKey[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'partners JSON does not parse' });
    return [];
  }
  const parsed = z.array(partnerJson).safeParse(raw);
  if (!parsed.success) {
    for (const i of parsed.error.issues) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `partners JSON [${i.path.join('.')}]: ${i.message}` });
    return [];
  }
  return parsed.data.map((p) => ({
    partnerId: p.id,
    keyHash: p.keySha256,
    customers: p.offices,
    roles: p.roles,
    scopes: p.scopes ?? legacyScopes(p.offices),
    grants: { ...emptyGrants(), ...p.grants },
    ...(p.trustedDocumentsOnly ? { trustedDocumentsOnly: true } : {}),
  }));
}

/**
 * Three forms: the original `partnerId:sha256hex:M123|M124[:role1|role2]` list (comma separated; such a
 * partner gets the order scopes of its offices only), a JSON array (`[{"id", "keySha256", "offices",
 * "roles", "scopes", "grants": {"workshops", "mmpOrganisations", "mmpPointsOfSale", "dealers"}}]`), or
 * `@/path/to/partners.json` holding that array. Unset: the development partner.
 */
export function parsePartnerKeys(s: string | undefined, ctx: z.RefinementCtx): PartnerKey[] {
  if (s === undefined) return [devPartner()];
  const text = s.trim();
  if (text.startsWith('[')) return fromJson(text, ctx);
  if (text.startsWith('@')) {
    try {
      return fromJson(readFileSync(text.slice(1), 'utf8'), ctx);
    } catch (err) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `cannot read partners file ${text.slice(1)}: ${(err as NodeJS.ErrnoException).code ?? 'error'}` });
      return [];
    }
  }
  const out: PartnerKey[] = [];
  for (const part of text.split(',').map((x) => x.trim()).filter(Boolean)) {
    const m = /^([A-Za-z0-9_.-]+):([0-9a-f]{64}):([A-Za-z0-9_|-]+)(?::([a-z_|-]+))?$/.exec(part);
    if (!m) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected partnerId:sha256hex:customerId1|customerId2[:role1|role2], a JSON array or @file, got ${JSON.stringify(part.slice(0, 40))}` });
      continue;
    }
    const customers = m[3]!.split('|').filter(Boolean);
    out.push({ partnerId: m[1]!, keyHash: m[2]!, customers, roles: (m[4] ?? '').split('|').filter(Boolean), scopes: legacyScopes(customers), grants: emptyGrants() });
  }
  return out;
}

const partnerKeys = z.string().optional().transform(parsePartnerKeys);

/** The embedded default of GATEWAY_SIGNING_SECRET: public (it is in this file), so refused in production. */
export const DEV_GATEWAY_SIGNING_SECRET = 'switchboard-dev-gateway-signing-secret';

/** Who may call the supergraph, and the secret the gateway signs the caller's identity with for the subgraphs. */
export const authEnv = {
  PARTNER_KEYS: envVar(partnerKeys, 'Partner API keys: partnerId:sha256hex(key):customerId1|customerId2[:role1|role2] comma separated (order scopes only), or a JSON array [{"id","keySha256","offices","roles","scopes","grants","trustedDocumentsOnly"}], or @/path/to/partners.json (README: access model). Unset: the development partner (key sb_dev_partner_key, every scope; refused in production)', true),
  JWT_ISSUER: envVar(z.string().optional(), 'Expected iss of frontend-app JWTs. Unset together with JWT_SECRET and JWT_JWKS_URL: JWTs are not accepted'),
  JWT_AUDIENCE: envVar(z.string().optional(), 'Expected aud of frontend-app JWTs'),
  JWT_SECRET: envVar(z.string().min(32).optional(), 'HS256 secret of frontend-app JWTs (at least 32 characters)', true),
  JWT_JWKS_URL: envVar(url(), 'JWKS URL of the identity provider for frontend-app JWTs (RS256/ES256); used instead of JWT_SECRET when set'),
  GATEWAY_TRUSTED_DOCUMENTS: envVar(z.string().min(1).optional(), 'Trusted documents: path of a persisted-query manifest (Apollo format, or a {"<sha256>": "<body>"} map); clients may run its operations by {"documentId": "<sha256>"}, and partners with "trustedDocumentsOnly": true may run nothing else. Checked against the supergraph at start. Unset: no registry'),
  GATEWAY_SIGNING_SECRET: envVar(z.string().min(16).default(DEV_GATEWAY_SIGNING_SECRET), 'HMAC secret the gateway signs the caller identity header with and subgraphs verify it with (set a strong one in production)', true),
};
