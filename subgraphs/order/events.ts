import { LRUCache } from 'lru-cache';
import { AppError, ErrorCode } from '../../platform/errors';
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
 * The last item of a stream that could not be kept gap-free: the subscription's `resolve` throws its
 * error (EVENTS_INTERRUPTED, with `resumeAfterEventId`), so the client gets a coded error and then the end.
 */
export class StreamInterrupted {
  constructor(readonly error: AppError) {}
}

export interface OrderEventFeedOptions {
  pubsub: PubSub;
  channel: string;
  orders: OrderStore;
  log: Logger;
  replayHours: number;
  /** while live delivery may have gaps, each subscription reads the store this often */
  catchUpPollMs?: number;
  /** an event may commit this long after one with a higher id; catch-up looks back this far */
  lookbackMs?: number;
  /** a subscription that could not be caught up for this long ends with EVENTS_INTERRUPTED */
  maxGapMs?: number;
  /** events waiting for a slow client, at most; beyond that the stream ends with EVENTS_INTERRUPTED */
  maxQueue?: number;
}

interface Sub {
  accept(e: OrderEvent): void;
  /** reads what may have been missed from the store; `fromEventId` = a publisher's first unpublished event */
  catchUp(fromEventId?: number): Promise<void>;
  /** live delivery may have missed events from now on */
  startGap(): void;
  inGap(): boolean;
  /** ends the stream with EVENTS_INTERRUPTED and the last event the client actually received */
  interrupt(reason: string): void;
}

type ResyncMessage = { type: 'resync'; fromEventId: number };

/**
 * Order status events for subscribers, without silent gaps. Every event is first committed to
 * `order_events`; then it is handed to this instance's own subscribers directly (no Redis needed) and
 * published on the pub/sub channel for the other instances.
 *
 * Each subscription keeps a floor: every event up to it was given out or was not the subscriber's. When
 * live delivery may have missed something — the Redis subscriber connection is down, or another instance
 * says (a `resync` message) that some of its publishes failed — the subscription enters a gap: live events
 * are held, and every `catchUpPollMs` it reads the store from its floor, merges the held events, and hands
 * out the lot in id order, dropping those it already gave (ids of an order grow with its status changes,
 * so each order's events stay in order). Once Redis is live again and one catch-up has succeeded, live
 * delivery resumes. When that cannot be done — the store stays away longer than `maxGapMs`, more than
 * `maxQueue` events are waiting — the stream ends with EVENTS_INTERRUPTED and `resumeAfterEventId`.
 */
export function createOrderEventFeed(opts: OrderEventFeedOptions) {
  const { pubsub, channel, orders, log } = opts;
  const catchUpPollMs = opts.catchUpPollMs ?? 1_000;
  const lookbackMs = opts.lookbackMs ?? 5_000;
  const maxGapMs = opts.maxGapMs ?? 60_000;
  const maxQueue = opts.maxQueue ?? 10_000;
  const subs = new Set<Sub>();
  let busReady: Promise<Unsubscribe> | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  /** the first event this instance failed to publish, to announce once Redis takes publishes again */
  let unpublishedFrom: number | undefined;
  let resyncTimer: NodeJS.Timeout | undefined;

  // Live events in id order. Event ids commit in id order (store.ts insertEvent), but instances publish
  // them on their own and this instance hands its own events out before Redis echoes them, so they can
  // arrive out of order. An event above the next expected id waits while the gap is read from the store
  // (every lower id is committed by then): subscribers get ids in increasing order, and one that resumes
  // after the last id it received misses nothing. `seen` is the highest id handed on with nothing missing
  // below it (unknown until the first event); the gap read is one query per out-of-order arrival.
  let seen: number | undefined;
  let sequencing: Promise<void> = Promise.resolve();
  const maxGapRead = 1_000;
  const handOn = (e: OrderEvent) => {
    for (const s of subs) s.accept(e);
  };
  const ingest = (e: OrderEvent) => {
    sequencing = sequencing.then(async () => {
      const id = Number(e.eventId);
      if (seen === undefined || id <= seen + 1 || id - seen > maxGapRead) {
        // in order, a repeat (subscribers drop ids they gave out), or a jump too far to read (after an outage)
        if (seen === undefined || id > seen) seen = id;
        return handOn(e);
      }
      count('order.events.reordered');
      try {
        for (const missed of await orders.eventsBetween(seen, id, maxGapRead)) handOn(missed);
      } catch (err) {
        // the store is away: hand it on; a subscriber that resumes may then miss the gap's events
        log.warn('order events: gap not read from the store; handing on out of order', { from: seen, to: id, err: (err as Error).message });
      }
      seen = id;
      handOn(e);
    }).catch((err: Error) => log.error('order events: live event not handed on', { eventId: e.eventId, err }));
  };

  const onBusMessage = (message: string) => {
    let m: OrderEvent | ResyncMessage;
    try {
      m = JSON.parse(message) as OrderEvent | ResyncMessage;
    } catch {
      return;
    }
    if ('type' in m && m.type === 'resync') {
      count('order.events.resyncs');
      for (const s of subs) void s.catchUp(m.fromEventId);
      return;
    }
    ingest(m as OrderEvent);
  };

  const pollGaps = () => {
    pollTimer = undefined;
    const gapped = [...subs].filter((s) => s.inGap());
    if (!gapped.length) return;
    void Promise.all(gapped.map((s) => s.catchUp())).finally(() => {
      if (!pollTimer && [...subs].some((s) => s.inGap())) pollTimer = setTimeout(pollGaps, catchUpPollMs);
    });
  };
  const ensurePolling = () => {
    if (!pollTimer) pollTimer = setTimeout(pollGaps, catchUpPollMs);
  };

  pubsub.onStatus((live) => {
    if (!live) {
      log.warn('order events: live delivery interrupted; subscribers are served from the store until Redis is back', { subscribers: subs.size });
      for (const s of subs) s.startGap();
      ensurePolling();
    } else {
      // one catch-up now, started while live: it closes each subscription's gap
      clearTimeout(pollTimer);
      pollTimer = undefined;
      pollGaps();
      if (unpublishedFrom !== undefined) void announceResync();
    }
  });

  async function announceResync(): Promise<void> {
    if (unpublishedFrom === undefined) return;
    const fromEventId = unpublishedFrom;
    try {
      await pubsub.publish(channel, JSON.stringify({ type: 'resync', fromEventId } satisfies ResyncMessage));
      if (unpublishedFrom === fromEventId) unpublishedFrom = undefined;
      clearTimeout(resyncTimer);
      resyncTimer = undefined;
      log.info('order events: told the other instances to catch up', { fromEventId });
    } catch {
      clearTimeout(resyncTimer);
      resyncTimer = setTimeout(() => void announceResync(), catchUpPollMs);
      resyncTimer.unref();
    }
  }

  async function publish(event: OrderEvent): Promise<void> {
    // this instance's subscribers first, without a round trip through Redis (and without Redis)
    if (pubsub.kind !== 'memory') ingest(event);
    try {
      await pubsub.publish(channel, JSON.stringify(event));
      count('order.events.published');
      if (unpublishedFrom !== undefined) await announceResync();
    } catch (err) {
      // Stored already: the other instances catch up from the store when told (resync) or when their
      // own Redis connection comes back.
      const id = Number(event.eventId);
      unpublishedFrom = unpublishedFrom === undefined ? id : Math.min(unpublishedFrom, id);
      count('order.events.unpublished');
      log.warn('order event not published; other instances will catch up from the store', { eventId: event.eventId, err: (err as Error).message });
      if (!resyncTimer) {
        resyncTimer = setTimeout(() => void announceResync(), catchUpPollMs);
        resyncTimer.unref();
      }
    }
  }

  async function subscribe(filter: EventFilter): Promise<AsyncIterableIterator<OrderEvent | StreamInterrupted>> {
    const allowed = new Set(filter.customers);
    const matches = (e: OrderEvent) => allowed.has(e.customerId) && (!filter.orderId || e.orderId === filter.orderId);
    const queue: (OrderEvent | StreamInterrupted)[] = [];
    // ids given to this subscriber, to drop an event that both the store and the live feed carry: only the
    // overlap matters (an echo of a local event, a catch-up's lookback window), so a small LRU bounds it
    const delivered = new LRUCache<string, true>({ max: 2_000 });
    let waiting: ((r: IteratorResult<OrderEvent | StreamInterrupted>) => void) | undefined;
    let done = false;
    let ended = false;
    let floor = 0;
    let floorAt: string | null = null;
    // a resumed subscription's `afterEventId`: nothing at or below it is handed out — its client received
    // those already, and a catch-up's lookback window (by commit time, not id) or a late echo may carry them.
    // (A live one keeps 0: an event committed just before it began may still reach it, as before.)
    let start = 0;
    // the last event the client has actually taken (next()); the resume point an interruption names, since
    // events still queued for it are dropped with the queue
    let taken = 0;
    const took = (item: OrderEvent | StreamInterrupted) => {
      if (!(item instanceof StreamInterrupted)) taken = Math.max(taken, Number(item.eventId));
    };
    let gapSince: number | null = null;
    let held: OrderEvent[] = [];
    let running: Promise<void> | undefined;
    let again: number | undefined | null = null;
    // events given during the initial afterEventId replay are labelled `replay` in the lag metric (hours old
    // by design), so the `live` lag stays meaningful; catch-ups after an outage are late live deliveries
    let replaying = filter.afterEventId != null;
    let counted = false;
    const uncount = () => {
      if (counted) liveSubscriptions.dec({ feed: 'order' });
      counted = false;
    };

    const hand = (item: OrderEvent | StreamInterrupted) => {
      if (waiting) {
        const w = waiting;
        waiting = undefined;
        took(item);
        w({ value: item, done: false });
      } else queue.push(item);
    };
    const interrupt = (reason: string) => {
      if (ended) return;
      ended = true;
      uncount();
      count('order.subscriptions.interrupted');
      log.warn('order event stream ended; the client must resume with afterEventId', { reason, resumeAfterEventId: taken });
      queue.length = 0;
      held = [];
      subs.delete(sub);
      hand(
        new StreamInterrupted(
          new AppError(ErrorCode.EVENTS_INTERRUPTED, `live order events were interrupted (${reason}); subscribe again with afterEventId to receive every event after the last one you got`, {
            resumeAfterEventId: String(taken),
          }),
        ),
      );
    };
    const give = (e: OrderEvent) => {
      const id = Number(e.eventId);
      if (ended || delivered.has(e.eventId) || id <= start) return;
      delivered.set(e.eventId, true);
      if (id > floor) {
        floor = id;
        floorAt = e.at;
      }
      const at = Date.parse(e.at);
      if (Number.isFinite(at)) eventDeliveryLag.observe({ feed: 'order', delivery: replaying ? 'replay' : 'live' }, Math.max(0, Date.now() - at) / 1000);
      hand(e);
      if (queue.length > maxQueue) interrupt('the client is not reading fast enough');
    };

    const sub: Sub = {
      accept(e) {
        if (done || ended || !matches(e) || delivered.has(e.eventId)) return;
        if (gapSince !== null || running) {
          held.push(e);
          if (held.length > maxQueue) interrupt('too many events while catching up');
        } else give(e);
      },
      inGap: () => gapSince !== null,
      interrupt: (reason) => interrupt(reason),
      startGap() {
        gapSince ??= Date.now();
      },
      catchUp(fromEventId) {
        if (done || ended) return Promise.resolve();
        if (running) {
          again = Math.min(again ?? fromEventId ?? floor, fromEventId ?? floor);
          return running;
        }
        running = (async () => {
          let from: number | undefined = fromEventId;
          for (;;) {
            const startedLive = pubsub.live;
            try {
              const after = Math.min(floor, from !== undefined ? from - 1 : floor);
              const rows = await orders.eventsForCatchUp({ afterEventId: after, since: floorAt, lookbackMs, customers: filter.customers, orderId: filter.orderId, maxAgeHours: opts.replayHours, limit: maxQueue });
              if (rows.length >= maxQueue) return interrupt('more events were missed than one catch-up holds');
              const merged = new Map<string, OrderEvent>();
              for (const e of [...rows, ...held]) if (!delivered.has(e.eventId)) merged.set(e.eventId, e);
              held = [];
              for (const e of [...merged.values()].sort((a, b) => Number(a.eventId) - Number(b.eventId))) give(e);
              if (gapSince !== null && startedLive) {
                gapSince = null;
                count('order.subscriptions.caught_up');
              }
            } catch (err) {
              log.warn('order events: catch-up from the store failed; will retry', { err: (err as Error).message });
              gapSince ??= Date.now();
              if (Date.now() - gapSince > maxGapMs) return interrupt('the event store stayed unavailable');
              ensurePolling();
            }
            if (again === null || ended) return;
            from = again;
            again = null;
          }
        })().finally(() => {
          running = undefined;
          // events held while a catch-up ran outside a gap go out now, in id order
          if (gapSince === null && held.length && !ended) {
            const rest = held.sort((a, b) => Number(a.eventId) - Number(b.eventId));
            held = [];
            for (const e of rest) give(e);
          }
        });
        return running;
      },
    };

    if (!busReady && seen === undefined) {
      // Where live sequencing starts: the newest event committed when this instance begins to listen. Without
      // it the first live event would set `seen`, and a lower id another instance published a moment later
      // would be handed on after it (out of order) instead of being read as a gap first. Ingests wait for it.
      sequencing = sequencing.then(async () => {
        if (seen !== undefined) return;
        try {
          seen = await orders.lastEventId();
        } catch (err) {
          log.warn('order events: newest event id not read; the first live event starts the sequence', { err: (err as Error).message });
        }
      });
    }
    busReady ??= pubsub.subscribe(channel, onBusMessage).catch((err) => {
      busReady = undefined;
      throw err;
    });
    await busReady;
    subs.add(sub);
    count('order.subscriptions.started');
    try {
      if (filter.afterEventId != null) {
        floor = taken = start = filter.afterEventId;
        await sub.catchUp();
        replaying = false;
        if (gapSince !== null && !pubsub.live) ensurePolling();
      } else {
        floor = taken = await orders.lastEventId();
        if (!pubsub.live) {
          sub.startGap();
          ensurePolling();
        }
      }
    } catch (err) {
      subs.delete(sub);
      throw err;
    }
    if (filter.afterEventId != null && gapSince !== null && pubsub.live) {
      // the replay itself failed (the store is away): nothing to resume from yet
      subs.delete(sub);
      throw new AppError(ErrorCode.STORE_UNAVAILABLE, 'the event history is unavailable just now; please retry', { retryable: true });
    }
    liveSubscriptions.inc({ feed: 'order' });
    counted = true;

    const finish = async (): Promise<IteratorResult<OrderEvent>> => {
      if (!done) {
        done = true;
        uncount();
        queue.length = 0;
        held = [];
        subs.delete(sub);
        waiting?.({ value: undefined, done: true });
        waiting = undefined;
      }
      return { value: undefined, done: true };
    };

    const iterator: AsyncIterableIterator<OrderEvent | StreamInterrupted> = {
      next() {
        if (done) return Promise.resolve({ value: undefined, done: true });
        const item = queue.shift();
        if (item) {
          if (item instanceof StreamInterrupted) done = true;
          took(item);
          return Promise.resolve({ value: item, done: false });
        }
        if (ended) return Promise.resolve({ value: undefined, done: true });
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

  return {
    publish,
    subscribe,
    /** live subscriptions of this instance */
    get subscribers() {
      return subs.size;
    },
    /** ends every live subscription of this instance with EVENTS_INTERRUPTED (a drain: the client resumes elsewhere) */
    interruptAll(reason: string) {
      for (const s of [...subs]) s.interrupt(reason);
    },
    close() {
      clearTimeout(pollTimer);
      clearTimeout(resyncTimer);
      subs.clear();
    },
  };
}

export type OrderEventFeed = ReturnType<typeof createOrderEventFeed>;
