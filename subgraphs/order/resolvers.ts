import { badInput } from '../../platform/errors';
import { DateTimeScalar, DecimalScalar, toDecimal } from '../../platform/scalars';
import type { VitecEstateType } from '../../vendors/vitec/types';
import { canSee, requireCaller, visibleOrder } from './access';
import { StreamInterrupted } from './events';
import type { OrderStatus as GqlOrderStatus, Resolvers } from './resolvers.generated';
import { authModeOf, decodeCursor, encodeCursor, estateTypeOf } from './mappers';

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Decimal: DecimalScalar,

  Query: {
    order: async (_, { id }, ctx) => {
      const caller = requireCaller(ctx);
      const order = await ctx.loaders.order.load(id);
      return canSee(caller, order) ? order : null;
    },
    orders: async (_, { filter, first, after }, ctx) => {
      const caller = requireCaller(ctx);
      const n = first ?? 20;
      if (n < 0 || n > 100) throw badInput('first must be between 0 and 100', { field: 'first' });
      if (filter?.customerId && !caller.customers.includes(filter.customerId)) return { edges: [], pageInfo: { hasNextPage: false, endCursor: null } };
      const { rows, hasNextPage } = await ctx.orders.list({
        customers: caller.customers,
        status: filter?.status as GqlOrderStatus[] | null | undefined,
        customerId: filter?.customerId,
        receivedAfter: filter?.receivedAfter,
        receivedBefore: filter?.receivedBefore,
        first: n,
        after: after ? decodeCursor(after) : undefined,
      });
      for (const r of rows) ctx.loaders.order.prime(r.id, r);
      const edges = rows.map((node) => ({ cursor: encodeCursor(node), node }));
      return { edges, pageInfo: { hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
    },
  },

  Mutation: {
    acknowledgeOrder: async (_, { id }, ctx) => ctx.actions.acknowledge(await visibleOrder(ctx, id)),
    requestUserInteraction: async (_, { id, input }, ctx) => ctx.actions.requestUserInteraction(await visibleOrder(ctx, id), input),
    failOrder: async (_, { id, description }, ctx) => ctx.actions.fail(await visibleOrder(ctx, id), description),
    deliverOrder: async (_, { id, input }, ctx) => ctx.actions.deliver(await visibleOrder(ctx, id), input),
  },

  Subscription: {
    orderStatusChanged: {
      subscribe: async (_, { orderId, afterEventId }, ctx) => {
        const caller = requireCaller(ctx);
        if (orderId) await visibleOrder(ctx, orderId);
        let after: number | null = null;
        if (afterEventId != null) {
          after = Number(afterEventId);
          if (!Number.isSafeInteger(after) || after < 0) throw badInput('afterEventId must be an eventId this API gave out', { field: 'afterEventId' });
        }
        return ctx.feed.subscribe({ customers: caller.customers, orderId, afterEventId: after });
      },
      // the last item of a stream that could not be kept gap-free: a coded error (EVENTS_INTERRUPTED), then the end
      resolve: (event: unknown) => {
        if (event instanceof StreamInterrupted) throw event.error;
        return event as never;
      },
    },
  },

  Order: {
    __resolveReference: async (ref, ctx) => {
      if (!ctx.caller) return null;
      const order = await ctx.loaders.order.load(ref.id);
      return canSee(ctx.caller, order) ? order : null;
    },
    customerId: (o) => o.customer_id,
    statusDescription: (o) => o.status_description,
    statusHistory: (o, _, ctx) => ctx.loaders.history.load(o.id),
    ticket: (o) => (o.vitec_order_id ? o : null),
    estate: (o) => o.estate ?? (o.target_id ? { Id: o.target_id, EstateType: o.target_type as VitecEstateType, Address: null as never, AssignmentType: '', Status: '', Price: null } : null),
    userInteraction: (o) => o.user_interaction,
    delivery: (o) => o.delivery,
    authMode: (o) => authModeOf(o.auth_mode),
    receivedAt: (o) => o.created_at,
    updatedAt: (o) => o.updated_at,
  },

  OrderTicket: {
    orderId: (o) => o.vitec_order_id!,
    userId: (o) => o.user_id,
    orderUserId: (o) => o.order_user_id,
    tenantId: (o) => o.tenant_id,
    chainId: (o) => o.chain_id,
    customerId: (o) => o.customer_id,
    targetId: (o) => o.target_id,
    targetType: (o) => estateTypeOf(o.target_type),
  },

  Estate: {
    id: (e) => e.Id,
    type: (e) => estateTypeOf(e.EstateType),
    address: (e) => e.Address ?? null,
    assignmentType: (e) => e.AssignmentType || null,
    status: (e) => e.Status || null,
    price: (e) => toDecimal(e.Price),
  },

  EstateAddress: {
    street: (a) => a.StreetAddress,
    zipCode: (a) => a.ZipCode,
    city: (a) => a.City,
  },

  OrderStatusEvent: {
    eventId: (e) => e.eventId,
    orderId: (e) => e.orderId,
    status: (e) => e.status,
    description: (e) => e.description,
    at: (e) => e.at,
    order: async (e, _, ctx) => (await ctx.loaders.order.load(e.orderId))!,
  },
};
