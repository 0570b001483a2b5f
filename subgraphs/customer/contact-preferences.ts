import type { MmpBlacklistEntry } from '../../vendors/mmp/adherents-types';
import { emailKey, phoneKey, type BlacklistIndex } from './blacklist-cache';
import type { CustomerModel } from './mappers';

// Parsed in platform/ because the Vehicle subgraph withholds the same private channels.
export { parsePrivacy, type PrivacyFlag } from '../../platform/private-contact';
import { parsePrivacy, type PrivacyFlag } from '../../platform/private-contact';

export interface ContactPreferences {
  sms: boolean;
  email: boolean;
  post: boolean;
  privacy: PrivacyFlag[];
  blacklisted: boolean;
  basis: 'mmp-blacklist' | 'mmp-client' | 'default';
}

/**
 * The blacklist answers first: by MMP client id for an MMP customer; for a customer from another source
 * by mobile number or e-mail address (a Carsys person whose mobile is on the network's SMS blacklist must not get SMS from us either).
 * Failing that, an MMP client's own flags; failing that, nothing is known and every channel is allowed —
 * the blacklist is an opt-out list. A private channel is never allowed, whatever the reminder flag says.
 */
export function contactPreferences(customer: CustomerModel, blacklist: BlacklistIndex): ContactPreferences {
  let entry: MmpBlacklistEntry | undefined;
  // An MMP client is matched by its client id only: in MMP's data several clients may share an address.
  if (customer.mmp) entry = blacklist.byClientId.get(customer.mmp.clientId);
  else {
    for (const m of [customer.privateContact.mobile, customer.businessContact.mobile]) {
      const k = phoneKey(m);
      entry ??= k ? blacklist.byMobile.get(k) : undefined;
    }
    for (const e of [customer.privateContact.email, customer.businessContact.email]) {
      const k = emailKey(e);
      entry ??= k ? blacklist.byEmail.get(k) : undefined;
    }
  }
  const fromEntry = entry ? { sms: entry.relanceSms, email: entry.relanceEmail, post: customer.mmp?.relanceCourrier ?? true, viePrivee: entry.viePrivee } : undefined;
  const fromClient = customer.mmp ? { sms: customer.mmp.relanceSms, email: customer.mmp.relanceEmail, post: customer.mmp.relanceCourrier, viePrivee: customer.mmp.viePrivee } : undefined;
  const base = fromEntry ?? fromClient ?? { sms: true, email: true, post: true, viePrivee: null };
  const privacy = parsePrivacy(base.viePrivee);
  return {
    sms: base.sms && !privacy.includes('MOBILE_PHONE'),
    email: base.email && !privacy.includes('EMAIL'),
    post: base.post && !privacy.includes('POST'),
    privacy,
    blacklisted: !!entry,
    basis: fromEntry ? 'mmp-blacklist' : fromClient ? 'mmp-client' : 'default',
  };
}
