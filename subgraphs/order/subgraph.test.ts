import { randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { signCallerIdentity, CALLER_HEADER, type CallerIdentity } from '../../platform/caller-identity';
import { createPgliteStore, migrate, type Store } from '../../platform/db';
import { createHttpClient } from '../../platform/http-client';
import { silentLogger } from '../../platform/logger';
import { createMemoryPubSub } from '../../platform/pubsub';
import type { RunningSandbox } from '../../platform/sandbox';
import { freePort } from '../../test/support/processes';
import { gql } from '../../test/support/graphql';
import { metricsUrlOf, scrape } from '../../test/support/metrics';
import { createVitecClient } from '../../vendors/vitec/client';
import { startVitecSandbox, VITEC_SANDBOX_CONNECT, VITEC_SANDBOX_INTAKE, type SandboxOrder } from '../../vendors/vitec/sandbox/server';
import { startOrderServer } from './server';
import { createOrderSubgraph, type OrderSubgraph } from './subgraph';
import { orderMigrations } from './store';

const SECRET = 'subgraph-test-signing-secret';
const partnerA: CallerIdentity = { kind: 'partner', id: 'a', customers: ['M123', 'M124', 'M125'], roles: [] };
const partnerB: CallerIdentity = { kind: 'partner', id: 'b', customers: ['M200'], roles: [] };
const as = (who: CallerIdentity) => ({ [CALLER_HEADER]: signCallerIdentity(who, SECRET) });

interface Harness {
  sandbox: RunningSandbox;
  store: Store;
  subgraph: OrderSubgraph;
  server: Awaited<ReturnType<typeof startOrderServer>>;
  url: string;
  close(): Promise<void>;
}

async function harness(opts: { autoAcknowledge?: boolean } = {}): Promise<Harness> {
  const port = await freePort();
  const sandbox = await startVitecSandbox({ port: 0, orderUrl: `http://127.0.0.1:${port}/vitec/order` });
  const store = await createPgliteStore();
  await migrate(store, orderMigrations);
  const http = createHttpClient({ vendor: 'vitec', baseUrl: sandbox.url, timeoutMs: 3000 });
  const pubsub = createMemoryPubSub();
  const subgraph = createOrderSubgraph({
    store,
    vitec: createVitecClient({ http, ...VITEC_SANDBOX_CONNECT }),
    pubsub,
    log: silentLogger,
    channel: `order-events:${randomUUID()}`,
    signingSecret: SECRET,
    customers: [
      { customerId: 'M123', authMode: 'token' },
      { customerId: 'M124', authMode: 'basic' },
      { customerId: 'M125', authMode: 'none' },
      { customerId: 'M200', authMode: 'token' },
    ],
    intakeBasic: VITEC_SANDBOX_INTAKE,
    autoAcknowledge: opts.autoAcknowledge ?? true,
    replayHours: 72,
  });
  const server = await startOrderServer(subgraph, { store, log: silentLogger, port, jobPollMs: 100 });
  return {
    sandbox,
    store,
    subgraph,
    server,
    url: server.url,
    async close() {
      await server.close();
      await sandbox.close();
      await http.close();
      await pubsub.close();
      await store.close();
    },
  };
}

async function place(h: Harness, customerId: string, authMode: string) {
  const res = await fetch(`${h.sandbox.url}/__sandbox/place-order`, { method: 'POST', body: JSON.stringify({ customerId, authMode }) });
  const body = (await res.json()) as { orderId: string; intakeStatus: number };
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}
const sandboxOrder = async (h: Harness, id: string) => (await (await fetch(`${h.sandbox.url}/__sandbox/orders/${id}`)).json()) as SandboxOrder;
const ourId = async (h: Harness, vitecOrderId: string) => {
  const o = await sandboxOrder(h, vitecOrderId);
  const m = /reference (ord_[0-9a-f]+)/.exec(o.intakeAnswers[0]!.body);
  return m![1]!;
};
async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const statusOf = (h: Harness, id: string) => h.subgraph.orders.get(id).then((o) => o?.status);

const ORDER = /* GraphQL */ `query($id: ID!) { order(id: $id) { id customerId status authMode statusHistory { eventId status } ticket { orderId customerId tenantId targetId targetType } estate { id type address { street city } price } } }`;

describe('Order subgraph over HTTP', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.close());

  it.each([
    ['M123', 'token', 'TOKEN', 'T100'],
    ['M124', 'basic', 'BASIC', null],
    ['M125', 'none', 'NONE', null],
  ])('intake in %s / %s mode: stored, acknowledged to Vitec, estate looked up', async (customerId, mode, gqlMode, tenant) => {
    const placed = await place(h, customerId, mode);
    expect(placed.intakeStatus).toBe(200);
    const id = await ourId(h, placed.orderId);
    await until(() => statusOf(h, id), (s) => s === 'ACKNOWLEDGED');
    const { data, errors } = await gql(h.url, ORDER, { id }, as(partnerA));
    expect(errors).toBeUndefined();
    expect(data!.order).toMatchObject({ id, customerId, status: 'ACKNOWLEDGED', authMode: gqlMode, ticket: { orderId: placed.orderId, customerId, tenantId: tenant } });
    expect(data!.order.statusHistory.map((e: { status: string }) => e.status)).toEqual(['RECEIVED', 'ACKNOWLEDGED']);
    expect(data!.order.estate.id).toBe(data!.order.ticket.targetId);
    expect(data!.order.estate.address.city).toBeTruthy();
    const recorded = await sandboxOrder(h, placed.orderId);
    expect(recorded.statuses.map((s) => s.status)).toEqual(['OrderReceived']);
    // the 200 went out before any Connect call for this order
    const answered = recorded.timeline.findIndex((t) => t.what === 'intake:answered:200');
    const firstConnect = recorded.timeline.findIndex((t) => t.what.startsWith('connect:'));
    expect(answered).toBeGreaterThanOrEqual(0);
    expect(answered).toBeLessThan(firstConnect);
  });

  it('re-opening the same order URL answers the same page and creates nothing', async () => {
    for (const [customerId, mode] of [['M123', 'token'], ['M125', 'none']] as const) {
      const placed = await place(h, customerId, mode);
      const id = await ourId(h, placed.orderId);
      await until(() => statusOf(h, id), (s) => s === 'ACKNOWLEDGED');
      const before = h.sandbox.stats();
      const again = await fetch(`${h.sandbox.url}/__sandbox/reopen-order`, { method: 'POST', body: JSON.stringify({ orderId: placed.orderId }) });
      expect(((await again.json()) as { intakeStatus: number }).intakeStatus).toBe(200);
      const o = await sandboxOrder(h, placed.orderId);
      expect(o.intakeAnswers).toHaveLength(2);
      expect(o.intakeAnswers[1]!.body).toBe(o.intakeAnswers[0]!.body);
      const rows = await h.store.query<{ n: number }>("SELECT count(*)::int AS n FROM orders WHERE vitec_order_id = $1", [placed.orderId]);
      expect(rows.rows[0]!.n).toBe(1);
      const jobs = await h.store.query<{ n: number }>("SELECT count(*)::int AS n FROM jobs WHERE payload->>'orderId' = $1", [id]);
      expect(jobs.rows[0]!.n).toBe(1);
      await new Promise((r) => setTimeout(r, 300));
      expect(h.sandbox.stats().tokenRequests + h.sandbox.stats().dataRequests).toBe(before.tokenRequests + before.dataRequests);
    }
  });

  it('refuses the intake without the customer’s auth', async () => {
    const base = h.url.replace('/graphql', '/vitec/order');
    const basicUrl = `${base}?customerId=M124&orderId=x1&estateId=OBJ124_1001`;
    expect((await fetch(basicUrl)).status).toBe(401);
    const wrong = `Basic ${Buffer.from(`${VITEC_SANDBOX_INTAKE.username}:nope`).toString('base64')}`;
    expect((await fetch(basicUrl, { headers: { authorization: wrong } })).status).toBe(401);
    expect((await fetch(`${base}?customerId=M123&orderId=x2`)).status).toBe(401); // token customer without token
    expect((await fetch(`${base}?customerId=M999&orderId=x3`)).status).toBe(403); // office not enabled
    expect((await fetch(`${base}?customerId=M125`)).status).toBe(400); // none mode without orderId
    const n = await h.store.query<{ n: number }>("SELECT count(*)::int AS n FROM orders WHERE vitec_order_id LIKE 'x%'");
    expect(n.rows[0]!.n).toBe(0);
  });

  it('an order URL with a token Vitec does not know leaves no order, after one verification call', async () => {
    const base = h.url.replace('/graphql', '/vitec/order');
    const res = await fetch(`${base}?customerId=M123&token=${encodeURIComponent('forged-token')}`);
    expect(res.status).toBe(200);
    const id = res.headers.get('x-switchboard-order-id')!;
    await until(() => h.subgraph.orders.get(id), (o) => o === undefined);
    expect(await statusOf(h, id)).toBeUndefined();
  });

  it('isolates tenants and requires a signed identity', async () => {
    const placed = await place(h, 'M200', 'token');
    const id = await ourId(h, placed.orderId);
    await until(() => statusOf(h, id), (s) => s === 'ACKNOWLEDGED');
    expect((await gql(h.url, ORDER, { id }, as(partnerB))).data!.order.id).toBe(id);
    expect((await gql(h.url, ORDER, { id }, as(partnerA))).data!.order).toBeNull();
    const mutation = await gql(h.url, `mutation($id: ID!) { failOrder(id: $id, description: "x") { id } }`, { id }, as(partnerA));
    expect(mutation.errors![0]!.extensions!.code).toBe('NOT_FOUND');
    const anonymous = await gql(h.url, ORDER, { id });
    expect(anonymous.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    const forged = await gql(h.url, ORDER, { id }, { [CALLER_HEADER]: signCallerIdentity(partnerB, 'not-the-secret-not-the-secret') });
    expect(forged.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    const listA = await gql(h.url, `{ orders(first: 100) { edges { node { customerId } } } }`, {}, as(partnerA));
    expect(listA.data!.orders.edges.every((e: { node: { customerId: string } }) => e.node.customerId !== 'M200')).toBe(true);
  });

  it('pages through orders with cursors, newest first, filtered by status', async () => {
    const all: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Awaited<ReturnType<typeof gql<any>>> = await gql<any>(h.url, `query($after: String) { orders(first: 2, after: $after, filter: { status: [ACKNOWLEDGED] }) { edges { cursor node { id status receivedAt } } pageInfo { hasNextPage endCursor } } }`, { after }, as(partnerA));
      expect(page.errors).toBeUndefined();
      const conn = page.data!.orders;
      all.push(...conn.edges.map((e: { node: { id: string; status: string } }) => (expect(e.node.status).toBe('ACKNOWLEDGED'), e.node.id)));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    const expected = await h.store.query<{ id: string }>("SELECT id FROM orders WHERE status = 'ACKNOWLEDGED' AND customer_id = ANY($1) AND merged_into IS NULL ORDER BY created_at DESC, id DESC", [partnerA.customers]);
    expect(all).toEqual(expected.rows.map((r) => r.id));
    expect(all.length).toBeGreaterThanOrEqual(5);
    const bad = await gql(h.url, `{ orders(after: "garbage") { edges { cursor } } }`, {}, as(partnerA));
    expect(bad.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });

  it('partner mutations call Vitec, record the result and validate transitions', async () => {
    const placed = await place(h, 'M125', 'none');
    const id = await ourId(h, placed.orderId);
    await until(() => statusOf(h, id), (s) => s === 'ACKNOWLEDGED');
    const ask = await gql(h.url, `mutation($id: ID!) { requestUserInteraction(id: $id, input: { url: "https://partner.example/book", comment: "Choose a time" }) { status userInteraction { url comment } } }`, { id }, as(partnerA));
    expect(ask.data!.requestUserInteraction).toMatchObject({ status: 'USER_INTERACTION_REQUESTED', userInteraction: { url: 'https://partner.example/book' } });
    const badUrl = await gql(h.url, `mutation($id: ID!) { deliverOrder(id: $id, input: { url: "ftp://x", comment: "" }) { status } }`, { id }, as(partnerA));
    expect(badUrl.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    const done = await gql(h.url, `mutation($id: ID!) { deliverOrder(id: $id, input: { url: "https://partner.example/photos.zip", comment: "24 photos" }) { status delivery { url } statusHistory { status } } }`, { id }, as(partnerA));
    expect(done.data!.deliverOrder.status).toBe('DELIVERED');
    expect(done.data!.deliverOrder.statusHistory.map((e: { status: string }) => e.status)).toEqual(['RECEIVED', 'ACKNOWLEDGED', 'USER_INTERACTION_REQUESTED', 'DELIVERED']);
    const before = h.sandbox.stats().dataRequests;
    const late = await gql(h.url, `mutation($id: ID!) { failOrder(id: $id, description: "too late") { status } }`, { id }, as(partnerA));
    expect(late.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', status: 'DELIVERED', requested: 'ERROR' });
    expect(h.sandbox.stats().dataRequests).toBe(before); // refused before calling Vitec
    const recorded = await sandboxOrder(h, placed.orderId);
    expect(recorded.statuses.map((s) => s.status)).toEqual(['OrderReceived', 'UserInteractionRequired', 'Delivered']);
    expect(recorded.deliveries.map((d) => d.url)).toEqual(['https://partner.example/photos.zip']);

    const other = await place(h, 'M124', 'basic');
    const otherId = await ourId(h, other.orderId);
    await until(() => statusOf(h, otherId), (s) => s === 'ACKNOWLEDGED');
    const failed = await gql(h.url, `mutation($id: ID!) { failOrder(id: $id, description: "Photographer ill") { status statusDescription } }`, { id: otherId }, as(partnerA));
    expect(failed.data!.failOrder).toEqual({ status: 'ERROR', statusDescription: 'Photographer ill' });
    const afterError = await gql(h.url, `mutation($id: ID!) { deliverOrder(id: $id, input: { url: "https://x.example", comment: "" }) { status } }`, { id: otherId }, as(partnerA));
    expect(afterError.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect((await sandboxOrder(h, other.orderId)).statuses).toMatchObject([{ status: 'OrderReceived' }, { status: 'Error', description: 'Photographer ill' }]);
  });

  it('a Vitec mutation failure records nothing and says which upstream code', async () => {
    const placed = await place(h, 'M125', 'none');
    const id = await ourId(h, placed.orderId);
    await until(() => statusOf(h, id), (s) => s === 'ACKNOWLEDGED');
    h.sandbox.setFaults({ errorRate: 1 });
    try {
      const res = await gql(h.url, `mutation($id: ID!) { failOrder(id: $id, description: "x") { status } }`, { id }, as(partnerA));
      expect(res.errors![0]!.extensions!.code).toBe('UPSTREAM_ERROR');
    } finally {
      h.sandbox.setFaults({ errorRate: 0 });
    }
    expect(await statusOf(h, id)).toBe('ACKNOWLEDGED');
  });

  it('processing retries while Vitec fails and finishes once it answers', async () => {
    h.sandbox.setFaults({ errorRate: 1, tokenErrorRate: 1 });
    const placed = await place(h, 'M123', 'token');
    const id = await ourId(h, placed.orderId);
    await until(() => h.store.query<{ attempts: number }>("SELECT attempts FROM jobs WHERE payload->>'orderId' = $1", [id]), (r) => (r.rows[0]?.attempts ?? 0) >= 1);
    expect(await statusOf(h, id)).toBe('RECEIVED');
    h.sandbox.setFaults({ errorRate: 0, tokenErrorRate: 0 });
    await until(() => statusOf(h, id), (s) => s === 'ACKNOWLEDGED', 10_000);
  });
});

describe('Order subgraph without auto-acknowledge', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ autoAcknowledge: false });
  });
  afterAll(() => h.close());

  it('stops at VERIFIED; acknowledgeOrder sends OrderReceived once', async () => {
    const placed = await place(h, 'M124', 'basic');
    const id = await ourId(h, placed.orderId);
    await until(() => statusOf(h, id), (s) => s === 'VERIFIED');
    expect((await sandboxOrder(h, placed.orderId)).statuses).toEqual([]);
    const ack = await gql(h.url, `mutation($id: ID!) { acknowledgeOrder(id: $id) { status } }`, { id }, as(partnerA));
    expect(ack.data!.acknowledgeOrder.status).toBe('ACKNOWLEDGED');
    const twice = await gql(h.url, `mutation($id: ID!) { acknowledgeOrder(id: $id) { status } }`, { id }, as(partnerA));
    expect(twice.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect((await sandboxOrder(h, placed.orderId)).statuses.map((s) => s.status)).toEqual(['OrderReceived']);
  });
});

describe('Order subscriptions over graphql-ws on the subgraph', () => {
  let h: Harness;
  const clients: Client[] = [];
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await h.close();
  });
  const ws = () => {
    const c = createClient({ url: h.url.replace('http', 'ws'), webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
    clients.push(c);
    return c;
  };
  const SUB = `subscription($orderId: ID, $after: ID) { orderStatusChanged(orderId: $orderId, afterEventId: $after) { eventId orderId status order { id status customerId } } }`;

  /** Collects events of one subscription until `stop` says so. */
  function collect(client: Client, variables: Record<string, unknown>, headers: Record<string, string>, stop: (events: any[]) => boolean) {
    const events: any[] = [];
    const it = client.iterate({ query: SUB, variables, extensions: { headers } });
    const done = (async () => {
      for await (const r of it) {
        if (r.errors) return { events, errors: r.errors };
        events.push(r.data!.orderStatusChanged);
        if (stop(events)) break;
      }
      return { events, errors: undefined };
    })();
    return { events, done, cancel: () => it.return?.() };
  }

  it('streams every status of the caller’s orders, in order, and nothing of other tenants', async () => {
    const client = ws();
    const mine = collect(client, {}, as(partnerA), (ev) => ev.filter((e) => e.status === 'ACKNOWLEDGED').length === 2);
    const theirs = collect(client, {}, as(partnerB), () => false);
    await new Promise((r) => setTimeout(r, 200));
    const first = await place(h, 'M123', 'token');
    await place(h, 'M200', 'token');
    const second = await place(h, 'M125', 'none');
    const { events } = await mine.done;
    const byOrder = new Map<string, string[]>();
    for (const e of events) byOrder.set(e.orderId, [...(byOrder.get(e.orderId) ?? []), e.status]);
    expect([...byOrder.values()]).toEqual([
      ['RECEIVED', 'ACKNOWLEDGED'],
      ['RECEIVED', 'ACKNOWLEDGED'],
    ]);
    expect(events.every((e) => ['M123', 'M125'].includes(e.order.customerId))).toBe(true);
    expect(new Set(events.map((e) => e.orderId))).toEqual(new Set([await ourId(h, first.orderId), await ourId(h, second.orderId)]));
    // eventIds grow
    const ids = events.map((e) => Number(e.eventId));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    await until(async () => theirs.events.length, (n) => n === 2);
    expect(theirs.events.every((e) => e.order.customerId === 'M200')).toBe(true);
    await theirs.cancel();
  });

  it('replays the events after afterEventId, then continues live, without duplicates', async () => {
    const placed = await place(h, 'M125', 'none');
    const id = await ourId(h, placed.orderId);
    await until(() => statusOf(h, id), (s) => s === 'ACKNOWLEDGED');
    const history = await h.subgraph.orders.history(id);
    const firstId = history[0]!.eventId;
    // a subscriber that saw only RECEIVED reconnects; meanwhile the order moves on
    const client = ws();
    const sub = collect(client, { orderId: id, after: firstId }, as(partnerA), (ev) => ev.length === 3);
    await until(async () => sub.events.length, (n) => n >= 1);
    await gql(h.url, `mutation($id: ID!) { requestUserInteraction(id: $id, input: { url: "https://p.example/a", comment: "a" }) { status } }`, { id }, as(partnerA));
    await gql(h.url, `mutation($id: ID!) { deliverOrder(id: $id, input: { url: "https://p.example/r", comment: "r" }) { status } }`, { id }, as(partnerA));
    const { events } = await sub.done;
    expect(events.map((e) => e.status)).toEqual(['ACKNOWLEDGED', 'USER_INTERACTION_REQUESTED', 'DELIVERED']);
    expect(events[0].eventId).toBe(history[1]!.eventId);
  });

  it('live subscriptions and the delivery lag of each event show on /metrics', async () => {
    const metrics = () => scrape(metricsUrlOf(h.url));
    const live = async () => (await metrics()).value('switchboard_subscriptions_active', { feed: 'order' });
    const lagCount = async () => (await metrics()).value('switchboard_event_delivery_lag_seconds', { feed: 'order', delivery: 'live' });
    const live0 = await live();
    const lag0 = await lagCount();
    const sub = collect(ws(), {}, as(partnerA), (ev) => ev.some((e) => e.status === 'ACKNOWLEDGED'));
    await until(live, (n) => n === live0 + 1);
    await place(h, 'M123', 'token');
    const { events } = await sub.done;
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect((await lagCount()) - lag0).toBeGreaterThanOrEqual(events.length);
    // the subscription ended when the client stopped iterating
    await until(live, (n) => n === live0);
  });

  it('refuses an unauthenticated subscription and another tenant’s order', async () => {
    const client = ws();
    const anon = await collect(client, {}, {}, () => true).done;
    expect(anon.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    const placed = await place(h, 'M200', 'token');
    const id = await ourId(h, placed.orderId);
    const other = await collect(client, { orderId: id }, as(partnerA), () => true).done;
    expect(other.errors![0]!.extensions!.code).toBe('NOT_FOUND');
  });
});

describe('pending orders at start', () => {
  it('a new instance processes orders accepted but not processed before', async () => {
    const h = await harness();
    await h.server.stopWorker(); // as if the process died right after the 200
    const placed = await place(h, 'M124', 'basic');
    const id = await ourId(h, placed.orderId);
    await new Promise((r) => setTimeout(r, 300));
    expect(await statusOf(h, id)).toBe('RECEIVED');
    const { startOrderServer: start } = await import('./server');
    const again = await start(h.subgraph, { store: h.store, log: silentLogger, port: 0, jobPollMs: 100 });
    try {
      await until(() => statusOf(h, id), (s) => s === 'ACKNOWLEDGED');
    } finally {
      await again.close();
      await h.close();
    }
  });
});
