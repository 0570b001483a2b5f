import { requireGrant } from '../../platform/access';
import { NonNegativeIntResolver } from 'graphql-scalars';
import { badInput } from '../../platform/errors';
import { DateScalar } from '../../platform/scalars';
import type { CcCapacityDay, CcWorkTypeCapacity } from '../../vendors/customerconnect/types';
import type { Resolvers } from './resolvers.generated';
import { MAX_WORKSHOPS, capacityRange, publishableDays, workshopUserid } from './validate';
import { fromWireWorkType } from './work-types';

const free = (c: CcWorkTypeCapacity) => Math.max(0, c.availableMinutes - c.bookedMinutes);
const sum = (day: CcCapacityDay, f: (c: CcWorkTypeCapacity) => number) => day.capacity.reduce((n, c) => n + f(c), 0);

export const resolvers: Resolvers = {
  Date: DateScalar,
  NonNegativeInt: NonNegativeIntResolver,
  Query: {
    workshop: (_, { id }) => ({ id: workshopUserid(id) }),
    workshops(_, { ids }) {
      if (ids.length > MAX_WORKSHOPS) throw badInput(`at most ${MAX_WORKSHOPS} workshops per query (got ${ids.length})`, { argument: 'ids' });
      // An Error in the list fails that index only.
      return ids.map((id) => {
        try {
          return { id: workshopUserid(id, 'ids') };
        } catch (err) {
          return err as Error;
        }
      }) as { id: string }[];
    },
  },
  Mutation: {
    async publishCapacity(_, { workshopId, days }, { customerConnect, loaders, caller }) {
      const userid = workshopUserid(workshopId, 'workshopId');
      // Only a workshop the caller is granted: refused before anything reaches CustomerConnect.
      requireGrant(caller, 'workshops', userid, 'publishCapacity');
      const outcome = await customerConnect.publishCapacity(userid, publishableDays(days));
      // The result may read the calendar back in the same request: never from a pre-publish cache.
      loaders.forget();
      return outcome;
    },
  },
  Workshop: {
    // Another subgraph handed us the id; it is the CustomerConnect userid.
    __resolveReference: (ref) => ({ id: workshopUserid(ref.id) }),
    capacity: ({ id }, { from, to }, { loaders }) => loaders.capacity({ userid: id, ...capacityRange(from, to) }),
  },
  WorkshopCapacityDay: {
    open: (day) => day.openingHours.length > 0,
    workTypes: (day) => day.capacity,
    availableMinutes: (day) => sum(day, (c) => c.availableMinutes),
    bookedMinutes: (day) => sum(day, (c) => c.bookedMinutes),
    freeMinutes: (day) => sum(day, free),
  },
  WorkshopWorkTypeCapacity: {
    workType: (c) => fromWireWorkType(c.workType),
    mechanic: (c) => c.mechanic ?? null,
    freeMinutes: free,
  },
  PublishCapacityResult: {
    workshop: (o) => ({ id: o.userid }),
    from: (o) => [...o.stored].sort()[0]!,
    to: (o) => [...o.stored].sort().at(-1)!,
    publishedDates: (o) => [...o.stored].sort(),
    posts: (o) => o.posts,
  },
  CapacityPost: {
    from: (days) => days[0]!.date,
    to: (days) => days.at(-1)!.date,
    dayCount: (days) => days.length,
  },
};
