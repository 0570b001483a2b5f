import { normalisePlate } from '../../../platform/plates';
import type { MmpBlacklistEntry, MmpCampagne, MmpCampagneClient } from '../adherents-types';
import type { MmpVision360 } from '../types';
import { MEMBERS } from './fleet';
import type { MmpFleet } from './fleet';
import { createRandom } from '../../../platform/sandbox/prng';

/**
 * Adherent data derived from the seeded fleet, so it agrees with the vehicle services: a campaign client
 * is a real fleet client of that member, and the blacklist lists exactly the fleet clients who refused a
 * channel or declared one private.
 */
export interface MmpAdherentData {
  /** by adherent code_pdv (memberPoSCode): campaigns, newest first */
  campaigns: Map<string, MmpCampagne[]>;
  blacklist: MmpBlacklistEntry[];
  /** organizationId values accepted by the ZIP import (memberId as text) */
  organizationIds: Set<string>;
  /** campaigns per page of §13 */
  perPage: number;
}

const OPERATIONS = [
  { id: 5, label: 'Plaquettes de freins AVANT' },
  { id: 8, label: 'Disques + Plaquettes ARRIERE' },
  { id: 2, label: 'Bougies' },
  { id: 6, label: 'Filtre habitacle' },
  { id: 1, label: 'Vidange' },
];
const PROMOTIONS = [
  { id: 323, label: 'Communication informative' },
  { id: 327, label: 'Communication informative' },
  { id: 331, label: '-10% sur la main d\u2019oeuvre' },
];
const pad = (n: number) => String(n).padStart(2, '0');

function campaignClient(v: MmpVision360, r: ReturnType<typeof createRandom>): MmpCampagneClient {
  const c = v.relanceClientList[0]!;
  return {
    civilite: c.clientCivilite,
    prenom: r.chance(0.5) ? c.clientPrenom : null, // the seed shows prenom null with "NOM PRENOM" in nom
    nom: [c.clientNom, c.clientPrenom].filter(Boolean).join(' '),
    vehicule: { immatriculation: normalisePlate(v.clientList[0]!.vehicleRegistrationPlate), marque: v.vehicleInformations.vehicleBrand, modele: v.vehicleInformations.vehicleModel },
    operation: r.pick(OPERATIONS),
    promotion: [r.pick(PROMOTIONS)],
    diffusion: { sms: c.relanceSms, email: c.relanceEmail, courrier: c.relanceCourrier },
  };
}

export function buildAdherentData(fleet: MmpFleet, perPage = 3): MmpAdherentData {
  const r = createRandom(1313);
  const byMember = new Map<string, MmpVision360[]>();
  for (const plate of fleet.plates) {
    const v = fleet.vehicles.get(plate)!;
    const code = v.relanceClientList[0]?.memberPoSCode;
    if (code) byMember.set(code, [...(byMember.get(code) ?? []), v]);
  }
  const campaigns = new Map<string, MmpCampagne[]>();
  let id = 1469;
  for (const m of MEMBERS) {
    const vehicles = byMember.get(m.memberPoSCode) ?? [];
    const list: MmpCampagne[] = [];
    // Eight monthly campaigns per member, newest first (the seed lists 1469 then 1465).
    for (let k = 0; k < 8; k++) {
      const month = 8 - k;
      const clients = vehicles.filter(() => r.chance(0.12)).slice(0, 9).map((v) => campaignClient(v, r));
      list.push({
        id: id - k * 4,
        dateDiffusion: `2021-${pad(month)}-17`,
        datePrediction: `2021-${pad(month + 1)}-01`,
        dateCreation: `2021-${pad(month)}-11`,
        clientList: clients,
      });
    }
    id += 100;
    campaigns.set(m.memberPoSCode, list);
  }
  const blacklist: MmpBlacklistEntry[] = [];
  for (const plate of fleet.plates) {
    const c = fleet.vehicles.get(plate)!.relanceClientList[0];
    if (!c || (c.relanceSms && c.relanceEmail && !c.viePrivee)) continue;
    blacklist.push({
      clientId: c.clientId,
      clientPrenom: c.clientPrenom,
      clientNom: c.clientNom,
      clientRaisonSociale: c.clientRaisonSociale,
      relanceSms: c.relanceSms,
      relanceEmail: c.relanceEmail,
      synchroDmsTelephone: c.clientPortable !== null,
      synchroDmsEmail: c.clientEmail !== null,
      viePrivee: c.viePrivee,
      clientPortable: c.clientPortable,
      clientEmail: c.clientEmail,
      adherentNomCourt: c.memberTradeName,
      clientCodePostal: c.clientCodePostal,
      adherentCodePdv: c.memberPoSCode,
    });
  }
  return { campaigns, blacklist, organizationIds: new Set(MEMBERS.map((m) => String(m.memberId))), perPage };
}
