import { MeasuredDataLoader } from '../../platform/measured-dataloader';
import { awaitingVerification, type OrderEvent, type OrderRow, type OrderStore } from './store';

/**
 * Per-request (per-subscription-event for subscriptions) loaders: batch the order and history reads of
 * one operation into one query each. No cache across events — a subscription's context lives long and
 * each event must show the order as it is now.
 */
export function createOrderLoaders(orders: OrderStore, opts: { cache?: boolean } = {}) {
  const cache = opts.cache ?? true;
  return {
    order: new MeasuredDataLoader<string, OrderRow | undefined>('order.order', 
      async (ids) => {
        const rows = await orders.getMany(ids);
        // an order Vitec has not confirmed yet is nobody's to see (store.ts awaitingVerification)
        const byId = new Map(rows.filter((r) => !awaitingVerification(r)).map((r) => [r.id, r]));
        return ids.map((id) => byId.get(id));
      },
      { cache },
    ),
    history: new MeasuredDataLoader<string, OrderEvent[]>('order.history', 
      async (ids) => Promise.all(ids.map((id) => orders.history(id))),
      { cache },
    ),
  };
}
export type OrderLoaders = ReturnType<typeof createOrderLoaders>;
