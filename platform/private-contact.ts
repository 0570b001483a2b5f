import { hasScope, Scope } from './access';
import type { CallerIdentity } from './caller-identity';

/** A channel an MMP client can declare private in `viePrivee`. */
export type PrivacyFlag = 'MOBILE_PHONE' | 'BUSINESS_PHONE' | 'PHONE' | 'EMAIL' | 'POST';

/** MMP `viePrivee`: `telephone mobile | telephone professionnel | email` → flags; unknown words are ignored. */
export function parsePrivacy(viePrivee: string | null | undefined): PrivacyFlag[] {
  const out = new Set<PrivacyFlag>();
  for (const raw of (viePrivee ?? '').split('|')) {
    const w = raw.normalize('NFD').replace(/[\u0300-\u036f]/g, '').trim().toLowerCase();
    if (!w) continue;
    if (w.includes('mobile') || w.includes('portable')) out.add('MOBILE_PHONE');
    else if (w.includes('professionnel')) out.add('BUSINESS_PHONE');
    else if (w.startsWith('telephone') || w === 'fixe') out.add('PHONE');
    else if (w.includes('mail')) out.add('EMAIL');
    else if (w.includes('courrier') || w.includes('adresse') || w.includes('postal')) out.add('POST');
  }
  return [...out];
}

/** The contact fields MMP gives for a client (one phone field, `clientTelephone`, whether home or business). */
export type ContactField = 'mobile' | 'phone' | 'email' | 'address';

/**
 * Which contact fields of an MMP client this caller must not see: those the client declared private,
 * unless the caller holds `personal-private:read`. MMP has a single `clientTelephone`, which may be the
 * home or the business number, so either `telephone` or `telephone professionnel` withholds it; `courrier`
 * / `adresse` withholds the postal address.
 */
export function withheldContactFields(viePrivee: string | null | undefined, caller: CallerIdentity | undefined | null): Set<ContactField> {
  const out = new Set<ContactField>();
  if (!viePrivee || hasScope(caller, Scope.PERSONAL_PRIVATE_READ)) return out;
  for (const flag of parsePrivacy(viePrivee)) {
    if (flag === 'MOBILE_PHONE') out.add('mobile');
    else if (flag === 'PHONE' || flag === 'BUSINESS_PHONE') out.add('phone');
    else if (flag === 'EMAIL') out.add('email');
    else if (flag === 'POST') out.add('address');
  }
  return out;
}
