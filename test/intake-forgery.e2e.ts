import { randomBytes, randomUUID } from 'node:crypto';
import { createClient as createSseClient } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_PARTNER, gql, sandboxStats } from './support/graphql';
import { startStack, type Stack } from './support/stack';

/**
 * Forged Vitec order links (seed 001: `/vitec/order?customerId=…&token=…`), opened 200 times through the
 * gateway: the intake is rate-limited per source address and per office, what gets through costs one
 * verification call each, and nothing reaches a partner — no event to a live subscriber, no order listed.
 */
const PER_ADDRESS = 20;
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    sandboxes: ['vitec'],
    subgraphs: ['order'],
    gateway: true,
    env: {
      ORDER_EVENTS_CHANNEL: `test:order-events:${randomUUID()}`,
      ORDER_JOB_POLL_MS: '200',
      VITEC_INTAKE_RATE_PER_ADDRESS: String(PER_ADDRESS),
      VITEC_INTAKE_RATE_PER_OFFICE: '50',
    },
  });
});
afterAll(() => stack?.stop());

const SUB = 'subscription { orderStatusChanged { eventId orderId status } }';
const LIST = '{ orders(first: 100) { edges { node { id status } } } }';
const TOKEN_PATH = 'POST /Service/Order/Token/M123';

describe('forged order links', () => {
  it('200 opens: at most PER_ADDRESS stored and verified, no event to a live subscriber, no order listed', async () => {
    const events: { orderId: string; status: string }[] = [];
    const sse = createSseClient({ url: stack.gatewayUrl, headers: DEV_PARTNER, retryAttempts: 0 });
    const live = (async () => {
      for await (const r of sse.iterate({ query: SUB }) as AsyncIterable<{ data?: { orderStatusChanged: { orderId: string; status: string } } }>) {
        if (r.data) events.push(r.data.orderStatusChanged);
      }
    })();
    await new Promise((r) => setTimeout(r, 500)); // subscribed before the first open

    const intake = stack.gatewayUrl.replace('/graphql', '/vitec/order');
    const statuses: Record<number, number> = {};
    const ids = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const token = randomBytes(40).toString('base64');
      const res = await fetch(`${intake}?customerId=M123&token=${encodeURIComponent(token)}`);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      const id = res.headers.get('x-switchboard-order-id');
      if (id) ids.add(id);
      await res.text();
    }
    expect(statuses[200]).toBe(PER_ADDRESS);
    expect(statuses[429]).toBe(200 - PER_ADDRESS);

    // every accepted forgery is verified once and rejected by Vitec: wait for the verifications to settle
    const vitec = stack.sandboxUrl('vitec');
    const deadline = Date.now() + 15_000;
    let verifications = 0;
    for (;;) {
      verifications = (await sandboxStats(vitec)).byPath[TOKEN_PATH] ?? 0;
      if (verifications >= PER_ADDRESS || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(verifications).toBe(PER_ADDRESS);
    await new Promise((r) => setTimeout(r, 1_000)); // any event would have been published by now

    const list = await gql<any>(stack.gatewayUrl, LIST, {}, DEV_PARTNER);
    expect(list.errors).toBeUndefined();
    expect(list.data.orders.edges.filter((e: { node: { id: string } }) => ids.has(e.node.id))).toEqual([]);
    for (const id of [...ids].slice(0, 3)) {
      const one = await gql<any>(stack.gatewayUrl, 'query($id: ID!) { order(id: $id) { id } }', { id }, DEV_PARTNER);
      expect(one.data.order).toBeNull();
    }
    expect(events).toEqual([]);

    // the subscriber is live: a real order (placed by the sandbox straight at the Order service) reaches it
    const placed = await fetch(`${vitec}/__sandbox/place-order`, { method: 'POST', body: JSON.stringify({ customerId: 'M123', authMode: 'token' }) });
    expect(placed.status).toBe(200);
    const until = Date.now() + 15_000;
    while (!events.some((e) => e.status === 'ACKNOWLEDGED') && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(events.map((e) => e.status)).toEqual(['RECEIVED', 'ACKNOWLEDGED']);
    sse.dispose();
    await live.catch(() => undefined);
  });

  it('straight at the Order service, opens beyond the office limit are 429 there too', async () => {
    // 20 forged opens and 1 real order reached the Order service above: 50 - 21 are left for M123
    const direct = stack.subgraphUrl('order').replace('/graphql', '/vitec/order');
    const statuses: Record<number, number> = {};
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${direct}?customerId=M123&token=${encodeURIComponent(randomBytes(40).toString('base64'))}`);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      await res.text();
    }
    expect(statuses).toEqual({ 200: 29, 429: 11 });
  });
});
