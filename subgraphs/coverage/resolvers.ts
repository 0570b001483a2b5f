import { requireRole } from '../../platform/caller-identity';
import { badInput } from '../../platform/errors';
import { scalarResolvers } from '../../platform/scalars';
import type { OzmapBox } from '../../vendors/ozmap/types';
import type { CoverageContext } from './context';
import type { FibreBoxRef } from './mappers';
import { ownsReservation, reserverOf, validateReservationId } from './reservations';
import { requireCaller } from '../../platform/access';
import type { ReservationStatus, Resolvers } from './resolvers.generated';

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const TAG = /^[\p{L}\p{N}][\p{L}\p{N} _.-]{0,59}$/u;
const PLAN_CODE = /^[A-Z0-9][A-Z0-9_-]{1,39}$/;

/** A box field from what the parent already holds, else from the request's box loader (one batched call). */
const boxField =
  <K extends 'name' | 'address' | 'coords' | 'implanted'>(field: K) =>
  async (ref: FibreBoxRef, _: unknown, { loaders }: CoverageContext): Promise<OzmapBox[K]> =>
    ref[field] !== undefined ? (ref[field] as OzmapBox[K]) : (await loaders.box.load(ref.id))[field];

export const resolvers: Resolvers = {
  DateTime: scalarResolvers.DateTime,
  NonNegativeInt: scalarResolvers.NonNegativeInt,
  Query: {
    coverage: (_, { input }, { feasibility }) => feasibility.check(input),
    coveragePlans: (_, __, { store }) => store.listPlans(),
    // Another partner's reservation is null, as if it did not exist (its existence is that partner's business).
    async portReservation(_, { id }, { store, caller }) {
      const row = await store.get(validateReservationId(id));
      return row && ownsReservation(caller, row) ? row : null;
    },
  },
  Mutation: {
    reservePort: (_, { boxId, prospect, plan }, { reservations, caller }) => reservations.reservePort(boxId, prospect, plan, reserverOf(requireCaller(caller, 'reservePort'))),
    confirmReservation: (_, { id }, { reservations, caller }) => reservations.confirmReservation(id, caller),
    cancelReservation: (_, { id }, { reservations, caller }) => reservations.cancelReservation(id, caller),
    // Plans decide where every prospect can buy: changing one is an operator's act, not a partner's.
    async setCoveragePlan(_, { code, name, regionTags }, { store, now, caller }) {
      requireRole(caller, 'admin', 'setCoveragePlan');
      if (!PLAN_CODE.test(code)) throw badInput('plan code must be 2-40 upper-case letters, digits, _ or -', { argument: 'code' });
      if (!name.trim() || name.length > 120) throw badInput('plan name must be 1 to 120 characters', { argument: 'name' });
      const bad = regionTags.find((t) => !TAG.test(t));
      if (bad !== undefined) throw badInput(`"${bad.slice(0, 60)}" is not an OZmap tag name`, { argument: 'regionTags' });
      return store.setPlan({ code, name: name.trim(), regionTags: [...new Set(regionTags)] }, now());
    },
  },
  // Viability rows carry the box summary (name, address, coords, implanted): their FibreBox costs no call.
  ViableBox: {
    box: (b) => b,
    distanceMeters: (b) => b.distance,
    freePorts: (b) => b.freePorts,
    splitters: (b) => b.splitters,
  },
  UnviableBox: {
    box: (b) => b,
    distanceMeters: (b) => b.distance,
  },
  FibreBox: {
    __resolveReference: (ref) => ({ id: ref.id }),
    name: boxField('name'),
    address: boxField('address'),
    implanted: boxField('implanted'),
    location: async (ref, args, ctx) => {
      const [lng, lat] = await boxField('coords')(ref, args, ctx);
      return { lat, lng };
    },
  },
  PortReservation: {
    __resolveReference: async (ref, { store, caller }) => {
      const row = await store.get(validateReservationId(ref.id));
      return row && ownsReservation(caller, row) ? row : null;
    },
    status: (r) => r.status.toUpperCase() as ReservationStatus,
    box: (r) => ({ id: r.boxId, name: r.boxName }),
    createdAt: (r) => iso(r.createdAt)!,
    expiresAt: (r) => iso(r.expiresAt)!,
    confirmedAt: (r) => iso(r.confirmedAt),
    endedAt: (r) => iso(r.endedAt),
  },
};
