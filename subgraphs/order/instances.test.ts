import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrderInstances, type OrderInstances } from '../../test/support/order-instances';
import { redisUrlForTests } from '../../test/support/services';
import type { SandboxOrder } from '../../vendors/vitec/sandbox/server';

/**
 * Two Order instances sharing one PostgreSQL database and one Redis: each subscriber, whichever instance
 * it is connected to, receives every event once, and each order is processed by exactly one instance.
 */
const redisUrl = redisUrlForTests();

describe.runIf(redisUrl)('several Order instances (REDIS_URL, PostgreSQL at TEST_DATABASE_URL)', () => {
  let order: OrderInstances;
  beforeAll(async () => {
    order = await startOrderInstances({ redisUrl: redisUrl!, jobPollMs: 50 });
  });
  afterAll(() => order?.close());

  it('every subscriber gets each event once; every order is processed once', async () => {
    const N = 12;
    const received = order.servers.map(() => [] as { eventId: string; orderId: string; status: string }[]);
    const done = order.servers.map((_, i) => {
      const it = order.subscribe(i, 'subscription { orderStatusChanged { eventId orderId status } }');
      return (async () => {
        for await (const r of it) {
          expect(r.errors).toBeUndefined();
          received[i]!.push(r.data!.orderStatusChanged as never);
          if (received[i]!.filter((e) => e.status === 'ACKNOWLEDGED').length === N) break;
        }
      })();
    });
    await new Promise((r) => setTimeout(r, 300));
    const placed = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        fetch(`${order.sandbox.url}/__sandbox/place-order`, { method: 'POST', body: JSON.stringify({ customerId: i % 2 ? 'M123' : 'M125', authMode: i % 2 ? 'token' : 'none' }) }).then(
          (r) => r.json() as Promise<{ orderId: string }>,
        ),
      ),
    );
    await Promise.race([Promise.all(done), new Promise((_, rej) => setTimeout(() => rej(new Error(`timeout: ${received.map((r) => r.length)}`)), 15_000))]);
    await new Promise((r) => setTimeout(r, 200));
    for (const events of received) {
      expect(events).toHaveLength(2 * N);
      expect(new Set(events.map((e) => e.eventId)).size).toBe(2 * N);
      const byOrder = new Map<string, string[]>();
      for (const e of events) byOrder.set(e.orderId, [...(byOrder.get(e.orderId) ?? []), e.status]);
      for (const s of byOrder.values()) expect(s).toEqual(['RECEIVED', 'ACKNOWLEDGED']);
    }
    for (const p of placed) {
      const o = (await (await fetch(`${order.sandbox.url}/__sandbox/orders/${p.orderId}`)).json()) as SandboxOrder;
      expect(o.statuses.map((s) => s.status)).toEqual(['OrderReceived']);
    }
  });
});
