import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ALL_SCOPES } from '../platform/access';
import { devPartner } from '../platform/config/auth';
import { sandboxReset, sandboxStats, type GraphQLResult } from './support/graphql';
import { freePort, spawnService } from './support/processes';
import { startStack, type Stack } from './support/stack';

/**
 * Trusted documents through the real gateway (gateway → Vehicle → MMP sandbox, gateway → Order → Vitec
 * sandbox, separate processes): any caller may run a registered operation by its id; a partner that opted
 * in (`trustedDocumentsOnly`) runs registered operations only, over HTTP and graphql-ws, and what it is
 * refused costs no vendor call; a registry that does not match the supergraph stops the gateway at start.
 */
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const VEHICLE_CARD = 'query VehicleCard($plate: String!) { vehicle(plate: $plate) { plate information { vin brand } } }';
const ORDER_FEED = 'subscription OrderFeed { orderStatusChanged { status order { id } } }';
const MANIFEST = {
  format: 'apollo-persisted-query-manifest',
  version: 1,
  operations: [
    { id: sha(VEHICLE_CARD), name: 'VehicleCard', type: 'query', body: VEHICLE_CARD },
    { id: sha(ORDER_FEED), name: 'OrderFeed', type: 'subscription', body: ORDER_FEED },
  ],
};
const LOCKED_KEY = 'locked-partner-key-registered-operations-only';
const dev = devPartner();
const PARTNERS = [
  { id: dev.partnerId, keySha256: dev.keyHash, offices: dev.customers, roles: dev.roles, scopes: dev.scopes, grants: dev.grants },
  { id: 'locked', keySha256: sha(LOCKED_KEY), offices: ['M125'], scopes: [...ALL_SCOPES], trustedDocumentsOnly: true },
];
const DEV = { 'x-api-key': 'sb_dev_partner_key' };
const LOCKED = { 'x-api-key': LOCKED_KEY };
const PLATE = 'ABC123';

let stack: Stack;
let dir: string;
const sockets: Client[] = [];
const mmpCalls = async () => (await sandboxStats(stack.sandboxUrl('mmp'))).dataRequests;
const codes = (r: GraphQLResult) => (r.errors ?? []).map((e) => e.extensions?.code);

async function post(body: Record<string, unknown>, headers: Record<string, string>): Promise<GraphQLResult & { status: number }> {
  const res = await fetch(stack.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, ...((await res.json()) as GraphQLResult) };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchboard-trusted-'));
  writeFileSync(join(dir, 'partners.json'), JSON.stringify(PARTNERS));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(MANIFEST));
  stack = await startStack({
    sandboxes: ['mmp', 'vitec'],
    subgraphs: ['vehicle', 'order'],
    gateway: true,
    env: { PARTNER_KEYS: `@${join(dir, 'partners.json')}`, GATEWAY_TRUSTED_DOCUMENTS: join(dir, 'manifest.json'), ORDER_JOB_POLL_MS: '200' },
  });
}, 180_000);
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await stack?.stop();
});
beforeEach(() => sandboxReset(stack.sandboxUrl('mmp')));

describe('registered operations by id', () => {
  it('runs a registered query by documentId with the same answer as its text', async () => {
    const byText = await post({ query: VEHICLE_CARD, variables: { plate: PLATE } }, DEV);
    const byId = await post({ documentId: sha(VEHICLE_CARD), variables: { plate: PLATE } }, DEV);
    expect(byText.errors).toBeUndefined();
    expect(byId.status).toBe(200);
    expect(byId.errors).toBeUndefined();
    expect(byId.data).toEqual(byText.data);
    expect(byId.data!.vehicle.information.vin).toBeTruthy();
    // the `sha256:` prefix of the GraphQL-over-HTTP persisted documents proposal is accepted too
    expect((await post({ documentId: `sha256:${sha(VEHICLE_CARD)}`, variables: { plate: PLATE } }, DEV)).data).toEqual(byText.data);
  });

  it("takes Apollo's persistedQuery extension, also as a GET", async () => {
    const url = new URL(stack.gatewayUrl);
    url.searchParams.set('extensions', JSON.stringify({ persistedQuery: { version: 1, sha256Hash: sha(VEHICLE_CARD) } }));
    url.searchParams.set('variables', JSON.stringify({ plate: PLATE }));
    const res = await fetch(url, { headers: { accept: 'application/graphql-response+json', ...DEV } });
    const body = (await res.json()) as GraphQLResult;
    expect(body.errors).toBeUndefined();
    expect(body.data!.vehicle.plate).toBe(PLATE);
  });

  it('answers an unknown id with PERSISTED_QUERY_NOT_IN_LIST and a request id, before any vendor call', async () => {
    const r = await post({ documentId: sha('query { __typename }'), variables: {} }, DEV);
    expect(codes(r)).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
    expect(r.errors![0]!.extensions!.requestId).toEqual(expect.any(String));
    expect(r.data ?? null).toBeNull();
    expect(await mmpCalls()).toBe(0);
  });

  it('lets a partner that did not opt in send any operation', async () => {
    const r = await post({ query: '{ vehicle(plate: "ABC123") { plate } }' }, DEV);
    expect(r.errors).toBeUndefined();
    expect(r.data!.vehicle.plate).toBe(PLATE);
  });
});

describe('a partner that opted in runs registered operations only', () => {
  it('is refused the text of any operation — even a registered one — with PERSISTED_QUERY_ID_REQUIRED and no vendor call', async () => {
    for (const query of ['{ vehicle(plate: "ABC123") { plate information { vin } } }', VEHICLE_CARD]) {
      const r = await post({ query, variables: { plate: PLATE } }, LOCKED);
      expect(codes(r)).toEqual(['PERSISTED_QUERY_ID_REQUIRED']);
      expect(r.errors![0]!.message).toMatch(/documentId/);
      expect(r.errors![0]!.extensions!.requestId).toEqual(expect.any(String));
      expect(r.data ?? null).toBeNull();
    }
    expect(await mmpCalls()).toBe(0);
  });

  it('runs a registered query by id', async () => {
    const r = await post({ documentId: sha(VEHICLE_CARD), variables: { plate: PLATE } }, LOCKED);
    expect(r.errors).toBeUndefined();
    expect(r.data!.vehicle.information.vin).toBeTruthy();
  });

  it('over graphql-ws: a subscription by text is refused, the registered one by id gets the events', async () => {
    const connect = () => {
      const client = createClient({ url: stack.gatewayUrl.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams: LOCKED, retryAttempts: 0 });
      sockets.push(client);
      return client;
    };
    // graphql-ws requires a `query` string: an empty one, with the id beside it
    const refused: GraphQLResult[] = [];
    for await (const r of connect().iterate({ query: ORDER_FEED })) {
      refused.push(r as GraphQLResult);
      break;
    }
    expect(codes(refused[0]!)).toEqual(['PERSISTED_QUERY_ID_REQUIRED']);

    const events: string[] = [];
    const feed = connect().iterate<{ orderStatusChanged: { status: string } }>({ query: '', documentId: sha(ORDER_FEED) } as never);
    const collecting = (async () => {
      for await (const r of feed) {
        expect(r.errors).toBeUndefined();
        events.push(r.data!.orderStatusChanged.status);
        if (events.length === 2) break;
      }
    })();
    await new Promise((r) => setTimeout(r, 500));
    const placed = await fetch(`${stack.sandboxUrl('vitec')}/__sandbox/place-order`, { method: 'POST', body: JSON.stringify({ customerId: 'M125', authMode: 'none' }) });
    expect(placed.status).toBe(200);
    await Promise.race([collecting, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${events.length} events arrived`)), 15_000))]);
    expect(events).toEqual(['RECEIVED', 'ACKNOWLEDGED']);
  });
});

describe('a registry that does not fit stops the gateway at start', () => {
  const start = async (env: Record<string, string>) => {
    const svc = spawnService('gateway-refusing', 'gateway/main.ts', { ...stack.env, GATEWAY_PORT: String(await freePort()), ...env });
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), 45_000);
      svc.child.once('exit', (c) => (clearTimeout(timer), resolve(c)));
    });
    await svc.stop();
    return { code, output: svc.output() };
  };

  it.each([
    ['an id that is not the sha256 of its body', { [sha('other')]: VEHICLE_CARD }, /is not the sha256 of its body/],
    ['a field the supergraph does not have', { [sha('{ vehicle(plate: "X") { colour } }')]: '{ vehicle(plate: "X") { colour } }' }, /not valid against the supergraph: Cannot query field "colour"/],
  ])('%s', async (_, manifest, message) => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(manifest));
    const r = await start({ PARTNER_KEYS: `@${join(dir, 'partners.json')}`, GATEWAY_TRUSTED_DOCUMENTS: join(dir, 'bad.json') });
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull();
    expect(r.output).toMatch(message);
  });

  it('a partner opted in with no registry', async () => {
    const r = await start({ PARTNER_KEYS: `@${join(dir, 'partners.json')}`, GATEWAY_TRUSTED_DOCUMENTS: '' });
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull();
    expect(r.output).toMatch(/partners locked run registered operations only \(trustedDocumentsOnly\), but GATEWAY_TRUSTED_DOCUMENTS is not set/);
  }, 60_000);
});
