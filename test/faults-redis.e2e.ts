import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrderInstances, type OrderInstances } from './support/order-instances';
import { startPrivateRedis, type PrivateRedis } from './support/redis-server';

/**
 * Fault: Redis goes away for several seconds while orders flow and live subscribers listen on two Order
 * instances (the intake on one, processing on both). Every subscriber must receive every event of its
 * orders — in order, once, without re-subscribing — while Redis is away and after it is back.
 * A private redis-server (killed with SIGKILL and started again), a throwaway PostgreSQL database.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fault: Redis stopped and restarted under live subscribers', () => {
  let redis: PrivateRedis;
  let order: OrderInstances;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    order = await startOrderInstances({ redisUrl: redis.url, storeMax: 5, jobPollMs: 100, jobConcurrency: 4, redisInReadiness: true });
  });
  afterAll(async () => {
    await order?.close();
    await redis?.kill();
  });

  it('a 5 s outage: every event reaches each of 5 subscribers on both instances, in order, once', async () => {
    const N = 30;
    type Got = { eventId: string; orderId: string; status: string; at: string; receivedAt: number };
    const subscribers = [0, 0, 0, 1, 1]; // three on the intake instance, two on the other
    const received = subscribers.map(() => [] as Got[]);
    const failures: unknown[] = [];
    for (const [i, instance] of subscribers.entries()) {
      const stream = order.subscribe(instance, 'subscription { orderStatusChanged { eventId orderId status at } }');
      void (async () => {
        try {
          for await (const r of stream) {
            if (r.errors) failures.push(r.errors);
            else received[i]!.push({ ...(r.data!.orderStatusChanged as Omit<Got, 'receivedAt'>), receivedAt: Date.now() });
          }
        } catch (err) {
          failures.push(err);
        }
      })();
    }
    await sleep(500);

    // 30 orders over ~9 s; Redis is killed after ~2 s and back after a 5 s outage
    let outage: { from: number; to: number } | undefined;
    let readyDuringOutage: { status: number; body: unknown } | undefined;
    const faults = (async () => {
      await sleep(2_000);
      const from = Date.now();
      await redis.kill();
      await sleep(1_000);
      // an Order instance without Redis still serves (events from the store): ready, and says Redis is down
      const ready = await fetch(new URL('/readyz', order.servers[1]!.url));
      readyDuringOutage = { status: ready.status, body: await ready.json() };
      await sleep(4_000);
      await redis.start();
      outage = { from, to: Date.now() };
    })();
    const placed: string[] = [];
    for (let i = 0; i < N; i++) {
      const res = await fetch(`${order.sandbox.url}/__sandbox/place-order`, { method: 'POST', body: JSON.stringify({ customerId: i % 2 ? 'M123' : 'M125', authMode: i % 2 ? 'token' : 'none' }) });
      const body = (await res.json()) as { intakeStatus: number };
      expect(body.intakeStatus).toBe(200); // Redis is not needed to take an order
      placed.push(String(i));
      await sleep(300);
    }
    await faults;

    const stored = async () =>
      (await order.stores[0]!.query<{ id: number; order_id: string; status: string }>('SELECT id, order_id, status FROM order_events ORDER BY id')).rows;
    const deadline = Date.now() + 20_000;
    while ((await stored()).length < 2 * N || received.some((r) => r.length < 2 * N)) {
      if (Date.now() > deadline) throw new Error(`not every event arrived: stored ${(await stored()).length}, received ${received.map((r) => r.length)}`);
      await sleep(100);
    }
    await sleep(1_500); // nothing more (no duplicate) arrives late
    const all = await stored();
    expect(all).toHaveLength(2 * N);
    expect(failures).toEqual([]);
    expect(readyDuringOutage).toEqual({ status: 200, body: { status: 'ready', service: 'order', dependencies: { database: 'up', redis: 'down' } } });
    for (const events of received) {
      expect(events.map((e) => e.eventId).sort()).toEqual(all.map((e) => String(e.id)).sort()); // each once, none lost
      const byOrder = new Map<string, string[]>();
      for (const e of events) byOrder.set(e.orderId, [...(byOrder.get(e.orderId) ?? []), e.status]);
      expect(byOrder.size).toBe(N);
      for (const statuses of byOrder.values()) expect(statuses).toEqual(['RECEIVED', 'ACKNOWLEDGED']); // in order
    }
    // figures for the fault matrix: how late an event arrived (from its commit) during and outside the outage
    const lateness = received.flat().map((e) => ({ late: e.receivedAt - new Date(e.at).getTime(), during: outage && e.receivedAt >= outage.from && e.receivedAt <= outage.to + 6_000 }));
    const max = (xs: number[]) => Math.max(0, ...xs);
    console.log(
      `[faults] redis outage ${((outage!.to - outage!.from) / 1000).toFixed(1)} s: ${2 * N} events x ${subscribers.length} subscribers, 0 lost, 0 duplicated; ` +
        `max delivery delay around the outage ${max(lateness.filter((l) => l.during).map((l) => l.late))} ms, otherwise ${max(lateness.filter((l) => !l.during).map((l) => l.late))} ms`,
    );
  }, 45_000);
});
