import { createHash, randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEV_PARTNER_KEY } from '../platform/config/auth';
import { metricsUrlOf, scrape } from './support/metrics';
import { startStack, type Stack } from './support/stack';
import { until } from './support/wait';

/**
 * Subscription fan-out once per channel (gateway/plugins/use-shared-subscriptions.ts): many subscribers of
 * the same caller and operation share one gateway subscription, so the Order subgraph runs one
 * subscription (one execution and one message per event) for all of them; another caller has its own.
 * Vitec sandbox, Order subgraph and gateway as separate processes; graphql-ws clients on their own sockets.
 */
const ACME_KEY = 'acme-fanout-key-0123456789';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const SUB = 'subscription { orderStatusChanged { eventId orderId status } }';
type Ev = { eventId: string; orderId: string; status: string };

let stack: Stack;
const clients: Client[] = [];
beforeAll(async () => {
  stack = await startStack({
    sandboxes: ['vitec'],
    subgraphs: ['order'],
    gateway: true,
    env: {
      PARTNER_KEYS: `dev-partner:${sha(DEV_PARTNER_KEY)}:M123|M124|M125,acme:${sha(ACME_KEY)}:M200`,
      ORDER_EVENTS_CHANNEL: `test:order-events:${randomUUID()}`,
      ORDER_JOB_POLL_MS: '200',
    },
  });
}, 90_000);
afterAll(async () => {
  for (const c of clients) await c.dispose();
  await stack?.stop();
});

const gatewayMetric = async (name: string) => (await scrape(metricsUrlOf(stack.gatewayUrl))).value(name);
const orderSubscriptions = async () => (await scrape(metricsUrlOf(stack.subgraphUrl('order')))).value('switchboard_subscriptions_active', { feed: 'order' });

function subscribe(apiKey: string, query = SUB, variables?: Record<string, unknown>) {
  const client = createClient({ url: stack.gatewayUrl.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams: { 'x-api-key': apiKey }, retryAttempts: 0, lazy: true });
  clients.push(client);
  const events: Ev[] = [];
  const errors: unknown[] = [];
  const stop = client.subscribe<{ orderStatusChanged: Ev }>(
    { query, variables },
    { next: (r) => (r.errors ? errors.push(r.errors) : events.push(r.data!.orderStatusChanged)), error: (e) => errors.push(e), complete: () => undefined },
  );
  return { events, errors, stop };
}

/** A raw graphql-transport-ws socket with one subscription per id: the text frames after the ack, as received. */
async function rawSubscriber(apiKey: string, ids: string[], query = SUB) {
  const socket = new WebSocket(stack.gatewayUrl.replace('http', 'ws'), 'graphql-transport-ws');
  const frames: string[] = [];
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { 'x-api-key': apiKey } })));
    socket.on('message', (data) => {
      const text = String(data);
      if ((JSON.parse(text) as { type: string }).type === 'connection_ack') return resolve();
      frames.push(text);
    });
  });
  for (const id of ids) socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query } }));
  return { frames, close: () => socket.close() };
}

async function place(customerId: string, authMode: 'token' | 'basic' | 'none') {
  const res = await fetch(`${stack.sandboxUrl('vitec')}/__sandbox/place-order`, { method: 'POST', body: JSON.stringify({ customerId, authMode }) });
  const body = (await res.json()) as { intakeStatus: number };
  expect(res.status).toBe(200);
  expect(body.intakeStatus).toBe(200);
}

describe('subscription fan-out through the gateway', () => {
  it('12 subscribers of two callers: two upstream subscriptions; every subscriber gets its caller\'s events, and only those', async () => {
    const dev = Array.from({ length: 10 }, () => subscribe(DEV_PARTNER_KEY));
    const acme = Array.from({ length: 2 }, () => subscribe(ACME_KEY));
    await until(() => gatewayMetric('switchboard_gateway_subscribers'), (n) => n === 12);
    expect(await gatewayMetric('switchboard_gateway_subscription_channels')).toBe(2);
    expect(await until(orderSubscriptions, (n) => n === 2)).toBe(2);

    await place('M125', 'none');
    await until(async () => dev.map((s) => s.events.length), (counts) => counts.every((c) => c >= 2));
    const first = dev[0]!.events;
    expect(first.map((e) => e.status)).toEqual(['RECEIVED', 'ACKNOWLEDGED']);
    for (const s of dev) expect(s.events).toEqual(first);
    for (const s of acme) expect(s.events).toEqual([]);
    for (const s of [...dev, ...acme]) expect(s.errors).toEqual([]);

    // the subscriber that opened the channel leaves: the others keep receiving from the same upstream subscription
    dev[0]!.stop();
    await until(() => gatewayMetric('switchboard_gateway_subscribers'), (n) => n === 11);
    await place('M200', 'token');
    await place('M124', 'basic');
    await until(async () => [...dev.slice(1), ...acme].map((s) => s.events.length), (c) => c.slice(0, 9).every((n) => n >= 4) && c.slice(9).every((n) => n >= 2));
    for (const s of dev.slice(1)) expect(s.events).toEqual(dev[1]!.events);
    expect(dev[0]!.events).toHaveLength(2);
    for (const s of acme) expect(s.events.map((e) => e.status)).toEqual(['RECEIVED', 'ACKNOWLEDGED']);
    expect(new Set(acme[0]!.events.map((e) => e.orderId)).size).toBe(1);
    expect(dev[1]!.events.some((e) => acme[0]!.events[0]!.orderId === e.orderId)).toBe(false);
    expect(await orderSubscriptions()).toBe(2);

    // the last subscriber of a channel leaving ends its upstream subscription
    for (const s of [...dev.slice(1), ...acme]) s.stop();
    await until(() => gatewayMetric('switchboard_gateway_subscription_channels'), (n) => n === 0);
    expect(await until(orderSubscriptions, (n) => n === 0)).toBe(0);
  }, 60_000);

  it("every subscriber of a channel gets the same serialisation of each event under its own graphql-ws id (raw frames)", async () => {
    // raw graphql-transport-ws sockets, so the frames are compared as the gateway wrote them; ids a client
    // may choose (quotes, backslash, non-ASCII), and two subscriptions on one socket
    const ids = [['1'], ['a "quoted" \\ id', 'ü-2'], ['x-é-👍'], ['1']];
    const sockets = await Promise.all(ids.map((mine) => rawSubscriber(DEV_PARTNER_KEY, mine)));
    await until(() => gatewayMetric('switchboard_gateway_subscribers'), (n) => n === 5);
    expect(await gatewayMetric('switchboard_gateway_subscription_channels')).toBe(1);
    await place('M124', 'basic');
    await until(async () => sockets.map((s) => s.frames.length), (c) => c.every((n, k) => n >= 2 * ids[k]!.length));
    const payloads = new Map<string, string>(); // eventId → the payload's text, as the first subscriber got it
    for (const [k, { frames }] of sockets.entries()) {
      const byId = new Map<string, number>();
      for (const frame of frames) {
        const message = JSON.parse(frame) as { id: string; type: string; payload: { data: { orderStatusChanged: Ev } } };
        // graphql-ws's own message, byte for byte: {"id":…,"type":"next","payload":…}
        expect(frame).toBe(JSON.stringify({ id: message.id, type: 'next', payload: message.payload }));
        expect(ids[k]).toContain(message.id);
        byId.set(message.id, (byId.get(message.id) ?? 0) + 1);
        const text = frame.slice(frame.indexOf(',"type":"next","payload":') + ',"type":"next","payload":'.length, -1);
        const eventId = message.payload.data.orderStatusChanged.eventId;
        expect(text).toBe(payloads.get(eventId) ?? text);
        payloads.set(eventId, text);
      }
      expect([...byId.values()]).toEqual(ids[k]!.map(() => 2));
    }
    expect(payloads.size).toBe(2);
    for (const s of sockets) s.close();
    await until(() => gatewayMetric('switchboard_gateway_subscription_channels'), (n) => n === 0);
  }, 60_000);

  it('a subscription resuming from an event id is never shared: a second one with the same id still gets the whole replay', async () => {
    const first = subscribe(DEV_PARTNER_KEY);
    await until(() => gatewayMetric('switchboard_gateway_subscribers'), (n) => n === 1);
    await place('M125', 'none');
    await place('M125', 'none');
    await until(async () => first.events.length, (n) => n >= 4);
    first.stop();
    const RESUME = 'subscription($after: ID) { orderStatusChanged(afterEventId: $after) { eventId orderId status } }';
    const after = first.events[0]!.eventId;
    const a = subscribe(DEV_PARTNER_KEY, RESUME, { after });
    await until(async () => a.events.length, (n) => n >= 3);
    const b = subscribe(DEV_PARTNER_KEY, RESUME, { after });
    await until(async () => b.events.length, (n) => n >= 3);
    expect(b.events.slice(0, 3)).toEqual(first.events.slice(1, 4));
    expect(a.events.slice(0, 3)).toEqual(first.events.slice(1, 4));
    expect(await gatewayMetric('switchboard_gateway_subscription_channels')).toBe(0);
    expect(await until(orderSubscriptions, (n) => n === 2)).toBe(2);
    a.stop();
    b.stop();
  }, 60_000);
});
