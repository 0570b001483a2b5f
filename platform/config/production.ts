import { z } from 'zod';
import { DEV_PARTNER_KEY_HASH } from './auth';
import type { EnvSection } from './define';

/**
 * Production mode: `SWITCHBOARD_ENV=production`, or any vendor origin that is not a local sandbox (real
 * vendor data is production data whatever the variable says). In it, no development default may be in
 * force: every process refuses to start, before it listens, naming each offending variable.
 */
const VENDOR_ORIGINS = ['MMP_BASE_URL', 'CUSTOMERCONNECT_BASE_URL', 'CUSTOMERCONNECT_AUTH_URL', 'VITEC_BASE_URL', 'OZMAP_BASE_URL'] as const;

/** The Carsys sandbox dealer's secret (the default of CARSYS_DEALER_SECRETS). */
const SANDBOX_DEALER_SECRET = 'sandbox-dealer-secret';

const isLocal = (url: string) => {
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
};

type Values = Record<string, unknown>;

/** Why this configuration is production (empty: development). */
export function productionReasons(config: Values): string[] {
  const reasons: string[] = [];
  if (config.SWITCHBOARD_ENV === 'production') reasons.push('SWITCHBOARD_ENV=production');
  for (const name of VENDOR_ORIGINS) {
    const v = config[name];
    if (typeof v === 'string' && !isLocal(v)) reasons.push(`${name} is not a local sandbox`);
  }
  return reasons;
}

export const isProduction = (config: Values) => productionReasons(config).length > 0;

/**
 * Every development default in force, one line per variable: each secret variable still at its embedded
 * default (GATEWAY_SIGNING_SECRET, VITEC_PASSWORD, VITEC_INTAKE_PASSWORD, the sandbox vendor credentials),
 * the development partner's key anywhere in PARTNER_KEYS, the sandbox dealer's secret anywhere in
 * CARSYS_DEALER_SECRETS. Generic over the sections, so a secret added later with a default is covered.
 */
export function developmentDefaults(config: Values, sections: Record<string, EnvSection>): string[] {
  const out: string[] = [];
  for (const section of Object.values(sections)) {
    for (const [name, v] of Object.entries(section)) {
      if (!v.secret || !(name in config)) continue;
      if (name === 'PARTNER_KEYS') {
        const keys = config[name] as { partnerId: string; keyHash: string }[];
        const dev = keys.filter((k) => k.keyHash === DEV_PARTNER_KEY_HASH).map((k) => k.partnerId);
        if (dev.length) out.push(`PARTNER_KEYS: holds the development partner key (sb_dev_partner_key, partner ${dev.join(', ')})`);
        continue;
      }
      if (name === 'CARSYS_DEALER_SECRETS') {
        const secrets = config[name] as Record<string, string[]>;
        const dealers = Object.entries(secrets).filter(([, list]) => list.includes(SANDBOX_DEALER_SECRET)).map(([d]) => d);
        if (dealers.length) out.push(`CARSYS_DEALER_SECRETS: dealer ${dealers.join(', ')} uses the sandbox dealer secret`);
        continue;
      }
      // The OZmap key is not used when the integration user logs in (OZMAP_LOGIN): then its default is inert.
      if (name === 'OZMAP_API_KEY' && config.OZMAP_LOGIN) continue;
      const fallback = (v.schema as z.ZodTypeAny).safeParse(undefined);
      if (fallback.success && fallback.data !== undefined && typeof fallback.data === 'string' && config[name] === fallback.data) {
        out.push(`${name}: still the development default`);
      }
    }
  }
  return out;
}

/** The start-up refusal message, or undefined when this configuration may start. */
export function productionRefusal(config: Values, sections: Record<string, EnvSection>): string | undefined {
  const reasons = productionReasons(config);
  if (!reasons.length) return undefined;
  const defaults = developmentDefaults(config, sections);
  if (!defaults.length) return undefined;
  return [
    `refusing to start in production mode (${reasons.join('; ')}) while development defaults are in force:`,
    ...defaults.map((d) => `  - ${d}`),
    'Set each of these variables to a production value (see the README, "Running in production").',
  ].join('\n');
}

/** Introspection and explorer pages: the explicit setting, else on in development and off in production. */
export const enabledUnlessProduction = (config: Values, explicit: boolean | undefined) => explicit ?? !isProduction(config);
