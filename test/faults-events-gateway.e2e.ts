import { randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEV_PARTNER_KEY } from '../platform/config/auth';
import { startPrivateRedis, type PrivateRedis } from './support/redis-server';
import { startStack, type Stack } from './support/stack';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy';
import { createThrowawayDatabase, TEST_DATABASE_URL } from './support/throwaway-postgres';

/**
 * Never silence, end to end: a partner follows orders through the gateway; Redis and PostgreSQL both go
 * away for longer than ORDER_EVENT_MAX_GAP_MS. The partner's stream ends with EVENTS_INTERRUPTED and the
 * event id to resume after — through the gateway — and resuming with that afterEventId once the backing
 * services are back yields every event it missed, once.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Result = { data?: { orderStatusChanged: { eventId: string; status: string; orderId: string } }; errors?: { message: string; extensions?: Record<string, unknown> }[] };

describe('fault: live events through the gateway when they cannot be kept gap-free', () => {
  let redis: PrivateRedis;
  let proxy: TcpProxy;
  let database: Awaited<ReturnType<typeof createThrowawayDatabase>>;
  let stack: Stack;
  const clients: Client[] = [];

  beforeAll(async () => {
    redis = await startPrivateRedis();
    database = await createThrowawayDatabase();
    const target = new URL(TEST_DATABASE_URL);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(database.url);
    viaProxy.port = String(proxy.port);
    stack = await startStack({
      sandboxes: ['vitec'],
      subgraphs: ['order'],
      gateway: true,
      env: {
        REDIS_URL: redis.url,
        DATABASE_URL: viaProxy.toString(),
        DB_CONNECT_TIMEOUT_MS: '500',
        DB_STATEMENT_TIMEOUT_MS: '1000',
        ORDER_EVENT_MAX_GAP_MS: '2000',
        ORDER_EVENTS_CHANNEL: `test:order-events:${randomUUID()}`,
        ORDER_JOB_POLL_MS: '200',
      },
    });
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    proxy?.resume();
    await stack?.stop();
    await proxy?.close();
    await database?.drop();
    await redis?.kill();
  });

  const follow = (afterEventId?: string) => {
    const client = createClient({ url: stack.gatewayUrl.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams: { 'x-api-key': DEV_PARTNER_KEY }, retryAttempts: 0 });
    clients.push(client);
    const results: Result[] = [];
    let completed = false;
    const stream = client.iterate({
      query: 'subscription($after: ID) { orderStatusChanged(afterEventId: $after) { eventId status orderId } }',
      variables: afterEventId ? { after: afterEventId } : {},
    });
    const done = (async () => {
      for await (const r of stream) results.push(r as Result);
      completed = true;
    })().catch((err) => results.push({ errors: [{ message: String(err) }] }));
    return { results, done, completed: () => completed };
  };
  const place = async () => {
    const res = await fetch(`${stack.sandboxUrl('vitec')}/__sandbox/place-order`, { method: 'POST', body: JSON.stringify({ customerId: 'M125', authMode: 'none' }) });
    return (await res.json()) as { intakeStatus?: number };
  };

  it('ends with EVENTS_INTERRUPTED + resumeAfterEventId; resuming with it yields every missed event once', async () => {
    const live = follow();
    await sleep(500);
    expect((await place()).intakeStatus).toBe(200);
    await expect.poll(() => live.results.length, { timeout: 10_000 }).toBe(2); // RECEIVED, ACKNOWLEDGED
    const lastSeen = live.results.at(-1)!.data!.orderStatusChanged.eventId;

    await redis.kill();
    proxy.hang();
    await Promise.race([live.done, sleep(10_000)]);
    expect(live.completed()).toBe(true);
    const final = live.results.at(-1)!;
    expect(final.data ?? null).toBeNull();
    expect(final.errors?.[0]?.extensions).toMatchObject({ code: 'EVENTS_INTERRUPTED', resumeAfterEventId: lastSeen });

    // both come back; orders placed meanwhile are the events the partner missed
    proxy.resume();
    await redis.start();
    for (let i = 0; i < 3; i++) expect((await place()).intakeStatus).toBe(200);
    const resumed = follow(final.errors![0]!.extensions!.resumeAfterEventId as string);
    await expect.poll(() => resumed.results.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(6);
    await sleep(500);
    const ids = resumed.results.map((r) => r.data!.orderStatusChanged.eventId);
    expect(new Set(ids).size).toBe(6);
    expect(ids.every((id) => Number(id) > Number(lastSeen))).toBe(true);
  }, 40_000);
});
