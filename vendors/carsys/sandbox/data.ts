import { createRandom, type Random } from '../../../platform/sandbox/prng';
import type { CarsysFuel, CarsysIntervention, CarsysPerson, CarsysWorkOrderPush } from '../types';



// Dutch plates use consonants only (no vowels, no C, Q); the sidecodes below are the current ones.
const LETTERS = 'BDFGHJKLNPRSTVXZ';
const letters = (r: Random, n: number) => Array.from({ length: n }, () => r.pick([...LETTERS])).join('');
const digits = (r: Random, n: number) => Array.from({ length: n }, () => String(r.int(0, 9))).join('');
const SIDECODES: ((r: Random) => string)[] = [
  (r) => `${digits(r, 2)}-${letters(r, 3)}-${digits(r, 1)}`, // 7: 12-ABC-3
  (r) => `${digits(r, 1)}-${letters(r, 3)}-${digits(r, 2)}`, // 8: 1-ABC-23
  (r) => `${letters(r, 2)}-${digits(r, 3)}-${letters(r, 1)}`, // 9: AB-123-C
  (r) => `${letters(r, 1)}-${digits(r, 3)}-${letters(r, 2)}`, // 10: A-123-BC
  (r) => `${letters(r, 3)}-${digits(r, 2)}-${letters(r, 1)}`, // 11: ABC-12-D
];

const MODELS: [string, string, CarsysFuel][] = [
  ['Volkswagen', 'Golf', 'benzine'],
  ['Volkswagen', 'Polo', 'benzine'],
  ['Kia', 'Niro', 'hybride'],
  ['Peugeot', '308', 'diesel'],
  ['Toyota', 'Yaris', 'hybride'],
  ['Opel', 'Corsa', 'benzine'],
  ['Tesla', 'Model 3', 'elektrisch'],
  ['Skoda', 'Octavia Combi', 'diesel'],
  ['Renault', 'Clio', 'lpg'],
  ['Volvo', 'XC40', 'plug-in hybride'],
];
const FIRST = ['Jan', 'Sanne', 'Pieter', 'Emma', 'Daan', 'Lotte', 'Bram', 'Fleur', 'Sem', 'Anouk', 'Thijs', 'Noor'];
const LAST = ['de Vries', 'Jansen', 'van den Berg', 'Bakker', 'Visser', 'Smit', 'Meijer', 'de Boer', 'Mulder', 'de Groot', 'Bos', 'Vos'];
const STREETS = ['Kerkstraat', 'Dorpsstraat', 'Molenweg', 'Stationsweg', 'Schoolstraat', 'Julianalaan', 'Beatrixstraat', 'Nieuwe Gracht'];
const PLACES: [string, string][] = [
  ['Utrecht', '35'],
  ['Amersfoort', '38'],
  ['Zwolle', '80'],
  ['Haarlem', '20'],
  ['Eindhoven', '56'],
  ['Groningen', '97'],
  ['Breda', '48'],
];
const LEASERS = ['Autolease Midden B.V.', 'Noordzee Lease N.V.', 'Fleetwise Nederland B.V.'];
const JOBS: [string, string | null, number, number][] = [
  ['APK keuring', 'Periodieke keuring inclusief afmeldkosten RDW', 3995, 5995],
  ['Kleine onderhoudsbeurt', 'Olie en oliefilter vervangen, vloeistoffen controleren', 14900, 19900],
  ['Grote onderhoudsbeurt', 'Onderhoud volgens fabrieksvoorschrift, incl. interieurfilter', 29900, 45900],
  ['Remblokken voor vervangen', 'Remblokken vooras vervangen, remschijven gemeten', 12950, 18950],
  ['Distributieriem vervangen', 'Distributieriem en waterpomp vervangen', 54900, 79900],
  ['Banden wisselen', 'Zomer-/winterbanden wisselen en balanceren', 4950, 6950],
  ['Airco service', 'Aircosysteem vacumeren en vullen', 8950, 11950],
  ['Accu vervangen', null, 13900, 21900],
];

const euros = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const isoDay = (d: Date) => d.toISOString().slice(0, 10);
/** Dutch local time in summer (+02:00) written with its offset, as a DMS would. */
const localIso = (ms: number) => new Date(ms + 2 * 3600_000).toISOString().replace('Z', '+02:00');

function person(r: Random, id: string, company: string | null): CarsysPerson {
  const [place, pc] = r.pick(PLACES);
  const first = r.pick(FIRST);
  const last = r.pick(LAST);
  const mail = `${first}.${last.replace(/\s+/g, '')}`.toLowerCase();
  return {
    id,
    companyName: company,
    title: r.chance(0.5) ? 'Dhr.' : 'Mevr.',
    firstName: first,
    lastName: last,
    street: r.pick(STREETS),
    houseNumber: `${r.int(1, 220)}${r.chance(0.2) ? r.pick(['a', 'b', 'bis']) : ''}`,
    postcode: `${pc}${pad(r.int(10, 99))} ${letters(r, 2)}`,
    place,
    privateEmail: company ? null : `${mail}@voorbeeld.nl`,
    privatePhone: r.chance(0.4) ? `0${pc}-${digits(r, 7)}` : null,
    privateMobile: `06-${digits(r, 8)}`,
    businessEmail: company ? `${mail}@${company.split(' ')[0]!.toLowerCase()}.nl` : null,
    businessPhone: company ? `0${pc}-${digits(r, 7)}` : null,
    businessMobile: company && r.chance(0.5) ? `06-${digits(r, 8)}` : null,
  };
}

export interface SandboxVehicle {
  plate: string;
  make: string;
  model: string;
  fuel: CarsysFuel;
  vin: string;
  firstRegistrationDate: string;
  apkDate: string;
  persons: CarsysPerson[];
  driverId: string;
  ownerId: string;
  contractorId: string | null;
}

const VIN_CHARS = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';

/** The i-th vehicle of the dealer's fleet: plate, make, persons. Same i, same vehicle, on every run. */
export function sandboxVehicle(i: number, plate?: string): SandboxVehicle {
  const r = createRandom(0xca75 + i * 7919);
  const [make, model, fuel] = r.pick(MODELS);
  const firstReg = new Date(Date.UTC(r.int(2012, 2022), r.int(0, 11), r.int(1, 28)));
  const apk = new Date(Date.UTC(2025, r.int(0, 11), firstReg.getUTCDate()));
  const lease = r.chance(0.35);
  const base = 10_000 + i * 3;
  const driver = person(r, `K${base}`, null);
  const persons = [driver];
  let ownerId = driver.id;
  let contractorId: string | null = null;
  if (lease) {
    const leaser = r.pick(LEASERS);
    const owner = person(r, `K${base + 1}`, leaser);
    const contractor = person(r, `K${base + 2}`, `${r.pick(['Bouwbedrijf', 'Installatietechniek', 'Adviesgroep'])} ${r.pick(LAST).replace(/^(de|van den) /, '')} B.V.`);
    persons.push(owner, contractor);
    ownerId = owner.id;
    contractorId = contractor.id;
  }
  return {
    plate: plate ?? r.pick(SIDECODES)(r),
    make,
    model,
    fuel,
    vin: Array.from({ length: 17 }, () => r.pick([...VIN_CHARS])).join(''),
    firstRegistrationDate: isoDay(firstReg),
    apkDate: isoDay(apk),
    persons,
    driverId: driver.id,
    ownerId,
    contractorId,
  };
}

export interface WorkOrderSpec {
  /** sequence number of the work order at this dealer; decides DMS and WO numbers */
  seq: number;
  vehicle: SandboxVehicle;
  /** revision of the work order: a higher revision has a later modifiedAt and may change content */
  revision: number;
  /** base instant (ms) the DMS clock starts from */
  epochMs: number;
}

/** One push body for a work order at a revision. */
export function workOrderPush({ seq, vehicle, revision, epochMs }: WorkOrderSpec): CarsysWorkOrderPush {
  const r = createRandom(0x5eed + seq * 104_729);
  const created = epochMs + seq * 600_000;
  const appointment = created + r.int(1, 14) * 86_400_000 + r.int(8, 16) * 3600_000;
  const jobs = [...JOBS].sort(() => r.next() - 0.5).slice(0, r.int(1, 3));
  const interventions: CarsysIntervention[] = jobs.map(([title, description, lo, hi]) => {
    const cents = r.int(lo, hi) + (revision - 1) * 500; // a later revision re-quotes: prices change
    return { title, description, price: euros(cents) };
  });
  return {
    dmsNumber: `A${200_000 + seq}`,
    workOrderNumber: `WO-${pad(new Date(created).getUTCFullYear() % 100)}${pad(seq, 6)}`,
    modifiedAt: new Date(created + revision * 60_000 + 123).toISOString(),
    appointment: {
      appointmentDate: localIso(appointment),
      creationDate: localIso(created),
      waitingCustomer: revision % 2 === 1 ? r.chance(0.3) : !r.chance(0.3),
    },
    interventions,
    vehicle: {
      make: vehicle.make,
      model: vehicle.model,
      plate: vehicle.plate,
      vin: vehicle.vin,
      fuel: vehicle.fuel,
      firstRegistrationDate: vehicle.firstRegistrationDate,
      apkDate: vehicle.apkDate,
      driverId: vehicle.driverId,
      ownerId: vehicle.ownerId,
      contractorId: vehicle.contractorId,
    },
    persons: vehicle.persons,
  };
}
