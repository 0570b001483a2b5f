import { displayPlate, normalisePlate } from '../../../platform/plates';
import type { MmpClient, MmpFacture, MmpHistorique, MmpImportClient, MmpImportFacture, MmpPrevision, MmpRelance, MmpVision360 } from '../types';
import { createRandom, type Random } from '../../../platform/sandbox/prng';

/**
 * The sandbox's seeded French fleet: 240 vehicles with SIV plates (AB-123-CD) plus the seed document's
 * own ABC123 and DEF123, each internally consistent — invoices produce the raw invoice lines, the
 * operation history and the forecasts; reminders reference real members.
 */
const MODELS: [string, string, string][] = [
  ['Renault', 'MEGANE', 'VF1'], ['Renault', 'CLIO', 'VF1'], ['Peugeot', '308', 'VF3'], ['Peugeot', '208', 'VF3'],
  ['Citroen', 'C4', 'VF7'], ['Citroen', 'C3', 'VF7'], ['Dacia', 'SANDERO', 'UU1'], ['Dacia', 'DUSTER', 'UU1'],
  ['Volkswagen', 'GOLF', 'WVW'], ['Toyota', 'YARIS', 'VNK'], ['Ford', 'FIESTA', 'WF0'], ['Opel', 'CORSA', 'W0L'],
];
const ENERGIES = ['Diesel', 'Essence', 'Hybride', 'Électrique'];
const SURNAMES = ['MARTIN', 'BERNARD', 'DUBOIS', 'THOMAS', 'ROBERT', 'RICHARD', 'PETIT', 'DURAND', 'LEROY', 'MOREAU', 'SIMON', 'LAURENT', 'LEFEBVRE', 'MICHEL', 'GARCIA', 'DAVID', 'BERTRAND', 'ROUX', 'VINCENT', 'FOURNIER', 'GIRARD', 'BONNET', 'DUPONT', 'LAMBERT', 'FONTAINE'];
const FIRSTNAMES = ['Philippe', 'Christine', 'Nathalie', 'Sophie', 'Julien', 'Nicolas', 'Isabelle', 'Céline', 'Thierry', 'Sandrine', 'Laurent', 'Emmanuel', 'Camille', 'Hugo', 'Léa', 'Manon'];
const CITIES: [string, string][] = [['55200', 'COMMERCY'], ['92150', 'SURESNES'], ['69003', 'LYON'], ['31000', 'TOULOUSE'], ['44000', 'NANTES'], ['67000', 'STRASBOURG'], ['13008', 'MARSEILLE'], ['59000', 'LILLE'], ['33000', 'BORDEAUX'], ['35000', 'RENNES']];
const STREETS = ['rue de la République', 'avenue Jean Jaurès', 'rue Victor Hugo', 'boulevard Gambetta', 'rue des Écoles', 'place de la Mairie', 'chemin des Vignes'];
export const MEMBERS = [
  { memberId: 57525, memberPoSCode: '920150', memberTradeName: 'H2N AUTOMOBILE', workshopNationalId: '32635721700024' },
  { memberId: 61204, memberPoSCode: '6768ZED', memberTradeName: 'SAS GARAGE', workshopNationalId: '41873522900017' },
  { memberId: 48311, memberPoSCode: '417728CZ', memberTradeName: 'GARAGE DU CENTRE', workshopNationalId: '50218877400031' },
  { memberId: 70950, memberPoSCode: '690312', memberTradeName: 'AUTO SERVICES LYONNAIS', workshopNationalId: '79933104100012' },
];
/** privateJobId → label and maintenance interval (km, months), as a member network would configure them. */
const JOBS: { id: number; label: string; code: string; jobLabel: string; km: number; months: number; part: [string, string, string] | null }[] = [
  { id: 1, label: 'Vidange', code: 'V', jobLabel: 'Vidange Moteur + Filtre A Huile', km: 15000, months: 12, part: ['OC90', 'MAHLE', 'FILTRE A HUILE'] },
  { id: 2, label: 'Bougies', code: 'B', jobLabel: "Remplacement Bougies D'allumage", km: 60000, months: 48, part: ['FR7KPP33U', 'BOSCH', 'BOUGIE'] },
  { id: 4, label: 'Filtre à air', code: 'FA', jobLabel: 'Remplacement Filtre A Air', km: 30000, months: 24, part: ['LX1780', 'MAHLE', 'FILTRE A AIR'] },
  { id: 6, label: 'Filtre habitacle', code: 'FH', jobLabel: 'Remplacement Filtre Habitacle', km: 20000, months: 12, part: ['CU2939', 'MANN', 'FILTRE HABITACLE'] },
  { id: 9, label: 'Liquide de frein', code: 'C', jobLabel: 'Remplacement Du Liquide De Freins', km: 60000, months: 24, part: null },
  { id: 14, label: 'Plaquettes de frein', code: 'PF', jobLabel: 'Remplacement Plaquettes Avant', km: 40000, months: 36, part: ['425405', 'CITROEN', 'JEU 4 PLAQ'] },
  { id: 17, label: 'Courroie de distribution', code: 'D', jobLabel: 'Kit Distribution + Pompe A Eau', km: 120000, months: 72, part: ['KP15580XS', 'GATES', 'KIT DISTRIBUTION'] },
  { id: 21, label: 'Pneumatiques', code: 'P', jobLabel: 'Remplacement Pneumatiques', km: 45000, months: 48, part: ['205/55R16', 'MICHELIN', 'PNEU PRIMACY 4'] },
];
const CAMPAIGNS = [
  { campaignId: 468, campaignlabel: 'Décembre 2016', campaignType: 'predictive' },
  { campaignId: 512, campaignlabel: 'Printemps 2019', campaignType: 'predictive' },
  { campaignId: 733, campaignlabel: 'Contrôle technique 2020', campaignType: 'reglementaire' },
  { campaignId: 901, campaignlabel: 'Hiver 2021', campaignType: 'saisonniere' },
];
const DIFFUSIONS = [{ diffusionId: 39, diffusionLabel: 'SMS' }, { diffusionId: 40, diffusionLabel: 'Email' }, { diffusionId: 41, diffusionLabel: 'Courrier' }];
const SIV_LETTERS = 'ABCDEFGHJKLMNPQRSTVWXYZ'; // SIV plates skip I, O and U

const pad = (n: number, w: number) => String(n).padStart(w, '0');
const iso = (d: Date) => d.toISOString().slice(0, 10);
const addDays = (d: Date, days: number) => new Date(d.getTime() + days * 86_400_000);
const addMonths = (d: Date, m: number) => {
  const x = new Date(d);
  x.setUTCMonth(x.getUTCMonth() + m);
  return x;
};
/** The sandbox's "today", fixed so that the forecasts in its data never drift with the wall clock. */
export const SANDBOX_TODAY = new Date('2026-11-01T00:00:00Z');

function sivPlate(r: Random): string {
  const l = () => r.pick([...SIV_LETTERS]);
  return `${l()}${l()}-${pad(r.int(1, 999), 3)}-${l()}${l()}`;
}

function vin(r: Random, wmi: string): string {
  const chars = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
  let s = wmi;
  while (s.length < 17) s += r.pick([...chars]);
  return s;
}

function buildVehicle(r: Random, plate: string, fixed?: Partial<{ vin: string; release: string; brand: string; model: string; monthly: number }>): MmpVision360 {
  const [brand, model, wmi] = fixed?.brand ? [fixed.brand, fixed.model!, 'VF7'] : r.pick(MODELS);
  const release = fixed?.release ? new Date(fixed.release) : addDays(new Date('2008-01-01'), r.int(0, 5200));
  const monthly = fixed?.monthly ?? r.int(5, 15) * 100;
  const vehicleVin = fixed?.vin ?? vin(r, wmi);
  const member = r.pick(MEMBERS);
  const [cp, city] = r.pick(CITIES);
  const surname = r.pick(SURNAMES);
  const first = r.pick(FIRSTNAMES);
  const company = r.chance(0.15) ? `SARL ${r.pick(SURNAMES)} TRANSPORTS` : null;
  const clientDmsId = String(r.int(1000, 99999));
  const mobile = `06${pad(r.int(0, 99999999), 8)}`;
  const email = `${first[0]!.toLowerCase()}.${surname.toLowerCase()}@mail.fr`;
  const address = `${r.int(1, 120)} ${r.pick(STREETS)}`;
  const energy = r.pick(ENERGIES);

  // Visits: every 6-18 months from first service until now, mileage following the monthly estimate.
  const invoices: MmpFacture[] = [];
  const rawLines: MmpImportFacture[] = [];
  const history: MmpHistorique[] = [];
  const lastDone = new Map<number, { date: Date; km: number }>();
  let date = addMonths(release, r.int(6, 14));
  let invoiceId = r.int(30_000_000, 39_000_000);
  while (date < SANDBOX_TODAY) {
    const months = (date.getTime() - release.getTime()) / (30.44 * 86_400_000);
    const km = Math.round(months * monthly * (0.85 + r.next() * 0.3));
    const jobs = JOBS.filter((j) => {
      const prev = lastDone.get(j.id);
      return prev ? km - prev.km >= j.km * 0.9 || date.getTime() - prev.date.getTime() >= j.months * 30 * 86_400_000 : km >= j.km * 0.9 || j.id === 1;
    });
    if (!jobs.length) jobs.push(JOBS[0]!);
    const dmsId = String(r.int(10_000, 49_999));
    const lines = jobs.map((j) => ({
      privateJobId: j.id,
      privateJobLabel: j.label,
      privateUsedSource: j.part ? 'libelle piece' : 'libelle operation',
      packageCode: '',
      packageLabel: '',
      jobCode: j.code,
      jobLabel: j.jobLabel,
      partQuantity: j.part ? (j.id === 1 ? 4.5 : 1) : 0,
      partReference: j.part?.[0] ?? '',
      partBrand: j.part?.[1] ?? '',
      partLabel: j.part?.[2] ?? '',
    }));
    // Cents summed as integers, so amounts are exact two-decimal values.
    const cents = lines.reduce((sum) => sum + r.int(4_500, 38_000), 0);
    const amount = cents / 100;
    invoices.push({ invoiceDmsId: dmsId, invoiceDate: iso(date), invoiceAmount: amount, mileageOnInvoice: km, ...pickMember(member), invoiceContent: lines });
    invoiceId++;
    for (const l of lines) {
      rawLines.push({
        workshopNationalId: member.workshopNationalId,
        clientDmsId,
        invoiceId,
        invoiceDmsId: dmsId,
        invoiceDate: iso(date),
        invoiceAmount: amount,
        vehicleVIN: r.chance(0.7) ? vehicleVin : null,
        vehicleMileage: km,
        vehicleRegistrationPlate: plate,
        packageCode: l.packageCode,
        packageLabel: l.packageLabel,
        jobCode: l.jobCode,
        jobLabel: `- ${l.jobLabel} - ${pad(r.int(10_000_000, 99_999_999), 8)}`,
        partQuantity: l.partQuantity,
        partReference: l.partReference,
        partBrand: l.partBrand,
        partLabel: l.partLabel,
      });
      history.push({ operationDate: iso(date), operationMileage: km, privateJobId: l.privateJobId, privateJobLabel: l.privateJobLabel, jobCode: l.jobCode, jobLabel: l.jobLabel, invoiceDmsId: dmsId, memberTradeName: member.memberTradeName });
    }
    for (const j of jobs) lastDone.set(j.id, { date, km });
    date = addMonths(date, r.int(6, 18));
  }
  const last = invoices.at(-1);
  const lastVisitMileage = last?.mileageOnInvoice ?? null;
  const lastVisit = last ? new Date(last.invoiceDate) : null;
  const monthsSinceVisit = lastVisit ? (SANDBOX_TODAY.getTime() - lastVisit.getTime()) / (30.44 * 86_400_000) : 0;
  const currentEstimate = lastVisitMileage === null ? null : Math.round(lastVisitMileage + monthsSinceVisit * monthly);

  const forecasts: MmpPrevision[] = JOBS.map((j) => {
    const prev = lastDone.get(j.id);
    const base = prev ?? { date: release, km: 0 };
    const kmLeft = j.km - ((currentEstimate ?? base.km) - base.km);
    const byKm = addDays(SANDBOX_TODAY, Math.round((kmLeft / monthly) * 30.44));
    return {
      privateJobId: j.id,
      privateJobLabel: j.label,
      lastJobDate: prev ? iso(prev.date) : null,
      milageBasedEstimatedDate: iso(byKm),
      periodicBasedEstimatedDate: iso(addMonths(base.date, j.months)),
      checkBasedEstimatedDate: j.id === 14 && r.chance(0.3) ? iso(addMonths(SANDBOX_TODAY, 2)) : null,
      forecastInformations: kmLeft < 0 ? 'Echéance kilométrique dépassée' : null,
    };
  });

  const techControl = addMonths(release, 48);
  let lastCt: Date | null = null;
  for (let d = techControl; d < SANDBOX_TODAY; d = addMonths(d, 24)) lastCt = d;
  const nextCt = lastCt ? addMonths(lastCt, 24) : techControl;

  const importClient: MmpImportClient = {
    clientDmsId,
    clientCivilite: company ? null : r.pick(['Mr', 'Mme']),
    clientNom: surname,
    clientPrenom: first,
    clientRaisonSociale: company,
    clientAdresse: address,
    clientCodePostal: cp,
    clientVille: city,
    clientEmail: r.chance(0.8) ? email : null,
    clientTelephone: r.chance(0.4) ? `0${r.int(1, 5)}${pad(r.int(0, 99999999), 8)}` : null,
    clientPortable: r.chance(0.85) ? mobile : null,
    workshopNationalId: member.workshopNationalId,
    vehicleRegistrationPlate: plate,
    vehicleVIN: r.chance(0.6) ? vehicleVin : null,
    vehicleLastVisitMileage: lastVisitMileage,
    vehicleLastTechnicalControlDate: lastCt ? iso(lastCt) : null,
    vehicleNextTechnicalControlDate: iso(nextCt),
    vehicleLastAntipollutionControlDate: lastCt ? iso(lastCt) : null,
    vehicleNextAntipollutionControlDate: iso(nextCt),
  };
  const privacy = r.chance(0.2) ? 'telephone mobile | telephone professionnel | email' : r.chance(0.2) ? 'email' : null;
  const client: MmpClient = {
    clientId: r.int(50_000_000, 59_999_999),
    clientCivilite: importClient.clientCivilite,
    clientPrenom: first,
    clientNom: surname,
    clientRaisonSociale: company,
    clientAdresse: address,
    clientCodePostal: cp,
    clientVille: city,
    clientEmail: importClient.clientEmail,
    clientTelephone: importClient.clientTelephone,
    clientPortable: importClient.clientPortable,
    relanceSms: !privacy?.includes('mobile') && importClient.clientPortable !== null,
    relanceEmail: !privacy?.includes('email') && importClient.clientEmail !== null,
    relanceCourrier: r.chance(0.5),
    viePrivee: privacy,
    ...pickMember(member),
  };
  const reminders: MmpRelance[] = CAMPAIGNS.filter(() => r.chance(0.45)).map((c) => ({
    ...c,
    ...pickMember(member),
    campaignDiffusionDate: `${2016 + (c.campaignId % 6)}-${pad(r.int(1, 12), 2)}-${pad(r.int(1, 28), 2)} ${pad(r.int(8, 18), 2)}:${pad(r.int(0, 59), 2)}:${pad(r.int(0, 59), 2)}`,
    diffusionList: client.relanceEmail && r.chance(0.5) ? [DIFFUSIONS[0]!, DIFFUSIONS[1]!] : [DIFFUSIONS[0]!],
    operationList: [{ operationId: r.pick(JOBS).id, operationLabel: r.pick(JOBS).label, messageDescription: r.pick(['-10%', '-15%', 'Offert', null]) }],
    clientDmsId: r.chance(0.5) ? clientDmsId : null,
  }));
  const overdue = forecasts.filter((f) => f.forecastInformations);
  return {
    vehicleInformations: {
      monthlyMilageEstimated: monthly,
      vehicleReleaseDate: iso(release),
      vehicleVariante: vehicleVin,
      vehicleLastVisitDate: lastVisit ? iso(lastVisit) : null,
      vehicleLastVisitMileage: lastVisitMileage,
      vehicleCurrentMilageEstimated: currentEstimate,
      vehicleLastTechnicalControlDate: lastCt ? iso(lastCt) : null,
      vehicleNextTechnicalControlDate: iso(nextCt),
      vehicleVIN: vehicleVin,
      vehicleBrand: brand,
      vehicleModel: model,
      vehicleEnergy: energy,
    },
    clientList: [importClient],
    importFactureList: rawLines,
    relanceClientList: [client],
    vehiculeHistoriqueList: history.reverse(),
    vehiculePrevisionList: forecasts,
    vehiculeFactureList: invoices.reverse(),
    vehiculeDiagnostic: {
      diagnosticDate: lastVisit ? iso(lastVisit) : null,
      diagnosticMileage: lastVisitMileage,
      alertList: overdue.map((f) => ({ alertCode: `JOB-${f.privateJobId}`, alertLabel: `${f.privateJobLabel}: échéance dépassée`, alertLevel: f.privateJobId === 9 || f.privateJobId === 14 ? 'critical' : 'warning' })),
    },
    vehiculeRelanceList: reminders,
  };
}

function pickMember(m: (typeof MEMBERS)[number]) {
  return { memberId: m.memberId, memberPoSCode: m.memberPoSCode, memberTradeName: m.memberTradeName };
}

export interface MmpFleet {
  /** by normalised plate */
  vehicles: Map<string, MmpVision360>;
  plates: string[];
}

export function buildFleet(size = 240, seed = 360): MmpFleet {
  const r = createRandom(seed);
  const vehicles = new Map<string, MmpVision360>();
  // The seed document's examples first: ABC123 (Citroën C4, VIN VF7RDRFJC9L554165, 1 100 km a month) and DEF123.
  vehicles.set('ABC123', buildVehicle(createRandom(123), 'ABC123', { vin: 'VF7RDRFJC9L554165', release: '2009-09-30', brand: 'Citroen', model: 'C4', monthly: 1100 }));
  vehicles.set('DEF123', buildVehicle(createRandom(456), 'DEF123', { brand: 'Dacia', model: 'SANDERO' }));
  while (vehicles.size < size + 2) {
    const plate = sivPlate(r);
    const key = normalisePlate(plate);
    if (!vehicles.has(key)) vehicles.set(key, buildVehicle(createRandom(r.int(1, 2 ** 31)), displayPlate(key)));
  }
  return { vehicles, plates: [...vehicles.keys()] };
}
