import type { MmpVehicleInformation } from '../../vendors/mmp/types';
import type { CarsysFactsRef } from './mappers';

export type Source = 'MMP' | 'CARSYS';
export type Fuel = 'PETROL' | 'DIESEL' | 'LPG' | 'CNG' | 'ELECTRIC' | 'HYBRID' | 'PLUG_IN_HYBRID' | 'HYDROGEN' | 'OTHER';
export const FACTS = ['make', 'model', 'vin', 'fuel', 'firstRegistrationDate'] as const;
export type Fact = (typeof FACTS)[number];

/** The merged view: per fact a value and the source it comes from. */
export type MergedFacts = { [F in Fact]: F extends 'fuel' ? Fuel | null : string | null } & { [F in Fact as `${F}Source`]: Source | null };

const strip = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().trim();

/** MMP writes energies in French (`Essence`, `Électrique`), Carsys in Dutch (`benzine`, `elektrisch`). */
const FUEL_WORDS: [RegExp, Fuel][] = [
  [/plug.?in|rechargeable/, 'PLUG_IN_HYBRID'],
  [/hybrid/, 'HYBRID'],
  [/essence|benzine|petrol|sp9[58]/, 'PETROL'],
  [/diesel|gazole|gasoil/, 'DIESEL'],
  [/lpg|gpl/, 'LPG'],
  [/cng|gnv|aardgas/, 'CNG'],
  [/electri|elektrisch/, 'ELECTRIC'],
  [/hydrog|waterstof/, 'HYDROGEN'],
];
export function fuelOf(word: string | null | undefined): Fuel | null {
  if (!word || !word.trim()) return null;
  const w = strip(word);
  return FUEL_WORDS.find(([re]) => re.test(w))?.[1] ?? 'OTHER';
}

const blank = (s: string | null | undefined) => (s && s.trim() ? s.trim() : null);

/** One source's facts, in the merged vocabulary. */
export type SourceFacts = { [F in Fact]: string | null };

export function mmpFacts(info: MmpVehicleInformation, vin: string | null): SourceFacts {
  return { make: blank(info.vehicleBrand), model: blank(info.vehicleModel), vin: blank(vin), fuel: fuelOf(info.vehicleEnergy), firstRegistrationDate: blank(info.vehicleReleaseDate) };
}

export function carsysFacts(c: CarsysFactsRef): SourceFacts {
  return { make: blank(c.make), model: blank(c.model), vin: blank(c.vin), fuel: fuelOf(c.fuel), firstRegistrationDate: blank(c.firstRegistrationDate) };
}

/** How two values of a fact are compared: makes and models ignore case, spaces and dashes; VINs ignore case. */
const comparable = (fact: Fact, v: string) => (fact === 'make' || fact === 'model' ? strip(v).replace(/[\s-]+/g, '') : fact === 'vin' ? v.toUpperCase() : v);

/** The documented rule: per fact, MMP's value when MMP has one, else Carsys's. */
export function mergeFacts(bySource: [Source, SourceFacts | null][]): MergedFacts {
  const out = {} as Record<string, string | null>;
  for (const fact of FACTS) {
    const hit = bySource.find(([, f]) => f?.[fact]);
    out[fact] = hit ? hit[1]![fact] : null;
    out[`${fact}Source`] = hit ? hit[0] : null;
  }
  return out as MergedFacts;
}

export function factConflicts(bySource: [Source, SourceFacts | null][]): { fact: Fact; values: { source: Source; value: string }[] }[] {
  const out: { fact: Fact; values: { source: Source; value: string }[] }[] = [];
  for (const fact of FACTS) {
    const values = bySource.flatMap(([source, f]) => (f?.[fact] ? [{ source, value: f[fact]! }] : []));
    if (new Set(values.map((v) => comparable(fact, v.value))).size > 1) out.push({ fact, values });
  }
  return out;
}
