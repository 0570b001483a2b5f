/**
 * Order fan-out benchmark: N partner subscribers (graphql-ws, one socket each) on ONE gateway, following
 * all orders; the Vitec sandbox places orders; every status event reaches every subscriber. Prints, per N
 * and gateway: events delivered, fan-out latency p50/p99/max (status committed in the Order store → event
 * received by the subscriber, same machine clock), the gateway's CPU time per 1,000 messages it sent, and
 * resident memory of the gateway and Order processes, per subscriber; the load average beside each row.
 * The subscribers live in BENCH_CLIENT_PROCESSES forked processes (bench/fanout-clients.ts), so that no
 * single client event loop's backlog counts as delivery latency.
 * Separate processes as `npm start` runs them; Redis pub/sub when REDIS_URL is set.
 *
 *   npx tsx bench/order-fanout.bench.ts [--baseline <git ref>]   (or --baseline-ref, as bench/gateway.bench.ts)
 *
 * --baseline main   also starts the gateway of that commit (`git archive` into a temporary folder, this
 *                   tree's node_modules) beside this tree's, on the same Order subgraph, and runs every size
 *                   against both, alternating which goes first (BENCH_ROUNDS rounds): before/after in one run,
 *                   with p99 and CPU-per-message ratios at the end.
 * Environment: GATEWAY_SHARE_SUBSCRIPTIONS=false (one upstream subscription per subscriber, both gateways);
 *   BENCH_SUBSCRIBERS=1000,10000 BENCH_ORDERS=20 BENCH_INTERVAL_MS=300 BENCH_CLIENT_PROCESSES=4 BENCH_ROUNDS=1;
 *   BENCH_INTERVAL_MS=0 places all orders at once: a burst; BENCH_CPU_PROF=<dir> writes a .cpuprofile of
 *   every process of the stack (the gateways and the Order subgraph), see bench/profile-summary.ts.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEV_PARTNER_KEY } from '../platform/config/auth';
import { percentile } from '../platform/metrics';
import { startStack } from '../test/support/stack';
import { freePort, repoRoot, waitForHttp } from '../test/support/processes';

const { values: opts } = parseArgs({ options: { baseline: { type: 'string' }, 'baseline-ref': { type: 'string' } } });
const args = { baseline: opts.baseline ?? opts['baseline-ref'] }; // --baseline-ref as in bench/gateway.bench.ts
const SIZES = (process.env.BENCH_SUBSCRIBERS ?? '1000,10000').split(',').map(Number);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 20);
// orders are placed this far apart, so latency is measured at a steady rate rather than as one burst's backlog
const INTERVAL_MS = Number(process.env.BENCH_INTERVAL_MS ?? 300);
const CLIENT_PROCESSES = Number(process.env.BENCH_CLIENT_PROCESSES ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
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

interface Gateway {
  label: string;
  url: string;
  pid: number;
  stop?: () => Promise<void>;
}
const pidOf = (name: string) => stack.services.find((s) => s.name === name)!.child.pid!;
const gateways: Gateway[] = [{ label: 'this tree', url: stack.gatewayUrl, pid: pidOf('gateway') }];

/** The gateway of another commit, on the same stack: its tree from `git archive`, this tree's node_modules. */
async function startBaseline(ref: string): Promise<Gateway> {
  const commit = execFileSync('git', ['rev-parse', '--short', ref], { cwd: repoRoot, encoding: 'utf8' }).trim();
  const dir = mkdtempSync(join(tmpdir(), `switchboard-baseline-${commit}-`));
  execFileSync('sh', ['-c', `git archive ${commit} | tar -x -C ${dir}`], { cwd: repoRoot });
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(dir, 'gateway/main.ts')], {
    cwd: dir,
    env: { ...process.env, ...stack.env, GATEWAY_PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, 45_000, child);
  return {
    label: `${ref} (${commit})`,
    url,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((done) => {
        child.once('exit', () => (rmSync(dir, { recursive: true, force: true }), done()));
        child.kill('SIGTERM');
      }),
  };
}
if (args.baseline) gateways.push(await startBaseline(args.baseline));

const rssMbOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
/** User + system CPU time of a process so far, in ms (/proc/<pid>/stat, clock ticks of 10 ms). */
const cpuMsOf = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
const SUB = 'subscription { orderStatusChanged { eventId orderId status at } }';

/** A number from a Prometheus text page: the first sample of `name` whose labels match `labels`. */
async function metric(url: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(url)).text();
  const m = new RegExp(`^${name}(?:\\{[^}]*${labels}[^}]*\\})?\\s+(\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}
const metricsOf = (graphqlUrl: string) => graphqlUrl.replace(/\/graphql$/, '/metrics');
/** Client subscriptions a gateway is feeding (its /metrics), shared or not. */
const gatewaySubscribers = (g: Gateway) => metric(metricsOf(g.url), 'switchboard_gateway_subscribers');
/** Subscriptions the Order subgraph serves (one per gateway channel when the gateways share them). */
const orderSubscriptions = () => metric(new URL('/metrics', stack.subgraphUrl('order')).href, 'switchboard_subscriptions_active', 'feed="order"');

interface Worker {
  send(m: unknown): void;
  next<T>(pick: (m: any) => T | undefined): Promise<T>;
  delivered: number;
}
function startClients(wsUrl: string, count: number): Worker {
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

interface Row {
  gateway: string;
  subscribers: number;
  p99: number;
  cpuPerK: number;
  printed: Record<string, string | number>;
}
const rows: Row[] = [];
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');

/** One run: n subscribers on gateway g, ORDERS orders; a row of the table. */
async function run(g: Gateway, n: number): Promise<Row> {
  const loadBefore = load();
  const base = { gateway: rssMbOf(g.pid), order: rssMbOf(pidOf('order')) };
  const processes = Math.max(1, Math.min(CLIENT_PROCESSES, Math.ceil(n / 250)));
  const workers = Array.from({ length: processes }, (_, i) => startClients(g.url.replace('http', 'ws'), Math.floor(n / processes) + (i < n % processes ? 1 : 0)));
  const connectStarted = Date.now();
  const ready = await Promise.all(workers.map((w) => w.next((m) => (m.ready ? (m as { connected: number; failed: number }) : undefined))));
  const failed = ready.reduce((s, r) => s + r.failed, 0);
  // every subscription is live at the gateway (and, through it, at the Order subgraph)
  const deadline = Date.now() + 120_000;
  while ((await gatewaySubscribers(g)) < n - failed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  const upstream = await orderSubscriptions();
  const connectSeconds = (Date.now() - connectStarted) / 1000;
  await new Promise((r) => setTimeout(r, 1000)); // let the garbage of connecting settle before reading memory
  const withSubs = { gateway: rssMbOf(g.pid), order: rssMbOf(pidOf('order')) };
  const expected = (n - failed) * ORDERS * 2; // RECEIVED + ACKNOWLEDGED per order, to every connected subscriber
  const cpuBefore = cpuMsOf(g.pid);
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
  const cpuMs = cpuMsOf(g.pid) - cpuBefore;
  const peak = { gateway: rssMbOf(g.pid), order: rssMbOf(pidOf('order')) };
  const reports = await Promise.all(
    workers.map((w) => {
      const r = w.next((m) => (m.latencies ? (m as { latencies: number[]; errors: number; messages: string[] }) : undefined));
      w.send({ report: true });
      return r;
    }),
  );
  const latencies = reports.flatMap((r) => r.latencies);
  const messages = [...new Set(reports.flatMap((r) => r.messages))];
  if (messages.length) console.error(`${g.label}, ${n} subscribers, errors seen:\n  ${messages.join('\n  ')}`);
  const p99 = percentile(latencies, 99);
  const cpuPerK = (cpuMs * 1000) / Math.max(1, latencies.length);
  const row: Row = {
    gateway: g.label,
    subscribers: n,
    p99,
    cpuPerK,
    printed: {
      gateway: g.label,
      subscribers: n,
      'load 1/5/15 min': `${loadBefore} → ${load()}`,
      'client procs': processes,
      'connect s': connectSeconds.toFixed(1),
      'never connected': failed,
      'Order subs': upstream,
      events: `${latencies.length}/${expected}`,
      errors: reports.reduce((s, r) => s + r.errors, 0),
      'p50 ms': percentile(latencies, 50),
      'p99 ms': p99,
      'max ms': latencies.reduce((a, b) => Math.max(a, b), 0),
      'wall s': (elapsed / 1000).toFixed(1),
      'gateway CPU ms / 1k msgs': cpuPerK.toFixed(0),
      'gateway RSS MB idle→subs→peak': `${base.gateway.toFixed(0)}→${withSubs.gateway.toFixed(0)}→${peak.gateway.toFixed(0)}`,
      'gateway KB/sub': Math.round(((withSubs.gateway - base.gateway) * 1024) / n),
      'order RSS MB idle→subs→peak': `${base.order.toFixed(0)}→${withSubs.order.toFixed(0)}→${peak.order.toFixed(0)}`,
      'order KB/sub': Math.round(((withSubs.order - base.order) * 1024) / n),
    },
  };
  console.log(JSON.stringify(row.printed)); // as it goes: a long run can be followed, or cut short
  await new Promise((r) => setTimeout(r, 4000 + n / 2)); // let the gateway drop its upstream subscriptions
  return row;
}

// Ctrl-C stops the stack's processes too (the finally below does not run on a signal)
process.once('SIGINT', () => void Promise.all([stack.stop(), ...gateways.map((g) => g.stop?.())]).finally(() => process.exit(130)));
try {
  for (const n of SIZES) {
    for (let round = 0; round < ROUNDS; round++) {
      // alternate which gateway goes first, so neither always meets the other's leftovers
      const order = (SIZES.indexOf(n) + round) % 2 ? [...gateways].reverse() : gateways;
      for (const g of order) rows.push(await run(g, n));
    }
  }
} finally {
  await Promise.all(gateways.map((g) => g.stop?.()));
  await stack.stop();
}
console.log(
  `\nOrder fan-out through one gateway (GATEWAY_SHARE_SUBSCRIPTIONS=${process.env.GATEWAY_SHARE_SUBSCRIPTIONS ?? 'true'}): ${ORDERS} orders × 2 statuses per run, one order every ${INTERVAL_MS} ms; events via ${process.env.REDIS_URL ? 'Redis pub/sub' : 'in-process pub/sub'}; store ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}; ${ROUNDS} round(s)${PROFILE_DIR ? `; CPU profiles in ${PROFILE_DIR} (${gateways.map((g) => `${g.label} pid ${g.pid}`).join(', ')}, order pid ${pidOf('order')})` : ''}`,
);
console.table(rows.map((r) => r.printed));
console.log(
  'KB/sub = RSS growth while the subscribers connected ÷ subscribers. Only the first row of each gateway starts from a fresh process; later rows start from what earlier runs left and are low bounds. CPU ms / 1k msgs = the gateway\'s user+system CPU while the orders ran ÷ messages delivered.',
);
if (gateways.length > 1) {
  const median = (xs: number[]) => percentile(xs, 50);
  const [ours, base] = gateways;
  console.log(`\nThis tree against ${base!.label}, medians over rounds (below 1: this tree is faster / uses less CPU):`);
  console.table(
    SIZES.map((n) => {
      const pick = (g: Gateway, f: (r: Row) => number) => median(rows.filter((r) => r.gateway === g.label && r.subscribers === n).map(f));
      return {
        subscribers: n,
        'p99 ms this / baseline': `${pick(ours!, (r) => r.p99)} / ${pick(base!, (r) => r.p99)}`,
        'p99 ratio': (pick(ours!, (r) => r.p99) / pick(base!, (r) => r.p99)).toFixed(2),
        'CPU ms / 1k msgs this / baseline': `${pick(ours!, (r) => r.cpuPerK).toFixed(0)} / ${pick(base!, (r) => r.cpuPerK).toFixed(0)}`,
        'CPU ratio': (pick(ours!, (r) => r.cpuPerK) / pick(base!, (r) => r.cpuPerK)).toFixed(2),
      };
    }),
  );
}
