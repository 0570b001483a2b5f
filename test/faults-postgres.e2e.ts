import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLER_HEADER, signCallerIdentity } from '../platform/caller-identity';
import type { SandboxOrder } from '../vendors/vitec/sandbox/server';
import { gql } from './support/graphql';
import { freePort } from './support/processes';
import { startStack, type Stack } from './support/stack';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy';
import { createThrowawayDatabase, TEST_DATABASE_URL } from './support/throwaway-postgres';

/**
 * Faults of PostgreSQL under the Order service as `npm start` runs it (a separate process): connections
 * terminated under load (`pg_terminate_backend`), and a database that accepts connections and never
 * answers (a TCP proxy in front of the real server that goes silent). No process may exit, every order the
 * intake acknowledged (200) must be processed, and a caller waits no longer than the configured bounds.
 */
const SECRET = 'faults-postgres-signing-secret';
const CONNECT_MS = 1_000;
const STATEMENT_MS = 2_000;
/** the longest a store call may take: a silent server is given up STATEMENT_MS + 1 s after the query went out */
const BOUND_MS = STATEMENT_MS + 1_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let stack: Stack;
let database: Awaited<ReturnType<typeof createThrowawayDatabase>>;
let proxy: TcpProxy;
let admin: pg.Client;
let vitec: string;
let orderUrl: string;

beforeAll(async () => {
  database = await createThrowawayDatabase();
  const target = new URL(TEST_DATABASE_URL);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const viaProxy = new URL(database.url);
  viaProxy.port = String(proxy.port);
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  // the other subgraphs of the supergraph are down (nothing listens at their URLs)
  const dead = `http://127.0.0.1:${await freePort()}/graphql`;
  stack = await startStack({
    sandboxes: ['vitec', 'carsys'],
    subgraphs: ['order', 'customer'],
    gateway: true,
    env: {
      VEHICLE_URL: dead,
      CAPACITY_URL: dead,
      COVERAGE_URL: dead,
      DATABASE_URL: viaProxy.toString(),
      DB_CONNECT_TIMEOUT_MS: String(CONNECT_MS),
      DB_STATEMENT_TIMEOUT_MS: String(STATEMENT_MS),
      DB_POOL_MAX: '6',
      GATEWAY_SIGNING_SECRET: SECRET,
      ORDER_JOB_POLL_MS: '200',
      ORDER_JOB_LEASE_MS: '3000',
      JOB_CONCURRENCY: '4',
    },
  });
  vitec = stack.sandboxUrl('vitec');
  orderUrl = stack.subgraphUrl('order');
});
afterAll(async () => {
  await stack?.stop();
  await admin?.end();
  await proxy?.close();
  await database?.drop();
});

const orderProcess = () => stack.services.find((s) => s.name === 'order')!.child;
const customerProcess = () => stack.services.find((s) => s.name === 'customer')!.child;
const place = async (i: number) => {
  const res = await fetch(`${vitec}/__sandbox/place-order`, { method: 'POST', body: JSON.stringify({ customerId: i % 2 ? 'M123' : 'M125', authMode: i % 2 ? 'token' : 'none' }) });
  return (await res.json()) as { orderId: string; intakeStatus?: number; intakeMs?: number; error?: string };
};
const reopen = async (orderId: string) => {
  const res = await fetch(`${vitec}/__sandbox/reopen-order`, { method: 'POST', body: JSON.stringify({ orderId }) });
  return (await res.json()) as { intakeStatus?: number };
};
const sandboxOrder = async (id: string) => (await (await fetch(`${vitec}/__sandbox/orders/${id}`)).json()) as SandboxOrder;

describe('fault: PostgreSQL connections terminated under load', () => {
  it('no process exits; every acknowledged order is processed; refused intakes answered 503 and succeed on retry', async () => {
    const pid = orderProcess().pid;
    const customerPid = customerProcess().pid;
    const N = 60;
    let sweeps = 0;
    let killed = 0;
    let stop = false;
    const terminator = (async () => {
      while (!stop) {
        const r = await admin.query('SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
        killed += r.rows[0].n as number;
        sweeps++;
        await sleep(250);
      }
    })();
    const answers: { orderId: string; status: number; ms: number; error?: string }[] = [];
    // the Customer service takes Carsys pushes meanwhile (a transaction each)
    type PushAnswer = { byStatus: Record<string, number>; refused: { http: number; error?: string }[]; workOrders: { workOrderNumber: string }[] };
    const pushing = Promise.all(
      Array.from({ length: 4 }, async (_, i) => {
        await sleep(i * 1_000);
        const res = await fetch(`${stack.sandboxUrl('carsys')}/__sandbox/push`, { method: 'POST', body: JSON.stringify({ count: 15, concurrency: 5 }) });
        return (await res.json()) as PushAnswer;
      }),
    );
    const t0 = Date.now();
    for (let batch = 0; batch < N / 6; batch++) {
      const placed = await Promise.all(Array.from({ length: 6 }, (_, k) => place(batch * 6 + k)));
      for (const p of placed) answers.push({ orderId: p.orderId, status: p.intakeStatus ?? 0, ms: p.intakeMs ?? 0, error: p.error });
      await sleep(400); // ~5 s of load, with processing running between the batches
    }
    const pushed = await pushing;
    const loadMs = Date.now() - t0;
    stop = true;
    await terminator;
    expect(killed).toBeGreaterThan(0);

    // Vitec retries what was not acknowledged; every order ends up stored
    const refused = answers.filter((a) => a.status !== 200);
    if (refused.some((a) => a.status !== 503)) console.log('order service:', orderProcess().exitCode, orderProcess().signalCode, stack.services.find((s) => s.name === 'order')!.output().slice(-4000));
    expect(refused.filter((a) => a.status !== 503)).toEqual([]);
    for (const a of refused) {
      let status = 0;
      for (let attempt = 0; attempt < 10 && status !== 200; attempt++) {
        status = (await reopen(a.orderId)).intakeStatus ?? 0;
        if (status !== 200) await sleep(300);
      }
      expect(status).toBe(200);
    }

    // every order is processed (acknowledged to Vitec) once the sweeps stop
    const deadline = Date.now() + 20_000;
    const pending = new Set(answers.map((a) => a.orderId));
    while (pending.size && Date.now() < deadline) {
      for (const id of [...pending]) if ((await sandboxOrder(id)).statuses.some((s) => s.status === 'OrderReceived')) pending.delete(id);
      if (pending.size) await sleep(300);
    }
    if (pending.size) {
      const jobs = await admin.query('SELECT j.attempts, j.last_error, j.run_at, j.done_at, j.locked_until, o.status, o.vitec_order_id FROM jobs j JOIN orders o ON o.id = j.payload->>$1', ['orderId']);
      console.log(JSON.stringify(jobs.rows.filter((r) => r.status !== 'ACKNOWLEDGED'), null, 1), stack.services.find((s) => s.name === 'order')!.output().slice(-3000));
    }
    expect([...pending]).toEqual([]);
    await expect.poll(async () => (await admin.query("SELECT count(*)::int AS n FROM orders WHERE status = 'ACKNOWLEDGED'")).rows[0].n, { timeout: 10_000 }).toBe(N);

    expect(orderProcess().exitCode).toBeNull();
    expect(orderProcess().pid).toBe(pid);

    // Carsys: every push is either acknowledged (and stored) or refused 503 store_unavailable (to be pushed again)
    expect(customerProcess().exitCode).toBeNull();
    expect(customerProcess().pid).toBe(customerPid);
    const refusedPushes = pushed.flatMap((p) => p.refused);
    expect(refusedPushes.filter((r) => !(r.http === 503 && r.error === 'store_unavailable'))).toEqual([]);
    const created = pushed.reduce((n, p) => n + (p.byStatus.created ?? 0), 0);
    expect(created + refusedPushes.length).toBe(60);
    const storedWorkOrders = (await admin.query('SELECT count(*)::int AS n FROM carsys_work_orders')).rows[0].n as number;
    expect(storedWorkOrders).toBe(created);
    console.log(
      `[faults] pg_terminate_backend: ${sweeps} sweeps over ${(loadMs / 1000).toFixed(1)} s killed ${killed} connections; 0 crashes (order, customer); ${N} orders, ` +
        `${refused.length} answered 503 then 200 on retry, 0 lost; slowest intake answer ${Math.max(...answers.map((a) => a.ms))} ms; ` +
        `60 Carsys pushes: ${created} stored, ${refusedPushes.length} refused 503 (to push again), 0 acknowledged and lost`,
    );
  }, 40_000);
});

describe('fault: PostgreSQL accepts connections and never answers', () => {
  it('the intake answers 503 within the bound, /readyz says not ready, queries fail coded; all recovers', async () => {
    const pid = orderProcess().pid;
    proxy.hang();
    try {
      const t0 = Date.now();
      const placed = await place(1);
      const intakeMs = Date.now() - t0;
      expect(placed.intakeStatus).toBe(503);
      expect(placed.intakeMs!).toBeLessThanOrEqual(BOUND_MS + 1_500);

      const r0 = Date.now();
      const ready = await fetch(new URL('/readyz', orderUrl));
      const readyMs = Date.now() - r0;
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { dependencies: Record<string, string> }).dependencies.database).toBe('down');
      expect(readyMs).toBeLessThanOrEqual(3_500);

      // the gateway stays ready (it can serve its supergraph) and says which subgraph is not, and why
      const gatewayReady = await fetch(stack.gatewayUrl.replace(/\/graphql$/, '/readyz'));
      expect(gatewayReady.status).toBe(200);
      const gw = (await gatewayReady.json()) as { status: string; subgraphs: { name: string; ready: boolean; dependencies?: Record<string, string> }[] };
      expect(gw.status).toBe('degraded');
      expect(gw.subgraphs.find((x) => x.name === 'order')).toMatchObject({ ready: false, dependencies: { database: 'down' } });

      const header = { [CALLER_HEADER]: signCallerIdentity({ kind: 'partner', id: 'p', customers: ['M123', 'M125'], roles: [] }, SECRET) };
      const q0 = Date.now();
      const res = await gql<{ orders: unknown }>(orderUrl, '{ orders(first: 5) { edges { node { id } } } }', {}, header);
      const queryMs = Date.now() - q0;
      expect(res.errors?.[0]?.extensions?.code).toBe('STORE_UNAVAILABLE');
      expect(JSON.stringify(res.errors)).not.toMatch(/127\.0\.0\.1|timeout exceeded|Query read timeout/);
      expect(queryMs).toBeLessThanOrEqual(BOUND_MS + 1_500);

      console.log(`[faults] PostgreSQL hung: intake 503 after ${placed.intakeMs} ms (test saw ${intakeMs} ms), /readyz 503 after ${readyMs} ms, query STORE_UNAVAILABLE after ${queryMs} ms; bound ${BOUND_MS} ms`);

      proxy.resume();
      let status = 0;
      const deadline = Date.now() + 15_000;
      while (status !== 200 && Date.now() < deadline) {
        status = (await reopen(placed.orderId)).intakeStatus ?? 0;
        if (status !== 200) await sleep(300);
      }
      expect(status).toBe(200);
      expect((await fetch(new URL('/readyz', orderUrl))).status).toBe(200);
      const after = (await (await fetch(stack.gatewayUrl.replace(/\/graphql$/, '/readyz'))).json()) as { subgraphs: { name: string; ready: boolean; dependencies?: Record<string, string> }[] };
      expect(after.subgraphs.find((x) => x.name === 'order')).toMatchObject({ ready: true, dependencies: { database: 'up' } });
      expect(after.subgraphs.find((x) => x.name === 'vehicle')).toMatchObject({ ready: false, error: 'unreachable' });
      await expect.poll(async () => (await sandboxOrder(placed.orderId)).statuses.some((s) => s.status === 'OrderReceived'), { timeout: 10_000 }).toBe(true);
    } finally {
      proxy.resume();
    }
    expect(orderProcess().exitCode).toBeNull();
    expect(orderProcess().pid).toBe(pid);
  }, 40_000);
});
