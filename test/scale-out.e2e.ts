import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEV_PARTNER_KEY } from '../platform/config/auth';
import { percentile } from '../platform/metrics';
import { startHaproxy, type LoadBalancer } from './support/load-balancer';
import { freePort, spawnService, waitForHttp, type ChildService } from './support/processes';
import { redisUrlForTests } from './support/services';
import { createThrowawayDatabase } from './support/throwaway-postgres';

/**
 * Scale-out on one machine: two gateways behind HAProxy, two replicas of every subgraph (each pool behind
 * its own HAProxy frontend, as Kubernetes Services would be; `SCALE_OUT_LIGHT=1` keeps two replicas of Order
 * and Vehicle only, one of the others), one Redis, one PostgreSQL, the vendor
 * sandboxes. Under a steady stream of Vitec order intakes (Vitec opens the order URL on the gateway host,
 * through the load balancer) and queries, with live order subscribers that resume with `afterEventId`
 * whenever their stream ends, one replica of each kind is stopped with SIGTERM (graceful drain) and
 * restarted, then the other replica of each kind is killed with SIGKILL and restarted.
 *
 * Asserted: every intake Vitec got a 200 for is in PostgreSQL and reaches its final status (orders lost: 0);
 * every subscriber, resuming after each end, received every event in the database once and in id order
 * (events lost: 0); the drains exit 0; no request fails during the graceful stop. Printed: requests and their
 * failures by code per phase, intake retries, resumes, and the time until full service after each stop.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Every subgraph × 2 by default (as deployed); SCALE_OUT_LIGHT=1 keeps two replicas of Order and Vehicle only. */
const FULL = process.env.SCALE_OUT_LIGHT !== '1';
/** SCALE_OUT_LB_RETRY=0: HAProxy without retries, to measure what a kill -9 costs the requests in flight */
const LB_RETRY = process.env.SCALE_OUT_LB_RETRY !== '0';
const redisUrl = redisUrlForTests();

type Phase = 'steady' | 'sigterm' | 'sigkill' | 'after';
interface Outcome {
  at: number;
  phase: Phase;
  kind: 'query' | 'intake';
  ok: boolean;
  code: string;
  ms: number;
}

const subgraphNames = FULL ? ['vehicle', 'customer', 'capacity', 'order', 'coverage'] : ['vehicle', 'order'];
const sandboxNames = FULL ? ['mmp', 'carsys', 'customerconnect', 'vitec', 'ozmap'] : ['mmp', 'vitec'];

describe.skipIf(!redisUrl)('scale-out: 2 gateways behind HAProxy, 2 replicas per subgraph, a graceful stop then a kill -9 of each kind under load', () => {
  let database: Awaited<ReturnType<typeof createThrowawayDatabase>>;
  let lb: LoadBalancer;
  const replicas = new Map<string, { svc: ChildService; entry: string; env: Record<string, string>; port: number }>();
  const sandboxes: ChildService[] = [];
  const clients: Client[] = [];

  const entryOf = (kind: string) => (kind === 'gateway' ? 'gateway/main.ts' : `subgraphs/${kind}/main.ts`);
  const portVar = (kind: string) => (kind === 'gateway' ? 'GATEWAY_PORT' : `${kind.toUpperCase()}_PORT`);
  const startReplica = async (name: string) => {
    const r = replicas.get(name)!;
    r.svc = spawnService(name, r.entry, r.env);
    await waitForHttp(`http://127.0.0.1:${r.port}/readyz`, 45_000, r.svc.child).catch((err) => {
      throw new Error(`${name}: ${(err as Error).message}\n${r.svc.output()}`);
    });
  };

  beforeAll(async () => {
    database = await createThrowawayDatabase();
    const ports: Record<string, number> = {};
    const names = [...subgraphNames.flatMap((s) => [`${s}-1`, `${s}-2`]), 'gateway-1', 'gateway-2'];
    for (const n of [...names, ...sandboxNames.map((v) => `${v}-sandbox`)]) ports[n] = await freePort();
    lb = await startHaproxy([
      { name: 'gateway', servers: ['gateway-1', 'gateway-2'].map((n) => ({ name: n, port: ports[n]! })) },
      ...subgraphNames.map((s) => ({ name: s, servers: [`${s}-1`, `${s}-2`].map((n) => ({ name: n, port: ports[n]! })) })),
    ], { retry: LB_RETRY });
    const env: Record<string, string> = {
      DATA_DIR: mkdtempSync(join(tmpdir(), 'switchboard-scale-')),
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl!,
      ORDER_EVENTS_CHANNEL: `test:order-events:${randomUUID()}`,
      GATEWAY_RATE_LIMIT_PREFIX: `switchboard:test-rate:${randomUUID()}`,
      GATEWAY_RATE_LIMIT_ANONYMOUS: '1000000',
      GATEWAY_RATE_LIMIT_AUTHENTICATED: '1000000',
      VITEC_INTAKE_RATE_PER_OFFICE: '1000000',
      VITEC_INTAKE_RATE_PER_ADDRESS: '1000000',
      ORDER_JOB_POLL_MS: '200',
      ORDER_JOB_LEASE_MS: '1500',
      // HAProxy checks /readyz every 300 ms, out after 2 failures: 1.5 s of not-ready serving takes a
      // draining replica out before its port closes
      SHUTDOWN_DELAY_MS: '1500',
      SHUTDOWN_GRACE_MS: '5000',
      VITEC_ORDER_CALLBACK_URL: lb.url('gateway', '/vitec/order'),
    };
    for (const v of sandboxNames) {
      env[`${v.toUpperCase()}_SANDBOX_PORT`] = String(ports[`${v}-sandbox`]);
      env[`${v.toUpperCase()}_BASE_URL`] = `http://127.0.0.1:${ports[`${v}-sandbox`]}`;
    }
    // every subgraph URL is its pool's frontend; the ones not started in the light run point at a closed port
    const closed = await freePort();
    for (const s of ['vehicle', 'customer', 'capacity', 'order', 'coverage']) {
      env[`${s.toUpperCase()}_URL`] = subgraphNames.includes(s) ? lb.url(s, '/graphql') : `http://127.0.0.1:${closed}/graphql`;
    }
    sandboxes.push(...sandboxNames.map((v) => spawnService(`${v}-sandbox`, `vendors/${v}/sandbox/main.ts`, env)));
    await Promise.all(sandboxNames.map((v, i) => waitForHttp(`http://127.0.0.1:${ports[`${v}-sandbox`]}/__sandbox/stats`, 45_000, sandboxes[i]!.child)));
    for (const n of names) {
      const kind = n.replace(/-\d$/, '');
      replicas.set(n, { svc: undefined as never, entry: entryOf(kind), env: { ...env, [portVar(kind)]: String(ports[n]) }, port: ports[n]! });
    }
    // replica 1 of every subgraph first (it runs the migrations), then the rest together
    await Promise.all(subgraphNames.map((s) => startReplica(`${s}-1`)));
    await Promise.all([...subgraphNames.map((s) => startReplica(`${s}-2`)), startReplica('gateway-1'), startReplica('gateway-2')]);
    await until('HAProxy sees every replica up', async () => Object.values(await lb.states()).every((s) => s === 'UP'), 10_000);
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) await Promise.resolve(c.dispose()).catch(() => undefined);
    await Promise.all([...replicas.values()].map((r) => r.svc?.stop('SIGKILL')));
    await Promise.all(sandboxes.map((s) => s.stop('SIGKILL')));
    await lb?.stop();
    await database?.drop();
  });

  async function until(what: string, ok: () => boolean | Promise<boolean>, ms: number) {
    const end = Date.now() + ms;
    while (!(await Promise.resolve(ok()).catch(() => false))) {
      if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
      await sleep(100);
    }
  }

  it('loses no accepted order and no event; a graceful stop fails no request', async () => {
    const gatewayUrl = lb.url('gateway', '/graphql');
    const vitec = `http://127.0.0.1:${replicas.get('order-1')!.env.VITEC_SANDBOX_PORT}`;
    const outcomes: Outcome[] = [];
    let phase: Phase = 'steady';
    let running = true;

    // --- live subscribers: follow every order, resume with the last eventId whenever the stream ends ----
    type Sub = { received: number[]; outOfOrder: number; ends: Record<string, number>; resumes: number; stop: () => void; done: Promise<void> };
    const subscribe = (id: number): Sub => {
      const sub: Sub = { received: [], outOfOrder: 0, ends: {}, resumes: 0, stop: () => undefined, done: Promise.resolve() };
      let last = '0';
      let stopped = false;
      let client: Client | undefined;
      sub.stop = () => {
        stopped = true;
        if (client) void Promise.resolve(client.dispose()).catch(() => undefined);
      };
      sub.done = (async () => {
        while (!stopped) {
          let closeCode: number | undefined;
          client = createClient({ url: gatewayUrl.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams: { 'x-api-key': DEV_PARTNER_KEY }, retryAttempts: 0, on: { closed: (e) => void (closeCode = (e as { code: number }).code) } });
          clients.push(client);
          let reason = 'completed';
          try {
            let previous = 0;
            for await (const r of client.iterate({ query: 'subscription($after: ID) { orderStatusChanged(afterEventId: $after) { eventId status orderId } }', variables: { after: last } })) {
              const res = r as { data?: { orderStatusChanged: { eventId: string } }; errors?: { extensions?: { code?: string } }[] };
              if (res.data?.orderStatusChanged) {
                last = res.data.orderStatusChanged.eventId;
                if (Number(last) < previous) sub.outOfOrder++;
                previous = Number(last);
                sub.received.push(Number(last));
              } else reason = String(res.errors?.[0]?.extensions?.code ?? 'error');
            }
          } catch {
            reason = `ws close ${closeCode ?? '?'}`;
          }
          await Promise.resolve(client.dispose()).catch(() => undefined);
          if (stopped) break;
          sub.ends[reason] = (sub.ends[reason] ?? 0) + 1;
          sub.resumes++;
          await sleep(100 + id * 50);
        }
      })();
      return sub;
    };
    const subs = [0, 1, 2].map(subscribe);
    await sleep(1000);

    // --- load: Vitec intakes (retried like Vitec retries a failed open) and queries, through HAProxy -----
    const accepted = new Set<string>();
    let intakeRetries = 0;
    const intakeLoop = async () => {
      while (running) {
        const t = Date.now();
        const res = await fetch(`${vitec}/__sandbox/place-order`, { method: 'POST', body: JSON.stringify({ customerId: 'M125', authMode: 'none' }) });
        const body = (await res.json()) as { orderId: string; intakeStatus?: number };
        let status = body.intakeStatus ?? res.status;
        outcomes.push({ at: t, phase, kind: 'intake', ok: status === 200, code: String(status), ms: Date.now() - t });
        for (let attempt = 0; status !== 200 && attempt < 40; attempt++) {
          await sleep(250);
          intakeRetries++;
          const again = (await (await fetch(`${vitec}/__sandbox/reopen-order`, { method: 'POST', body: JSON.stringify({ orderId: body.orderId }) })).json()) as { intakeStatus?: number };
          status = again.intakeStatus ?? 0;
        }
        if (status === 200) accepted.add(body.orderId);
        await sleep(40);
      }
    };
    const queryLoop = async () => {
      while (running) {
        const t = Date.now();
        let ok = false;
        let code = '';
        try {
          const res = await fetch(gatewayUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': DEV_PARTNER_KEY },
            body: JSON.stringify({ query: '{ vehicle(plate: "ABC123") { plate information { vin } } orders(first: 3) { edges { node { id status } } } }' }),
          });
          const text = await res.text();
          let body: { data?: { vehicle?: { information?: unknown } }; errors?: { extensions?: { code?: string } }[] } = {};
          try {
            body = JSON.parse(text) as typeof body;
          } catch {
            if (process.env.SCALE_OUT_DEBUG) console.log('non-JSON', res.status, Date.now(), text.slice(0, 200));
          }
          ok = res.status === 200 && !body.errors?.length && Boolean(body.data?.vehicle?.information);
          code = ok ? '200' : `${res.status}${body.errors?.length ? ` ${body.errors.map((e) => e.extensions?.code).join('+')}` : ''}`;
        } catch (err) {
          code = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
        }
        outcomes.push({ at: t, phase, kind: 'query', ok, code, ms: Date.now() - t });
      }
    };
    const load = Promise.all([intakeLoop(), intakeLoop(), queryLoop(), queryLoop(), queryLoop()]);

    const kinds = ['gateway', ...subgraphNames];
    const recovery: Record<string, { stoppedAt: number; exit?: number | null; drainMs?: number; lbOutMs?: number; backMs?: number }> = {};
    const lbState = async (name: string) => (await lb.states())[name];
    const stopAndRestart = async (suffix: '1' | '2', signal: NodeJS.Signals) => {
      await Promise.all(
        kinds.map(async (kind) => {
          const name = `${kind}-${suffix}`;
          const r = replicas.get(name)!;
          const stoppedAt = Date.now();
          const rec = (recovery[`${name} ${signal}`] = { stoppedAt } as (typeof recovery)[string]);
          const exited = new Promise<number | null>((resolve) => r.svc.child.once('exit', (code) => resolve(code)));
          r.svc.child.kill(signal);
          const out = until(`${name} out of HAProxy`, async () => (await lbState(name)) !== 'UP', 10_000).then(() => (rec.lbOutMs = Date.now() - stoppedAt));
          rec.exit = await exited;
          rec.drainMs = Date.now() - stoppedAt;
          await out;
          if (signal === 'SIGKILL') await sleep(1000); // a supervisor's restart delay
          await startReplica(name);
          await until(`${name} back in HAProxy`, async () => (await lbState(name)) === 'UP', 10_000);
          rec.backMs = Date.now() - stoppedAt;
        }),
      );
    };

    await sleep(3000);
    phase = 'sigterm';
    const sigtermAt = Date.now();
    await stopAndRestart('1', 'SIGTERM');
    phase = 'steady';
    await sleep(2000);
    phase = 'sigkill';
    const sigkillAt = Date.now();
    await stopAndRestart('2', 'SIGKILL');
    phase = 'after';
    await sleep(3000);
    running = false;
    await load;

    // --- orders lost: every accepted intake is in PostgreSQL and processed ------------------------------
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      const final = async () =>
        (await db.query<{ vitec_order_id: string; status: string }>(`SELECT vitec_order_id, status FROM orders WHERE vitec_order_id = ANY($1)`, [[...accepted]])).rows;
      await until('every accepted order processed', async () => (await final()).filter((r) => r.status === 'ACKNOWLEDGED').length === accepted.size, 30_000).catch(() => undefined);
      const rows = await final();
      const stored = new Set(rows.map((r) => r.vitec_order_id));
      const notStored = [...accepted].filter((id) => !stored.has(id));
      const notFinal = rows.filter((r) => r.status !== 'ACKNOWLEDGED');

      // --- events lost: each subscriber has every event of the database, once ------------------------
      const allEvents = async () => (await db.query<{ id: string }>(`SELECT id FROM order_events WHERE customer_id = 'M125' ORDER BY id`)).rows.map((r) => Number(r.id));
      await until('subscribers caught up', async () => {
        const all = await allEvents();
        return subs.every((s) => all.every((id) => s.received.includes(id)));
      }, 20_000).catch(() => undefined);
      for (const s of subs) s.stop();
      const all = await allEvents();
      const lost = subs.map((s) => all.filter((id) => !s.received.includes(id)).length);
      const duplicates = subs.map((s) => s.received.length - new Set(s.received).size);

      // --- figures --------------------------------------------------------------------------------------
      const byPhase = (p: Phase | 'all') => outcomes.filter((o) => p === 'all' || o.phase === p);
      const summary = (os: Outcome[]) => {
        const failed = os.filter((o) => !o.ok);
        const codes: Record<string, number> = {};
        for (const f of failed) codes[`${f.kind} ${f.code}`] = (codes[`${f.kind} ${f.code}`] ?? 0) + 1;
        return { requests: os.length, failed: failed.length, codes, p99ms: Math.round(percentile(os.map((o) => o.ms), 99)) };
      };
      // by the time a request ended (its phase is the one it ended in, too)
      const lastFailure = (from: number, to: number) => {
        const f = outcomes.filter((o) => !o.ok && o.at + o.ms >= from && o.at + o.ms < to);
        return f.length ? Math.max(...f.map((o) => o.at + o.ms)) - from : 0;
      };
      const figures = {
        replicas: { gateway: 2, ...Object.fromEntries(subgraphNames.map((s) => [s, 2])) },
        durationS: Math.round((Math.max(...outcomes.map((o) => o.at)) - Math.min(...outcomes.map((o) => o.at))) / 1000),
        requests: { all: summary(byPhase('all')), duringSigterm: summary(byPhase('sigterm')), duringSigkill: summary(byPhase('sigkill')) },
        intakes: { accepted: accepted.size, retriedOpens: intakeRetries },
        ordersLost: notStored.length,
        ordersNotFinal: notFinal.length,
        events: { inDatabase: all.length, lostPerSubscriber: lost, duplicatesPerSubscriber: duplicates, outOfIdOrderPerSubscriber: subs.map((s) => s.outOfOrder), endsPerSubscriber: subs.map((s) => s.ends) },
        loadBalancerRetries: await lb.retries(),
        timeUntilFullServiceMs: {
          sigtermLastFailureAfterStop: lastFailure(sigtermAt, sigkillAt),
          sigkillLastFailureAfterKill: lastFailure(sigkillAt, Date.now()),
        },
        perReplica: Object.fromEntries(Object.entries(recovery).map(([k, v]) => [k, { exit: v.exit, exitMs: v.drainMs, outOfLbMs: v.lbOutMs, backInLbMs: v.backMs }])),
      };
      console.log(`scale-out figures\n${JSON.stringify(figures, null, 2)}`);

      expect(notStored, 'accepted intakes missing from PostgreSQL').toEqual([]);
      expect(notFinal, 'accepted orders not processed').toEqual([]);
      expect(lost, 'events lost to resuming subscribers').toEqual(subs.map(() => 0));
      // Events reach every subscriber in id order although two Order replicas write them (commit-ordered ids,
      // gaps read from the store: subgraphs/order/events.ts), so resuming after the last one received
      // neither misses nor repeats one.
      expect(subs.map((s) => s.outOfOrder), 'events out of id order').toEqual(subs.map(() => 0));
      expect(duplicates, 'events delivered twice').toEqual(subs.map(() => 0));
      for (const kind of kinds) expect(recovery[`${kind}-1 SIGTERM`]!.exit, `${kind} drained`).toBe(0);
      expect(summary(byPhase('sigterm')).failed, JSON.stringify(summary(byPhase('sigterm')).codes)).toBe(0);
      expect(accepted.size).toBeGreaterThan(20);
      expect(subs.every((s) => s.resumes >= 1)).toBe(true);
    } finally {
      await db.end();
    }
  }, 150_000);
});
