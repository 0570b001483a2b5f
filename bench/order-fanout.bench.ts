/**
 * Order fan-out benchmark: N partner subscribers (graphql-ws, one socket each) on ONE gateway, following
 * all orders; the Vitec sandbox places orders; every status event reaches every subscriber. Prints, per N:
 * events delivered, fan-out latency p50/p99/max (status committed in the Order store → event received by
 * the subscriber, same machine clock) and resident memory of the gateway and Order processes, per
 * subscriber. The subscribers live in BENCH_CLIENT_PROCESSES forked processes (bench/fanout-clients.ts),
 * so that no single client event loop's backlog counts as delivery latency.
 * Separate processes as `npm start` runs them; Redis pub/sub when REDIS_URL is set.
 *
 *   npx tsx bench/order-fanout.bench.ts   (GATEWAY_SHARE_SUBSCRIPTIONS=false: one upstream subscription per subscriber;
 *                                          BENCH_SUBSCRIBERS=1000,10000 BENCH_ORDERS=20 BENCH_INTERVAL_MS=300
 *                                          BENCH_CLIENT_PROCESSES=4; BENCH_INTERVAL_MS=0 places all orders at
 *                                          once: a burst; BENCH_CPU_PROF=<dir> writes a .cpuprofile of the
 *                                          gateway and the Order subgraph, see bench/profile-summary.ts)
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEV_PARTNER_KEY } from '../platform/config/auth';
import { percentile } from '../platform/metrics';
import { startStack } from '../test/support/stack';

const SIZES = (process.env.BENCH_SUBSCRIBERS ?? '1000,10000').split(',').map(Number);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 20);
// orders are placed this far apart, so latency is measured at a steady rate rather than as one burst's backlog
const INTERVAL_MS = Number(process.env.BENCH_INTERVAL_MS ?? 300);
const CLIENT_PROCESSES = Number(process.env.BENCH_CLIENT_PROCESSES ?? 4);
const PROFILE_DIR = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined;
if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true });

const stack = await startStack({
  sandboxes: ['vitec'],
  subgraphs: ['order'],
  gateway: true,
  env: {
    ORDER_EVENTS_CHANNEL: `bench:order-events:${randomUUID()}`,
    ORDER_JOB_POLL_MS: '200',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    // every process of the stack profiles itself (written on exit, one file per pid)
    ...(PROFILE_DIR ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${PROFILE_DIR}` } : {}),
  },
});
const pidOf = (name: string) => stack.services.find((s) => s.name === name)!.child.pid!;
const rssMb = (name: string) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pidOf(name)}/status`, 'utf8'))![1]) / 1024;
const wsUrl = stack.gatewayUrl.replace('http', 'ws');
const SUB = 'subscription { orderStatusChanged { eventId orderId status at } }';

/** Client subscriptions the gateway is feeding (its /metrics), shared or not. */
async function gatewaySubscribers(): Promise<number> {
  const text = await (await fetch(stack.gatewayUrl.replace(/\/graphql$/, '/metrics'))).text();
  const m = /^switchboard_gateway_subscribers(?:\{[^}]*\})?\s+(\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}
/** Subscriptions the Order subgraph serves (one per gateway channel when the gateway shares them). */
async function orderSubscriptions(): Promise<number> {
  const text = await (await fetch(new URL('/metrics', stack.subgraphUrl('order')))).text();
  const m = /^switchboard_subscriptions_active\{[^}]*feed="order"[^}]*\}\s+(\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

interface Worker {
  send(m: unknown): void;
  next<T>(pick: (m: any) => T | undefined): Promise<T>;
  delivered: number;
}
function startClients(count: number): Worker {
  const child = fork(join(import.meta.dirname, 'fanout-clients.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiters: ((m: any) => boolean)[] = [];
  const w: Worker = {
    delivered: 0,
    send: (m) => child.send(m as never),
    next: (pick) =>
      new Promise((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`client process exited with ${code}`)));
        waiters.push((m) => {
          const v = pick(m);
          if (v === undefined) return false;
          resolve(v);
          return true;
        });
      }),
  };
  child.on('message', (m: any) => {
    if (typeof m.delivered === 'number') w.delivered = m.delivered;
    const i = waiters.findIndex((f) => f(m));
    if (i >= 0) waiters.splice(i, 1);
  });
  child.send({ url: wsUrl, apiKey: DEV_PARTNER_KEY, count, query: SUB });
  return w;
}

const rows: Record<string, string | number>[] = [];
// Ctrl-C stops the stack's processes too (the finally below does not run on a signal)
process.once('SIGINT', () => void stack.stop().finally(() => process.exit(130)));
try {
  for (const n of SIZES) {
    const base = { gateway: rssMb('gateway'), order: rssMb('order') };
    const processes = Math.max(1, Math.min(CLIENT_PROCESSES, Math.ceil(n / 250)));
    const workers = Array.from({ length: processes }, (_, i) => startClients(Math.floor(n / processes) + (i < n % processes ? 1 : 0)));
    const connectStarted = Date.now();
    const ready = await Promise.all(workers.map((w) => w.next((m) => (m.ready ? (m as { connected: number; failed: number }) : undefined))));
    const failed = ready.reduce((s, r) => s + r.failed, 0);
    // every subscription is live at the gateway (and, through it, at the Order subgraph)
    const deadline = Date.now() + 120_000;
    while ((await gatewaySubscribers()) < n - failed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    const upstream = await orderSubscriptions();
    const connectSeconds = (Date.now() - connectStarted) / 1000;
    await new Promise((r) => setTimeout(r, 1000)); // let the garbage of connecting settle before reading memory
    const withSubs = { gateway: rssMb('gateway'), order: rssMb('order') };
    const expected = (n - failed) * ORDERS * 2; // RECEIVED + ACKNOWLEDGED per order, to every connected subscriber
    const started = Date.now();
    for (let i = 0; i < ORDERS; i++) {
      const mode = (['token', 'basic', 'none'] as const)[i % 3];
      const customer = { token: 'M123', basic: 'M124', none: 'M125' }[mode];
      const res = await fetch(`${stack.sandboxUrl('vitec')}/__sandbox/place-order`, { method: 'POST', body: JSON.stringify({ customerId: customer, authMode: mode }) });
      if (!res.ok) throw new Error(`place-order ${res.status}: ${await res.text()}`);
      if (INTERVAL_MS) await new Promise((r) => setTimeout(r, INTERVAL_MS));
    }
    const until = Date.now() + 120_000;
    while (workers.reduce((s, w) => s + w.delivered, 0) < expected && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    const elapsed = Date.now() - started;
    const peak = { gateway: rssMb('gateway'), order: rssMb('order') };
    const reports = await Promise.all(
      workers.map((w) => {
        const r = w.next((m) => (m.latencies ? (m as { latencies: number[]; errors: number; messages: string[] }) : undefined));
        w.send({ report: true });
        return r;
      }),
    );
    const latencies = reports.flatMap((r) => r.latencies);
    const messages = [...new Set(reports.flatMap((r) => r.messages))];
    if (messages.length) console.error(`${n} subscribers, errors seen:\n  ${messages.join('\n  ')}`);
    rows.push({
      subscribers: n,
      'client procs': processes,
      'connect s': connectSeconds.toFixed(1),
      'never connected': failed,
      'Order subs': upstream,
      events: `${latencies.length}/${expected}`,
      errors: reports.reduce((s, r) => s + r.errors, 0),
      'p50 ms': percentile(latencies, 50),
      'p99 ms': percentile(latencies, 99),
      'max ms': latencies.reduce((a, b) => Math.max(a, b), 0),
      'wall s': (elapsed / 1000).toFixed(1),
      'gateway RSS MB idle→subs→peak': `${base.gateway.toFixed(0)}→${withSubs.gateway.toFixed(0)}→${peak.gateway.toFixed(0)}`,
      'gateway KB/sub': Math.round(((withSubs.gateway - base.gateway) * 1024) / n),
      'order RSS MB idle→subs→peak': `${base.order.toFixed(0)}→${withSubs.order.toFixed(0)}→${peak.order.toFixed(0)}`,
      'order KB/sub': Math.round(((withSubs.order - base.order) * 1024) / n),
    });
    await new Promise((r) => setTimeout(r, 4000 + n / 2)); // let the gateway drop its upstream subscriptions
  }
} finally {
  await stack.stop();
}
console.log(
  `\nOrder fan-out through one gateway (GATEWAY_SHARE_SUBSCRIPTIONS=${process.env.GATEWAY_SHARE_SUBSCRIPTIONS ?? 'true'}): ${ORDERS} orders × 2 statuses per run, one order every ${INTERVAL_MS} ms; events via ${process.env.REDIS_URL ? 'Redis pub/sub' : 'in-process pub/sub'}; store ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}${PROFILE_DIR ? `; CPU profiles in ${PROFILE_DIR} (gateway pid ${pidOf('gateway')}, order pid ${pidOf('order')})` : ''}`,
);
console.table(rows);
