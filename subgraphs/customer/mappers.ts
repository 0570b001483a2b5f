import type { CarsysPerson } from '../../vendors/carsys/types';
import type { StoredWorkOrder } from './carsys-store';
import type { MmpCampagne, MmpCampagneClient } from '../../vendors/mmp/adherents-types';
import type { MmpClient as MmpClientRecord } from '../../vendors/mmp/types';

/**
 * What Customer resolvers pass around: one shape for both sources, so field resolvers do not care where
 * a customer came from. Only `contactPreferences` needs to know (MMP client flags, blacklist lookups).
 */
export interface CustomerModel {
  id: string;
  source: 'MMP' | 'CARSYS';
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  title: string | null;
  address: { street: string | null; houseNumber: string | null; postcode: string | null; place: string | null } | null;
  privateContact: { email: string | null; phone: string | null; mobile: string | null };
  businessContact: { email: string | null; phone: string | null; mobile: string | null };
  /** MMP only: the client's id (blacklist key) and its own reminder flags */
  mmp?: { network: string; clientId: number; relanceSms: boolean; relanceEmail: boolean; relanceCourrier: boolean; viePrivee: string | null };
}

/** A Vehicle as this subgraph knows it: only its key. */
export interface VehicleRef {
  plate: string;
}

export type AppointmentModel = StoredWorkOrder;

/** A Workshop (Capacity subgraph's entity) as this subgraph knows it: only its key. */
export interface WorkshopRef {
  id: string;
}

export interface CampaignClientModel {
  campaign: MmpCampagne;
  client: MmpCampagneClient;
}

// ---- ids: the source is the first segment; each part is URI-encoded so ':' inside a part cannot confuse parsing

export const mmpCustomerId = (network: string, plate: string, clientId: number) => ['mmp', network, plate, String(clientId)].map(encodeURIComponent).join(':');
export const carsysCustomerId = (dealerId: string, personId: string) => ['carsys', dealerId, personId].map(encodeURIComponent).join(':');

export type ParsedCustomerId = { source: 'MMP'; network: string; plate: string; clientId: number } | { source: 'CARSYS'; dealerId: string; personId: string };

export function parseCustomerId(id: string): ParsedCustomerId | undefined {
  const parts = id.split(':').map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return '';
    }
  });
  if (parts[0] === 'mmp' && parts.length === 4 && parts[1] && parts[2] && /^\d+$/.test(parts[3]!)) return { source: 'MMP', network: parts[1], plate: parts[2], clientId: Number(parts[3]) };
  if (parts[0] === 'carsys' && parts.length === 3 && parts[1] && parts[2]) return { source: 'CARSYS', dealerId: parts[1], personId: parts[2] };
  return undefined;
}

const blank = (s: string | null | undefined) => (s && s.trim() ? s.trim() : null);

export function customerFromMmp(network: string, plate: string, c: MmpClientRecord): CustomerModel {
  return {
    id: mmpCustomerId(network, plate, c.clientId),
    source: 'MMP',
    firstName: blank(c.clientPrenom),
    lastName: blank(c.clientNom),
    company: blank(c.clientRaisonSociale),
    title: blank(c.clientCivilite),
    // MMP gives street and number as one line (`12 rue Victor Hugo`).
    address: c.clientAdresse || c.clientCodePostal || c.clientVille ? { street: blank(c.clientAdresse), houseNumber: null, postcode: blank(c.clientCodePostal), place: blank(c.clientVille) } : null,
    privateContact: { email: blank(c.clientEmail), phone: blank(c.clientTelephone), mobile: blank(c.clientPortable) },
    businessContact: { email: null, phone: null, mobile: null },
    mmp: { network, clientId: c.clientId, relanceSms: c.relanceSms, relanceEmail: c.relanceEmail, relanceCourrier: c.relanceCourrier, viePrivee: c.viePrivee },
  };
}

export function customerFromCarsys(dealerId: string, p: CarsysPerson): CustomerModel {
  return {
    id: carsysCustomerId(dealerId, p.id),
    source: 'CARSYS',
    firstName: blank(p.firstName),
    lastName: blank(p.lastName),
    company: blank(p.companyName),
    title: blank(p.title),
    address: p.street || p.postcode || p.place ? { street: blank(p.street), houseNumber: blank(p.houseNumber), postcode: blank(p.postcode), place: blank(p.place) } : null,
    privateContact: { email: blank(p.privateEmail), phone: blank(p.privatePhone), mobile: blank(p.privateMobile) },
    businessContact: { email: blank(p.businessEmail), phone: blank(p.businessPhone), mobile: blank(p.businessMobile) },
  };
}
