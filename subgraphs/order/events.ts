import type { Logger } from '../../platform/logger';
import { count, eventDeliveryLag, liveSubscriptions } from '../../platform/metrics';
import type { PubSub, Unsubscribe } from '../../platform/pubsub';
import type { OrderEvent, OrderStore } from './store';

export interface EventFilter {
  customers: string[];
  orderId?: string | null;
  /** replay stored events after this id before the live ones */
  afterEventId?: number | null;
}

/**
 * Order status events for subscribers. Every event is first committed to `order_events`, then published
 * on the pub/sub channel (Redis with several instances: each instance gets each event once). A subscriber
 * that gives `afterEventId` is subscribed to the channel first, then replayed the stored events after
 * that id, then served the live ones it buffered meanwhile minus those the replay already gave — so there
 * is no gap between replay and live, and no event twice.
 */
export function createOrderEventFeed(opts: { pubsub: PubSub; channel: string; orders: OrderStore; log: Logger; replayHours: number }) {
  const { pubsub, channel, orders, log } = opts;

  async function publish(event: OrderEvent): Promise<void> {
    try {
      await pubsub.publish(channel, JSON.stringify(event));
      count('order.events.published');
    } catch (err) {
      // Stored already: a subscriber that misses it live gets it on its next reconnect with afterEventId.
      log.warn('order event not published', { eventId: event.eventId, err: (err as Error).message });
    }
  }

  async function subscribe(filter: EventFilter): Promise<AsyncIterableIterator<OrderEvent>> {
    const allowed = new Set(filter.customers);
    const matches = (e: OrderEvent) => allowed.has(e.customerId) && (!filter.orderId || e.orderId === filter.orderId);
    const queue: OrderEvent[] = [];
    // ids given to this subscriber, to drop the one event both the replay and the live feed may carry;
    // bounded, since only the overlap around the replay matters
    const delivered = new Set<string>();
    const remember = (id: string) => {
      delivered.add(id);
      if (delivered.size > 5_000) delivered.delete(delivered.values().next().value!);
    };
    let waiting: ((r: IteratorResult<OrderEvent>) => void) | undefined;
    let done = false;
    let replaying = filter.afterEventId != null;
    // ids of replayed events not handed over yet (for the lag metric's `delivery` label)
    const replayed = new Set<string>();

    const push = (e: OrderEvent) => {
      if (done || delivered.has(e.eventId)) return;
      if (waiting && !replaying) {
        remember(e.eventId);
        const w = waiting;
        waiting = undefined;
        w({ value: handedOver(e), done: false });
      } else queue.push(e);
    };

    const unsubscribe: Unsubscribe = await pubsub.subscribe(channel, (message) => {
      let e: OrderEvent;
      try {
        e = JSON.parse(message) as OrderEvent;
      } catch {
        return;
      }
      if (matches(e)) push(e);
    });
    count('order.subscriptions.started');

    if (filter.afterEventId != null) {
      try {
        const missed = await orders.eventsAfter({ afterEventId: filter.afterEventId, customers: filter.customers, orderId: filter.orderId, maxAgeHours: opts.replayHours });
        // replayed events go first, then whatever arrived live meanwhile (the same event is never given twice)
        const live = queue.splice(0);
        for (const e of missed) if (!queue.some((q) => q.eventId === e.eventId)) queue.push(e);
        for (const e of missed) replayed.add(e.eventId);
        const have = new Set(queue.map((q) => q.eventId));
        for (const e of live) if (!have.has(e.eventId)) queue.push(e);
      } catch (err) {
        await unsubscribe();
        throw err;
      } finally {
        replaying = false;
      }
    }

    liveSubscriptions.inc({ feed: 'order' });
    // time from the event being stored (its `at`) to its hand-over to this subscriber; replayed events are
    // labelled apart (hours old by design), so the live lag stays meaningful
    const handedOver = (e: OrderEvent) => {
      const at = Date.parse(e.at);
      const delivery = replayed.delete(e.eventId) ? 'replay' : 'live';
      if (Number.isFinite(at)) eventDeliveryLag.observe({ feed: 'order', delivery }, Math.max(0, Date.now() - at) / 1000);
      return e;
    };
    const finish = async (): Promise<IteratorResult<OrderEvent>> => {
      if (!done) {
        done = true;
        liveSubscriptions.dec({ feed: 'order' });
        queue.length = 0;
        waiting?.({ value: undefined, done: true });
        waiting = undefined;
        await unsubscribe();
      }
      return { value: undefined, done: true };
    };

    const iterator: AsyncIterableIterator<OrderEvent> = {
      next() {
        if (done) return Promise.resolve({ value: undefined, done: true });
        while (queue.length) {
          const e = queue.shift()!;
          if (delivered.has(e.eventId)) continue;
          remember(e.eventId);
          return Promise.resolve({ value: handedOver(e), done: false });
        }
        return new Promise((resolve) => (waiting = resolve));
      },
      return: finish,
      async throw(err) {
        await finish();
        throw err;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    return iterator;
  }

  return { publish, subscribe };
}

export type OrderEventFeed = ReturnType<typeof createOrderEventFeed>;
