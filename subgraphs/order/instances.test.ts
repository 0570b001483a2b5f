import { randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CALLER_HEADER, signCallerIdentity } from '../../platform/caller-identity';
import { createPostgresStore, migrate, type Store } from '../../platform/db';
import { createHttpClient } from '../../platform/http-client';
import { silentLogger } from '../../platform/logger';
import { createRedisPubSub, type PubSub } from '../../platform/pubsub';
import { closeRedis, connectRedis, type RedisClient } from '../../platform/redis';
import type { RunningSandbox } from '../../platform/sandbox';
import { freePort } from '../../test/support/processes';
import { redisUrlForTests } from '../../test/support/services';
import { createThrowawayDatabase } from '../../test/support/throwaway-postgres';
import { createVitecClient } from '../../vendors/vitec/client';
import { startVitecSandbox, VITEC_SANDBOX_CONNECT, VITEC_SANDBOX_INTAKE, type SandboxOrder } from '../../vendors/vitec/sandbox/server';
import { startOrderServer } from './server';
import { createOrderSubgraph } from './subgraph';
import { orderMigrations } from './store';

/**
 * Two Order instances sharing one PostgreSQL database and one Redis: each subscriber, whichever instance
 * it is connected to, receives every event once, and each order is processed by exactly one instance.
 */
const redisUrl = redisUrlForTests();
const SECRET = 'instances-test-signing-secret';

describe.runIf(redisUrl)('several Order instances (REDIS_URL, PostgreSQL at TEST_DATABASE_URL)', () => {
  let database: Awaited<ReturnType<typeof createThrowawayDatabase>>;
  const channel = `test:order-events:${randomUUID()}`;
  let sandbox: RunningSandbox;
  const stores: Store[] = [];
  const redises: RedisClient[] = [];
  const buses: PubSub[] = [];
  const servers: Awaited<ReturnType<typeof startOrderServer>>[] = [];
  const clients: Client[] = [];

  beforeAll(async () => {
    database = await createThrowawayDatabase();
    const url = new URL(database.url);
    const portA = await freePort();
    sandbox = await startVitecSandbox({ port: 0, orderUrl: `http://127.0.0.1:${portA}/vitec/order` });
    for (const port of [portA, 0]) {
      const store = createPostgresStore(url.toString());
      await migrate(store, orderMigrations);
      const redis = await connectRedis(redisUrl!, silentLogger);
      const pubsub = createRedisPubSub(redis, silentLogger);
      stores.push(store);
      redises.push(redis);
      buses.push(pubsub);
      const subgraph = createOrderSubgraph({
        store,
        vitec: createVitecClient({ http: createHttpClient({ vendor: 'vitec', baseUrl: sandbox.url, timeoutMs: 3000 }), ...VITEC_SANDBOX_CONNECT }),
        pubsub,
        log: silentLogger,
        channel,
        signingSecret: SECRET,
        customers: [{ customerId: 'M125', authMode: 'none' }, { customerId: 'M123', authMode: 'token' }],
        intakeBasic: VITEC_SANDBOX_INTAKE,
        autoAcknowledge: true,
        replayHours: 1,
      });
      servers.push(await startOrderServer(subgraph, { store, log: silentLogger, port, jobPollMs: 50 }));
    }
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    for (const s of servers) await s.close();
    for (const b of buses) await b.close();
    for (const r of redises) await closeRedis(r);
    for (const s of stores) await s.close();
    await sandbox?.close();
    await database?.drop();
  });

  it('every subscriber gets each event once; every order is processed once', async () => {
    const header = { [CALLER_HEADER]: signCallerIdentity({ kind: 'partner', id: 'p', customers: ['M123', 'M125'], roles: [] }, SECRET) };
    const N = 12;
    const received = servers.map(() => [] as { eventId: string; orderId: string; status: string }[]);
    const done = servers.map((s, i) => {
      const c = createClient({ url: s.url.replace('http', 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
      clients.push(c);
      const it = c.iterate({ query: 'subscription { orderStatusChanged { eventId orderId status } }', extensions: { headers: header } });
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
        fetch(`${sandbox.url}/__sandbox/place-order`, { method: 'POST', body: JSON.stringify({ customerId: i % 2 ? 'M123' : 'M125', authMode: i % 2 ? 'token' : 'none' }) }).then(
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
      const o = (await (await fetch(`${sandbox.url}/__sandbox/orders/${p.orderId}`)).json()) as SandboxOrder;
      expect(o.statuses.map((s) => s.status)).toEqual(['OrderReceived']);
    }
  });
});
