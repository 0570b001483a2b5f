import { createHash, randomUUID } from 'node:crypto';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CALLER_HEADER, signCallerIdentity } from '../platform/caller-identity';
import { DEV_PARTNER_KEY } from '../platform/config/auth';
import type { SandboxOrder } from '../vendors/vitec/sandbox/server';
import { gql, sandboxFaults } from './support/graphql';
import { startStack, type Stack } from './support/stack';
import { until } from './support/wait';

/**
 * The Order slice as `npm start` runs it: Vitec sandbox, Order subgraph and gateway as separate processes.
 * The sandbox places orders by opening the Order service's URL; partners follow them through the gateway
 * over graphql-ws and SSE with their API keys.
 */
const ACME_KEY = 'acme-test-key-0123456789';
const JWT_SECRET = 'e2e-jwt-secret-e2e-jwt-secret-0123456789';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const DEV = { 'x-api-key': DEV_PARTNER_KEY };
const ACME = { 'x-api-key': ACME_KEY };

let stack: Stack;
let vitec: string;
const wsClients: WsClient[] = [];

beforeAll(async () => {
  stack = await startStack({
    sandboxes: ['vitec'],
    subgraphs: ['order'],
    gateway: true,
    env: {
      PARTNER_KEYS: `dev-partner:${sha(DEV_PARTNER_KEY)}:M123|M124|M125,acme:${sha(ACME_KEY)}:M200`,
      JWT_SECRET,
      JWT_ISSUER: 'https://id.switchboard.test',
      JWT_AUDIENCE: 'switchboard',
      ORDER_EVENTS_CHANNEL: `test:order-events:${randomUUID()}`,
      ORDER_JOB_LEASE_MS: '1500',
      ORDER_JOB_POLL_MS: '200',
      UPSTREAM_TIMEOUT_MS: '8000',
    },
  });
  vitec = stack.sandboxUrl('vitec');
});
afterAll(async () => {
  for (const c of wsClients) await c.dispose();
  await stack?.stop();
});

async function place(customerId: string, authMode: 'token' | 'basic' | 'none') {
  const res = await fetch(`${vitec}/__sandbox/place-order`, { method: 'POST', body: JSON.stringify({ customerId, authMode }) });
  const body = (await res.json()) as { orderId: string; intakeStatus: number; intakeMs: number };
  expect(res.status, JSON.stringify(body)).toBe(200);
  expect(body.intakeStatus).toBe(200);
  const o = (await (await fetch(`${vitec}/__sandbox/orders/${body.orderId}`)).json()) as SandboxOrder;
  return { ...body, id: /reference (ord_[0-9a-f]+)/.exec(o.intakeAnswers[0]!.body)![1]! };
}
const sandboxOrder = async (vitecOrderId: string) => (await (await fetch(`${vitec}/__sandbox/orders/${vitecOrderId}`)).json()) as SandboxOrder;
const statusOf = async (id: string, headers = DEV) => (await gql<any>(stack.gatewayUrl, 'query($id: ID!) { order(id: $id) { status } }', { id }, headers)).data?.order?.status as string | undefined;

const SUB = `subscription($orderId: ID, $after: ID) { orderStatusChanged(orderId: $orderId, afterEventId: $after) { eventId orderId status description order { id customerId status } } }`;
type Ev = { eventId: string; orderId: string; status: string; order: { customerId: string } };

interface Sub {
  events: Ev[];
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
  ended: Promise<void>;
  stop(): Promise<void>;
}

function consume(iterator: AsyncIterableIterator<{ data?: any; errors?: readonly any[] }>, until?: (events: Ev[]) => boolean): Sub {
  const sub: Sub = { events: [], ended: Promise.resolve(), stop: async () => void (await iterator.return?.()) };
  sub.ended = (async () => {
    try {
      for await (const r of iterator) {
        if (r.errors?.length) {
          sub.errors = r.errors;
          return;
        }
        sub.events.push(r.data.orderStatusChanged);
        if (until?.(sub.events)) return;
      }
    } catch (err) {
      sub.errors = Array.isArray(err) ? err : [{ message: (err as Error).message ?? String(err), extensions: (err as any)?.extensions }];
    }
  })();
  return sub;
}

function overWs(connectionParams: Record<string, string>, variables: Record<string, unknown> = {}, until?: (events: Ev[]) => boolean) {
  const client = createWsClient({ url: stack.gatewayUrl.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: true });
  wsClients.push(client);
  return consume(client.iterate({ query: SUB, variables }) as any, until);
}
function overSse(headers: Record<string, string>, variables: Record<string, unknown> = {}, until?: (events: Ev[]) => boolean) {
  const client = createSseClient({ url: stack.gatewayUrl, headers, retryAttempts: 0 });
  return consume(client.iterate({ query: SUB, variables }) as any, until);
}
const statusesOf = (events: Ev[], id: string) => events.filter((e) => e.orderId === id).map((e) => e.status);

describe('Vitec places orders; partners follow them through the gateway', () => {
  it('takes orders in all three auth modes, acknowledges each before processing it', async () => {
    await sandboxFaults(vitec, { latencyMs: 700 });
    try {
      const placed = [];
      for (const [c, m] of [['M123', 'token'], ['M124', 'basic'], ['M125', 'none']] as const) {
        const p = await place(c, m);
        // the 200 came back while every Connect call still takes 700 ms: processing had not happened yet
        expect(p.intakeMs).toBeLessThan(700);
        // a token order is nobody's to see until Vitec confirms its token; the others are RECEIVED at once
        if (m === 'token') expect(await statusOf(p.id)).toBeUndefined();
        else expect(await statusOf(p.id)).toBe('RECEIVED');
        placed.push(p);
      }
      for (const p of placed) {
        await until(() => statusOf(p.id), (s) => s === 'ACKNOWLEDGED');
        const o = await sandboxOrder(p.orderId);
        expect(o.statuses.map((s) => s.status)).toEqual(['OrderReceived']);
        expect(o.timeline.findIndex((t) => t.what === 'intake:answered:200')).toBeLessThan(o.timeline.findIndex((t) => t.what.startsWith('connect:')));
      }
      const full = await gql<any>(stack.gatewayUrl, 'query($id: ID!) { order(id: $id) { authMode ticket { orderId } estate { id type address { city } } } }', { id: placed[0]!.id }, DEV);
      expect(full.data.order).toMatchObject({ authMode: 'TOKEN', ticket: { orderId: placed[0]!.orderId } });
      expect(full.data.order.estate.address.city).toBeTruthy();
    } finally {
      await sandboxFaults(vitec, { latencyMs: 0 });
    }
  });

  it('streams every status, in order, to a graphql-ws and an SSE subscriber', async () => {
    const done = (id: () => string | undefined) => (events: Ev[]) => !!id() && statusesOf(events, id()!).includes('DELIVERED');
    let id: string | undefined;
    // afterEventId 0 replays what happened before each subscription was live, so none can miss the start
    const ws = overWs(DEV, { after: '0' }, done(() => id));
    const sse = overSse(DEV, { after: '0' }, done(() => id));
    const p = await place('M125', 'none');
    id = p.id;
    await until(() => statusOf(p.id), (s) => s === 'ACKNOWLEDGED');
    const ask = await gql<any>(stack.gatewayUrl, `mutation($id: ID!) { requestUserInteraction(id: $id, input: { url: "https://partner.example/book", comment: "Pick a slot" }) { status } }`, { id: p.id }, DEV);
    expect(ask.errors).toBeUndefined();
    const deliver = await gql<any>(stack.gatewayUrl, `mutation($id: ID!) { deliverOrder(id: $id, input: { url: "https://partner.example/r.zip", comment: "Done" }) { status } }`, { id: p.id }, DEV);
    expect(deliver.data.deliverOrder.status).toBe('DELIVERED');
    await Promise.race([Promise.all([ws.ended, sse.ended]), new Promise((r) => setTimeout(r, 10_000))]);
    const expected = ['RECEIVED', 'ACKNOWLEDGED', 'USER_INTERACTION_REQUESTED', 'DELIVERED'];
    expect(ws.errors).toBeUndefined();
    expect(sse.errors).toBeUndefined();
    expect(statusesOf(ws.events, p.id)).toEqual(expected);
    expect(statusesOf(sse.events, p.id)).toEqual(expected);
    expect(ws.events.filter((e) => e.orderId === p.id).map((e) => e.eventId)).toEqual(sse.events.filter((e) => e.orderId === p.id).map((e) => e.eventId));
    expect((await sandboxOrder(p.orderId)).statuses.map((s) => s.status)).toEqual(['OrderReceived', 'UserInteractionRequired', 'Delivered']);
  });

  it('a subscriber reconnecting with the last event id it saw gets the missed events', async () => {
    const p = await place('M124', 'basic');
    // afterEventId 0: from the order's first event, whether processing already happened or not
    const first = overWs(DEV, { orderId: p.id, after: '0' }, (ev) => ev.some((e) => e.status === 'ACKNOWLEDGED'));
    await Promise.race([first.ended, new Promise((r) => setTimeout(r, 8000))]);
    expect(first.events.map((e) => e.status)).toEqual(['RECEIVED', 'ACKNOWLEDGED']);
    const lastSeen = first.events.at(-1)!;
    expect(lastSeen.status).toBe('ACKNOWLEDGED');
    // disconnected: the order moves on meanwhile
    await gql(stack.gatewayUrl, `mutation($id: ID!) { requestUserInteraction(id: $id, input: { url: "https://p.example/a", comment: "a" }) { status } }`, { id: p.id }, DEV);
    await gql(stack.gatewayUrl, `mutation($id: ID!) { failOrder(id: $id, description: "No photographer available") { status } }`, { id: p.id }, DEV);
    const again = overSse(DEV, { orderId: p.id, after: lastSeen.eventId }, (ev) => ev.length === 2);
    await Promise.race([again.ended, new Promise((r) => setTimeout(r, 8000))]);
    expect(again.errors).toBeUndefined();
    expect(again.events.map((e) => e.status)).toEqual(['USER_INTERACTION_REQUESTED', 'ERROR']);
    await again.stop();
  });

  it('partner A cannot read or subscribe to partner B’s orders; unauthenticated subscriptions are refused', async () => {
    const acmeAll = overWs(ACME, { after: '0' });
    const devAll = overSse(DEV, { after: '0' });
    const theirs = await place('M200', 'token');
    const mine = await place('M123', 'token');
    await until(() => statusOf(theirs.id, ACME), (s) => s === 'ACKNOWLEDGED');
    await until(() => statusOf(mine.id), (s) => s === 'ACKNOWLEDGED');

    const read = await gql<any>(stack.gatewayUrl, 'query($id: ID!) { order(id: $id) { id } }', { id: theirs.id }, DEV);
    expect(read.data.order).toBeNull();
    const write = await gql<any>(stack.gatewayUrl, 'mutation($id: ID!) { failOrder(id: $id, description: "x") { id } }', { id: theirs.id }, DEV);
    expect(write.errors![0]!.extensions!.code).toBe('NOT_FOUND');
    const list = await gql<any>(stack.gatewayUrl, '{ orders(first: 100) { edges { node { id customerId } } } }', {}, ACME);
    expect(list.data.orders.edges.map((e: any) => e.node.customerId)).toEqual(list.data.orders.edges.map(() => 'M200'));
    expect(list.data.orders.edges.map((e: any) => e.node.id)).toContain(theirs.id);

    const peek = overWs(DEV, { orderId: theirs.id });
    await peek.ended;
    expect(peek.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    // events travel asynchronously (store → pub/sub → subgraph → gateway): wait, bounded, until both streams
    // have their order's two events, then check that each has exactly those and nothing of the other's
    await until(async () => [statusesOf(acmeAll.events, theirs.id).length, statusesOf(devAll.events, mine.id).length], ([a, d]) => a >= 2 && d >= 2, 10_000).catch(() => undefined);
    expect(statusesOf(acmeAll.events, theirs.id), JSON.stringify(acmeAll.errors)).toEqual(['RECEIVED', 'ACKNOWLEDGED']);
    expect(acmeAll.events.every((e) => e.order.customerId === 'M200')).toBe(true);
    expect(statusesOf(devAll.events, mine.id)).toEqual(['RECEIVED', 'ACKNOWLEDGED']);
    expect(devAll.events.some((e) => e.orderId === theirs.id)).toBe(false);
    await acmeAll.stop();
    await devAll.stop();

    const anonWs = overWs({});
    await anonWs.ended;
    expect(anonWs.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const anonSse = overSse({});
    await anonSse.ended;
    expect(anonSse.errors?.[0]?.message ?? '').toMatch(/401/);
    const raw = await fetch(stack.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({ query: SUB }) });
    expect(raw.status).toBe(401);
    expect(await raw.text()).toContain('UNAUTHENTICATED');
    // only the gateway speaks for callers: an identity header sent by a client (even correctly signed with
    // the development secret) is not passed on
    const spoofed = signCallerIdentity({ kind: 'partner', id: 'acme', customers: ['M200'], roles: [] }, 'switchboard-dev-gateway-signing-secret');
    const spoof = await gql<any>(stack.gatewayUrl, 'query($id: ID!) { order(id: $id) { id } }', { id: theirs.id }, { [CALLER_HEADER]: spoofed });
    expect(spoof.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    const badKey = await gql<any>(stack.gatewayUrl, '{ orders { edges { cursor } } }', {}, { 'x-api-key': 'not-a-key' });
    expect(badKey.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  });

  it('straight at the Order port: no header, or a header signed with another secret, gets no order; a missing scope is FORBIDDEN', async () => {
    const direct = stack.subgraphUrl('order');
    const list = '{ orders(first: 100) { edges { node { id customerId } } } }';
    const none = await gql<any>(direct, list);
    expect(none.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect(none.data ?? null).toBeNull();
    const admin = { kind: 'partner' as const, id: 'ops', customers: ['M123', 'M124', 'M125', 'M200'], roles: ['admin'], scopes: ['admin', 'orders:read', 'orders:write'] };
    const forged = await gql<any>(direct, list, {}, { [CALLER_HEADER]: signCallerIdentity(admin, 'not-the-gateway-secret-0123456789') });
    expect(forged.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect(forged.data ?? null).toBeNull();
    const noScope = await gql<any>(direct, list, {}, { [CALLER_HEADER]: signCallerIdentity({ ...admin, roles: [], scopes: ['personal:read'] }, 'switchboard-dev-gateway-signing-secret') });
    expect(noScope.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', requiredScopes: [['orders:read']] });
  });

  it('a frontend app with a JWT sees the customers its token names', async () => {
    const p = await place('M125', 'none');
    await until(() => statusOf(p.id), (s) => s === 'ACKNOWLEDGED');
    const jwt = await new SignJWT({ customers: ['M125'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('app-user-1')
      .setIssuer('https://id.switchboard.test')
      .setAudience('switchboard')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JWT_SECRET));
    const bearer = { authorization: `Bearer ${jwt}` };
    expect(await statusOf(p.id, bearer as never)).toBe('ACKNOWLEDGED');
    const other = await place('M123', 'token');
    expect(await statusOf(other.id, bearer as never)).toBeUndefined();
    const wrongAudience = await new SignJWT({ customers: ['M125'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuer('https://id.switchboard.test').setAudience('other').setExpirationTime('5m').sign(new TextEncoder().encode(JWT_SECRET));
    const refused = await gql<any>(stack.gatewayUrl, '{ orders { edges { cursor } } }', {}, { authorization: `Bearer ${wrongAudience}` });
    expect(refused.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  });

  it('the order URL is reachable on the gateway host too, with the same answers', async () => {
    const intake = stack.gatewayUrl.replace('/graphql', '/vitec/order');
    const url = `${intake}?customerId=M125&orderId=${randomUUID()}&userId=U1251&currentUserId=U1252&estateId=OBJ125_1002&estateType=House`;
    const first = await fetch(url);
    expect(first.status).toBe(200);
    const id = first.headers.get('x-switchboard-order-id')!;
    const body = await first.text();
    const again = await fetch(url);
    expect([again.status, again.headers.get('x-switchboard-order-id'), await again.text()]).toEqual([200, id, body]);
    expect(await until(() => statusOf(id), (s) => s === 'ERROR' || s === 'ACKNOWLEDGED')).toBe('ERROR'); // Vitec does not know this order id
    const basic = await fetch(`${intake}?customerId=M124&orderId=${randomUUID()}`);
    expect(basic.status).toBe(401);
    expect(basic.headers.get('www-authenticate')).toMatch(/^Basic/);
  });

  it('an Order service killed after the ack finishes the pending order after its restart', async () => {
    await sandboxFaults(vitec, { latencyMs: 4000 });
    const p = await place('M123', 'token');
    expect(p.intakeMs).toBeLessThan(1000);
    await new Promise((r) => setTimeout(r, 300)); // processing has started and waits on Vitec
    await stack.services.find((s) => s.name === 'order')!.stop('SIGKILL');
    await sandboxFaults(vitec, { latencyMs: 0 });
    await stack.restart('order');
    try {
      await until(() => statusOf(p.id), (s) => s === 'ACKNOWLEDGED', 20_000);
    } catch (err) {
      for (const s of stack.services) console.error(`--- ${s.name} (exit ${s.child.exitCode})\n${s.output().slice(-3000)}`);
      throw err;
    }
    const o = await sandboxOrder(p.orderId);
    expect(o.statuses.map((s) => s.status)).toEqual(['OrderReceived']);
  });
});
