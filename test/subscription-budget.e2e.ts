import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEV_PARTNER_KEY } from '../platform/config/auth';
import { startStack, type Stack } from './support/stack';

/**
 * The gateway's per-operation deadline (`use-deadlines`) must never end a subscription: a subscription
 * stays open well past the query budget and still delivers the events of an order placed then.
 */
const QUERY_BUDGET_MS = 1_000;
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ sandboxes: ['vitec'], subgraphs: ['order'], gateway: true, env: { ORDER_JOB_POLL_MS: '200', GATEWAY_QUERY_BUDGET_MS: String(QUERY_BUDGET_MS) } });
}, 90_000);
afterAll(() => stack?.stop());

describe('deadlines and subscriptions', () => {
  it('a subscription outlives the query budget and keeps delivering', async () => {
    const client = createClient({ url: stack.gatewayUrl.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams: { 'x-api-key': DEV_PARTNER_KEY }, retryAttempts: 0 });
    const statuses: string[] = [];
    let ended = false;
    const subscription = client.iterate<{ orderStatusChanged: { status: string } }>({ query: 'subscription { orderStatusChanged { status } }' });
    const collecting = (async () => {
      for await (const r of subscription) {
        expect(r.errors).toBeUndefined();
        statuses.push(r.data!.orderStatusChanged.status);
        if (statuses.length === 2) break;
      }
      ended = true;
    })();
    await new Promise((r) => setTimeout(r, QUERY_BUDGET_MS * 2.5));
    expect(ended).toBe(false);
    const placed = await fetch(`${stack.sandboxUrl('vitec')}/__sandbox/place-order`, { method: 'POST', body: JSON.stringify({ customerId: 'M125', authMode: 'none' }) });
    expect(placed.status).toBe(200);
    await Promise.race([collecting, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${statuses.length} events arrived`)), 15_000))]);
    await client.dispose();
    expect(statuses).toEqual(['RECEIVED', 'ACKNOWLEDGED']);
  });
});
