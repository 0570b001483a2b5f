import { createRandom } from '../../../platform/sandbox/prng';
import { VITEC_ESTATE_TYPES, type VitecEstate } from '../types';

/** One Vitec office (customer) of the sandbox. */
export interface SandboxCustomer {
  CustomerId: string;
  TenantId: string;
  ChainId: string | null;
  /** whether our Connect account may read/write this office's data (403 otherwise) */
  partnerHasAccess: boolean;
  users: string[];
  estates: VitecEstate[];
}

const streets = ['Storgatan', 'Kungsgatan', 'Drottninggatan', 'Sveavägen', 'Vasagatan', 'Linnégatan', 'Strandvägen', 'Götgatan'];
const cities: [string, string][] = [
  ['Stockholm', '114'],
  ['Göteborg', '411'],
  ['Malmö', '211'],
  ['Uppsala', '753'],
  ['Västerås', '722'],
];
const assignments = ['Sale', 'Valuation', 'Rental'];
const estateStatuses = ['Intake', 'ForSale', 'Sold', 'Reserved'];

/**
 * The sandbox offices: M123, M124, M125 (the development partner's), M200 (a second tenant, for isolation
 * tests) and M999, an office our Connect account has no access to (403 on every call).
 */
export function buildCustomers(seed = 1): Map<string, SandboxCustomer> {
  const rnd = createRandom(seed);
  const offices: [string, string, string | null, boolean][] = [
    ['M123', 'T100', 'C10', true],
    ['M124', 'T100', null, true],
    ['M125', 'T200', 'C20', true],
    ['M200', 'T300', null, true],
    ['M999', 'T900', null, false],
  ];
  const out = new Map<string, SandboxCustomer>();
  for (const [id, tenant, chain, access] of offices) {
    const estates: VitecEstate[] = [];
    for (let i = 1; i <= 6; i++) {
      const [city, zipPrefix] = rnd.pick(cities);
      const type = rnd.pick(VITEC_ESTATE_TYPES);
      estates.push({
        Id: `OBJ${id.slice(1)}_${String(1000 + i)}`,
        EstateType: type,
        Address: { StreetAddress: `${rnd.pick(streets)} ${rnd.int(1, 120)}`, ZipCode: `${zipPrefix} ${rnd.int(10, 99)}`, City: city },
        AssignmentType: rnd.pick(assignments),
        Status: rnd.pick(estateStatuses),
        Price: type === 'Plot' && rnd.int(0, 1) === 0 ? null : rnd.int(8, 140) * 50_000,
      });
    }
    const users = [1, 2, 3].map((n) => `U${id.slice(1)}${n}`);
    out.set(id, { CustomerId: id, TenantId: tenant, ChainId: chain, partnerHasAccess: access, users, estates });
  }
  return out;
}
