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
import { startPrivateRedis, type PrivateRedis } from '../../test/support/redis-server';
import { startTcpProxy, type TcpProxy } from '../../test/support/tcp-proxy';
import { createThrowawayDatabase } from '../../test/support/throwaway-postgres';
import { createVitecClient } from '../../vendors/vitec/client';
import { startVitecSandbox, VITEC_SANDBOX_CONNECT, VITEC_SANDBOX_INTAKE } from '../../vendors/vitec/sandbox/server';
import { startOrderServer } from './server';
import { createOrderSubgraph } from './subgraph';
import { orderMigrations } from './store';

/**
 * Never silence: when a live stream cannot be kept gap-free — Redis is away AND the event store does not
 * answer for longer than the bound — the subscriber gets a coded error telling it where to resume, then
 * the end of the stream. A private redis-server and PostgreSQL behind a TCP proxy that can go silent.
 */
const SECRET = 'events-test-signing-secret';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('order event stream that cannot be kept gap-free', () => {
  let redis: PrivateRedis;
  let proxy: TcpProxy;
  let database: Awaited<ReturnType<typeof createThrowawayDatabase>>;
  let sandbox: RunningSandbox;
  let store: Store;
  let client: RedisClient;
  let pubsub: PubSub;
  let server: Awaited<ReturnType<typeof startOrderServer>>;
  let ws: Client;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    database = await createThrowawayDatabase();
    const target = new URL(database.url);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    target.port = String(proxy.port);
    store = createPostgresStore(target.toString(), { connectTimeoutMs: 500, statementTimeoutMs: 500 });
    await migrate(store, orderMigrations);
    client = await connectRedis(redis.url, silentLogger);
    pubsub = createRedisPubSub(client, silentLogger);
    sandbox = await startVitecSandbox({ port: 0, orderUrl: 'http://127.0.0.1:1/vitec/order' });
    const subgraph = createOrderSubgraph({
      store,
      vitec: createVitecClient({ http: createHttpClient({ vendor: 'vitec', baseUrl: sandbox.url, timeoutMs: 3000 }), ...VITEC_SANDBOX_CONNECT }),
      pubsub,
      log: silentLogger,
      channel: `test:order-events:${randomUUID()}`,
      signingSecret: SECRET,
      customers: [{ customerId: 'M125', authMode: 'none' }],
      intakeBasic: VITEC_SANDBOX_INTAKE,
      autoAcknowledge: true,
      replayHours: 1,
      events: { catchUpPollMs: 200, maxGapMs: 1_500 },
    });
    server = await startOrderServer(subgraph, { store, log: silentLogger, port: 0, jobPollMs: 200 });
    ws = createClient({ url: server.url.replace('http', 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
  });
  afterAll(async () => {
    await ws?.dispose();
    proxy?.resume();
    await server?.close();
    await pubsub?.close();
    await closeRedis(client);
    await store?.close();
    await sandbox?.close();
    await proxy?.close();
    await database?.drop();
    await redis?.kill();
  });

  it('ends with EVENTS_INTERRUPTED and the event id to resume after', async () => {
    const header = { [CALLER_HEADER]: signCallerIdentity({ kind: 'partner', id: 'p', customers: ['M125'], roles: [] }, SECRET) };
    const results: { data?: unknown; errors?: { extensions?: Record<string, unknown> }[] }[] = [];
    let completed = false;
    const stream = ws.iterate({ query: 'subscription { orderStatusChanged { eventId status } }', extensions: { headers: header } });
    const reading = (async () => {
      for await (const r of stream) results.push(r as never);
      completed = true;
    })();
    await sleep(300);
    // one event goes out live, so the resume point is a real event id
    const intake = await fetch(`${server.url.replace('/graphql', '')}/vitec/order?customerId=M125&orderId=o-1&userId=u&currentUserId=u`);
    expect(intake.status).toBe(200);
    // RECEIVED, then processing's verdict (ERROR here: this sandbox never placed the order)
    await expect.poll(() => results.length, { timeout: 5_000 }).toBe(2);
    const [first, second] = results.map((r) => (r.data as { orderStatusChanged: { eventId: string; status: string } }).orderStatusChanged);
    expect(first!.status).toBe('RECEIVED');
    const lastSeen = second!.eventId;

    await redis.kill();
    proxy.hang();
    const t0 = Date.now();
    await Promise.race([reading, sleep(8_000)]);
    const endedAfter = Date.now() - t0;
    expect(completed).toBe(true);
    const final = results.at(-1)!;
    expect(final.errors?.[0]?.extensions).toMatchObject({ code: 'EVENTS_INTERRUPTED', resumeAfterEventId: lastSeen });
    expect(endedAfter).toBeLessThan(5_000); // maxGapMs 1.5 s + a poll + the store's own bound
  }, 30_000);
});
