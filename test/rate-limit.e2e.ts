import { randomUUID } from 'node:crypto';
import { createClient as createWsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEV_PARTNER, sandboxReset, sandboxStats } from './support/graphql';
import { freePort, spawnService, waitForHttp, type ChildService } from './support/processes';
import { redisUrlForTests } from './support/services';
import { startStack, type Stack } from './support/stack';

/**
 * Per-caller rate limits over HTTP, shared by two gateway processes through the real Redis: the anonymous
 * caller (by address) gets ANON operations per window in total, whichever instance it reaches; the
 * partner key its own, larger budget. Refusals are HTTP 429 with Retry-After and cost no vendor call.
 */
const redisUrl = redisUrlForTests();
const ANON = 6;
const AUTH = 10;
let stack: Stack;
let second: ChildService;
let secondUrl: string;

describe.skipIf(!redisUrl)('rate limits across gateway instances (Redis)', () => {
  beforeAll(async () => {
    stack = await startStack({
      sandboxes: ['mmp'],
      subgraphs: ['vehicle'],
      gateway: true,
      env: {
        REDIS_URL: redisUrl!,
        GATEWAY_RATE_LIMIT_PREFIX: `switchboard:test-rate:${randomUUID()}`,
        GATEWAY_RATE_LIMIT_ANONYMOUS: String(ANON),
        GATEWAY_RATE_LIMIT_AUTHENTICATED: String(AUTH),
        GATEWAY_RATE_WINDOW_S: '120',
      },
    });
    const port = await freePort();
    second = spawnService('gateway-2', 'gateway/main.ts', { ...stack.env, GATEWAY_PORT: String(port) });
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, 45_000, second.child);
    secondUrl = `http://127.0.0.1:${port}/graphql`;
  });
  afterAll(async () => {
    await second?.stop();
    await stack?.stop();
  });

  const ask = (url: string, headers: Record<string, string> = {}) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: '{ vehicle(plate: "ABC123") { plate } }' }) });

  it('anonymous: the limit is shared by both instances, then 429 with Retry-After and no vendor call', async () => {
    await sandboxReset(stack.sandboxUrl('mmp'));
    const statuses: number[] = [];
    for (let i = 0; i < ANON; i++) statuses.push((await ask(i % 2 ? secondUrl : stack.gatewayUrl)).status);
    expect(statuses).toEqual(Array(ANON).fill(200));
    const callsBefore = (await sandboxStats(stack.sandboxUrl('mmp'))).dataRequests;

    for (const url of [stack.gatewayUrl, secondUrl]) {
      const res = await ask(url);
      expect(res.status).toBe(429);
      const retry = Number(res.headers.get('retry-after'));
      expect(retry).toBeGreaterThanOrEqual(1);
      expect(retry).toBeLessThanOrEqual(120);
      const body = (await res.json()) as { errors: { extensions: Record<string, unknown> }[] };
      expect(body.errors[0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: ANON, requestId: res.headers.get('x-request-id') });
      expect(body.errors[0]!.extensions.requestId).toEqual(expect.any(String));
    }
    expect((await sandboxStats(stack.sandboxUrl('mmp'))).dataRequests).toBe(callsBefore);
  });

  it('an authenticated partner has its own, larger budget', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < AUTH + 1; i++) statuses.push((await ask(i % 2 ? secondUrl : stack.gatewayUrl, DEV_PARTNER)).status);
    expect(statuses.slice(0, AUTH)).toEqual(Array(AUTH).fill(200));
    expect(statuses[AUTH]).toBe(429);
  });

  it('graphql-ws operations count against the same budget (the partner has spent it over HTTP)', async () => {
    const client = createWsClient({ url: secondUrl.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams: DEV_PARTNER, retryAttempts: 0 });
    try {
      const results: { errors?: readonly { extensions?: Record<string, unknown> }[] }[] = [];
      for await (const r of client.iterate({ query: '{ vehicle(plate: "ABC123") { plate } }' })) results.push(r as never);
      expect(results[0]?.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: AUTH });
    } finally {
      await client.dispose();
    }
  });
});
