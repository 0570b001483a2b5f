import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore, migrate, type Store } from '../../platform/db';
import { silentLogger } from '../../platform/logger';
import { createMemoryPubSub } from '../../platform/pubsub';
import { createThrowawayDatabase } from '../../test/support/throwaway-postgres';
import { createOrderEventFeed } from './events';
import { createOrderStore, orderMigrations, type OrderEvent } from './store';

/**
 * Live events reach a subscriber in id order even when they arrive out of order (two replicas publish on
 * their own): an id above the next one expected waits while the gap is read from the store, and the late
 * original is dropped as a repeat. Real PostgreSQL (a throwaway database), the in-process pub/sub.
 */
describe('order event feed ordering', () => {
  let database: Awaited<ReturnType<typeof createThrowawayDatabase>>;
  let store: Store;

  beforeAll(async () => {
    database = await createThrowawayDatabase();
    store = createPostgresStore(database.url, {});
    await migrate(store, orderMigrations);
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('an event that arrives before a lower, committed one is handed out after it; the late one is not repeated', async () => {
    const orders = createOrderStore(store);
    const pubsub = createMemoryPubSub();
    const feed = createOrderEventFeed({ pubsub, channel: 'order-events', orders, log: silentLogger, replayHours: 1 });
    await store.query(`INSERT INTO orders (id, intake_key, customer_id, auth_mode, status) VALUES ('ord_a', 'k-a', 'M1', 'none', 'RECEIVED')`);
    const insert = async (status: string): Promise<OrderEvent> => {
      const { rows } = await store.query<{ id: string; at: Date }>(`INSERT INTO order_events (order_id, customer_id, status) VALUES ('ord_a', 'M1', $1) RETURNING id, at`, [status]);
      return { eventId: String(rows[0]!.id), orderId: 'ord_a', customerId: 'M1', status: status as OrderEvent['status'], description: null, at: new Date(rows[0]!.at).toISOString() };
    };
    const stream = await feed.subscribe({ customers: ['M1'] });
    const got: string[] = [];
    const reading = (async () => {
      for await (const item of stream) {
        got.push((item as OrderEvent).status);
        if (got.length === 4) return;
      }
    })();

    const first = await insert('RECEIVED');
    await feed.publish(first);
    const second = await insert('VERIFIED');
    const third = await insert('ACKNOWLEDGED');
    const fourth = await insert('DELIVERED');
    await feed.publish(third); // before `second`: the gap (second) is read from the store first
    await feed.publish(second); // late: a repeat now
    await feed.publish(fourth);
    await reading;
    expect(got).toEqual(['RECEIVED', 'VERIFIED', 'ACKNOWLEDGED', 'DELIVERED']);
    feed.close();
    await pubsub.close();
  });

  it("a fresh instance's very first live event, above a lower one still to arrive, waits for it too", async () => {
    const orders = createOrderStore(store);
    const pubsub = createMemoryPubSub();
    const feed = createOrderEventFeed({ pubsub, channel: 'order-events-2', orders, log: silentLogger, replayHours: 1 });
    await store.query(`INSERT INTO orders (id, intake_key, customer_id, auth_mode, status) VALUES ('ord_b', 'k-b', 'M2', 'none', 'RECEIVED')`);
    const insert = async (status: string): Promise<OrderEvent> => {
      const { rows } = await store.query<{ id: string; at: Date }>(`INSERT INTO order_events (order_id, customer_id, status) VALUES ('ord_b', 'M2', $1) RETURNING id, at`, [status]);
      return { eventId: String(rows[0]!.id), orderId: 'ord_b', customerId: 'M2', status: status as OrderEvent['status'], description: null, at: new Date(rows[0]!.at).toISOString() };
    };
    // the instance starts listening (a live subscriber) before these events exist
    const stream = await feed.subscribe({ customers: ['M2'] });
    const got: string[] = [];
    const reading = (async () => {
      for await (const item of stream) {
        got.push((item as OrderEvent).status);
        if (got.length === 2) return;
      }
    })();
    const lower = await insert('RECEIVED');
    const higher = await insert('VERIFIED');
    await feed.publish(higher); // the first live event this instance sees
    await feed.publish(lower); // another replica's, a moment later
    await reading;
    expect(got).toEqual(['RECEIVED', 'VERIFIED']);
    feed.close();
    await pubsub.close();
  });
  it('a catch-up (here after a resync) never hands a resumed subscription events at or below its afterEventId', async () => {
    const orders = createOrderStore(store);
    const pubsub = createMemoryPubSub();
    const channel = 'order-events-3';
    const feed = createOrderEventFeed({ pubsub, channel, orders, log: silentLogger, replayHours: 1, lookbackMs: 60_000 });
    await store.query(`INSERT INTO orders (id, intake_key, customer_id, auth_mode, status) VALUES ('ord_c', 'k-c', 'M3', 'none', 'RECEIVED')`);
    const insert = async (status: string): Promise<OrderEvent> => {
      const { rows } = await store.query<{ id: string; at: Date }>(`INSERT INTO order_events (order_id, customer_id, status) VALUES ('ord_c', 'M3', $1) RETURNING id, at`, [status]);
      return { eventId: String(rows[0]!.id), orderId: 'ord_c', customerId: 'M3', status: status as OrderEvent['status'], description: null, at: new Date(rows[0]!.at).toISOString() };
    };
    // what the client received on its previous stream, moments ago (well inside the catch-up's lookback)
    await insert('RECEIVED');
    const lastSeen = await insert('VERIFIED');
    const resumed = await feed.subscribe({ customers: ['M3'], afterEventId: Number(lastSeen.eventId) });
    const got = { resumed: [] as string[] };
    const read = (stream: typeof resumed, into: string[]) =>
      (async () => {
        for await (const item of stream) {
          into.push((item as OrderEvent).status);
          if (into.length === 2) return;
        }
      })();
    const reading = [read(resumed, got.resumed)];
    await feed.publish(await insert('ACKNOWLEDGED'));
    // another instance failed to publish from that event on: every subscription reads the store (by id and,
    // for events committing late, by time) — which also finds RECEIVED and VERIFIED
    await pubsub.publish(channel, JSON.stringify({ type: 'resync', fromEventId: Number(lastSeen.eventId) + 1 }));
    await new Promise((r) => setTimeout(r, 300));
    await feed.publish(await insert('DELIVERED'));
    await Promise.all(reading);
    expect(got).toEqual({ resumed: ['ACKNOWLEDGED', 'DELIVERED'] });
    feed.close();
    await pubsub.close();
  });
});
