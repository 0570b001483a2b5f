/**
 * Order fan-out benchmark: N partner subscribers (graphql-ws, one socket each) on ONE gateway, following
 * all orders; the Vitec sandbox places orders; every status event reaches every subscriber. Prints, per N:
 * events delivered, fan-out latency p50/p99/max (status committed in the Order store → event received by
 * the subscriber, same machine clock) and resident memory of the gateway and Order processes.
 * Separate processes as `npm start` runs them; Redis pub/sub when REDIS_URL is set.
 *
 *   npx tsx bench/order-fanout.bench.ts   (BENCH_SUBSCRIBERS=100,1000 BENCH_ORDERS=20 BENCH_INTERVAL_MS=300;
 *                                          BENCH_INTERVAL_MS=0 places all orders at once: a burst)
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { DEV_PARTNER_KEY } from '../platform/config/auth';
import { percentile } from '../platform/metrics';
import { startStack } from '../test/support/stack';

const SIZES = (process.env.BENCH_SUBSCRIBERS ?? '100,1000').split(',').map(Number);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 20);
// orders are placed this far apart, so latency is measured at a steady rate rather than as one burst's backlog
const INTERVAL_MS = Number(process.env.BENCH_INTERVAL_MS ?? 300);

const stack = await startStack({
  sandboxes: ['vitec'],
  subgraphs: ['order'],
  gateway: true,
  env: { ORDER_EVENTS_CHANNEL: `bench:order-events:${randomUUID()}`, ORDER_JOB_POLL_MS: '200', LOG_LEVEL: 'warn' },
});
const rssMb = (name: string) => {
  const pid = stack.services.find((s) => s.name === name)!.child.pid!;
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return Math.round(kb / 1024);
};
const wsUrl = stack.gatewayUrl.replace('http', 'ws');
const SUB = 'subscription { orderStatusChanged { eventId orderId status at } }';

const rows: Record<string, string | number>[] = [];
try {
  for (const n of SIZES) {
    const base = { gateway: rssMb('gateway'), order: rssMb('order') };
    const clients: Client[] = [];
    const latencies: number[] = [];
    let delivered = 0;
    let errors = 0;
    const expected = n * ORDERS * 2; // RECEIVED + ACKNOWLEDGED per order
    let resolveAll!: () => void;
    const all = new Promise<void>((r) => (resolveAll = r));
    const subscribed: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      let ack!: () => void;
      subscribed.push(new Promise<void>((r) => (ack = r)));
      const c = createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: { 'x-api-key': DEV_PARTNER_KEY }, retryAttempts: 0, on: { connected: () => ack() } });
      clients.push(c);
      c.subscribe(
        { query: SUB },
        {
          next: (r) => {
            if (r.errors) errors++;
            else {
              latencies.push(Date.now() - Date.parse((r.data as any).orderStatusChanged.at));
              if (++delivered === expected) resolveAll();
            }
          },
          error: () => errors++,
          complete: () => undefined,
        },
      );
    }
    await Promise.all(subscribed);
    await new Promise((r) => setTimeout(r, 1500)); // the gateway has forwarded every subscription to the Order subgraph
    const withSubs = { gateway: rssMb('gateway'), order: rssMb('order') };
    const started = Date.now();
    for (let i = 0; i < ORDERS; i++) {
      const mode = (['token', 'basic', 'none'] as const)[i % 3];
      const customer = { token: 'M123', basic: 'M124', none: 'M125' }[mode];
      const res = await fetch(`${stack.sandboxUrl('vitec')}/__sandbox/place-order`, { method: 'POST', body: JSON.stringify({ customerId: customer, authMode: mode }) });
      if (!res.ok) throw new Error(`place-order ${res.status}: ${await res.text()}`);
      if (INTERVAL_MS) await new Promise((r) => setTimeout(r, INTERVAL_MS));
    }
    await Promise.race([all, new Promise((r) => setTimeout(r, 60_000))]);
    const elapsed = Date.now() - started;
    rows.push({
      subscribers: n,
      events: `${delivered}/${expected}`,
      errors,
      'p50 ms': percentile(latencies, 50),
      'p99 ms': percentile(latencies, 99),
      'max ms': Math.max(...latencies),
      'wall s': (elapsed / 1000).toFixed(1),
      'gateway RSS MB (idle→subs)': `${base.gateway}→${withSubs.gateway}`,
      'order RSS MB (idle→subs)': `${base.order}→${withSubs.order}`,
      'gateway KB/sub': Math.round(((withSubs.gateway - base.gateway) * 1024) / n),
    });
    await Promise.all(clients.map((c) => c.dispose()));
    await new Promise((r) => setTimeout(r, 4000)); // let the gateway drop its upstream subscriptions
  }
} finally {
  await stack.stop();
}
console.log(`\nOrder fan-out through one gateway: ${ORDERS} orders × 2 statuses per run, one order every ${INTERVAL_MS} ms; events via ${process.env.REDIS_URL ? 'Redis pub/sub' : 'in-process pub/sub'}; store ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}`);
console.table(rows);
