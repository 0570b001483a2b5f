import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { getGraphQLWSOptions, type GatewayRuntime } from '@graphql-hive/gateway-runtime';
import { parse } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { callerHeaderOf, verifyCallerIdentity, type CallerIdentity } from '../../platform/caller-identity';
import { silentLogger } from '../../platform/logger';
import { attachSubscriptionServer } from '../../platform/subscription-server';
import { startSubgraphServer, type RunningSubgraph } from '../../platform/subgraph-server';
import { gql } from '../../test/support/graphql';
import { plannerFromEnv } from '../../test/support/planner';
import { createSwitchboardGateway } from '../create-gateway';
import { emptyGrants } from '../../platform/access';
import { useCallerIdentity } from './use-caller-identity';

/**
 * The gateway plugin in-process, against an "echo" subgraph that answers the identity it verified from the
 * signed header: HTTP and graphql-ws callers, API keys and JWTs, and one shared upstream socket carrying
 * the subscriptions of different callers.
 */
const SECRET = 'plugin-test-signing-secret';
const JWT_SECRET = 'plugin-test-jwt-secret-plugin-test-jwt-secret';
const KEY_A = 'key-of-partner-a';
const KEY_B = 'key-of-partner-b';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

const typeDefs = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Caller { kind: String! id: String! customers: [String!]! roles: [String!]! scopes: [String!] grants: CallerGrants }
  type CallerGrants { workshops: [String!] mmpOrganisations: [String!] mmpPointsOfSale: [String!] dealers: [String!] }
  type Query { whoami: Caller }
  type Subscription { whoamiLive: Caller }
`);
type Ctx = { caller?: CallerIdentity };
const echo = buildSubgraphSchema([
  {
    typeDefs,
    resolvers: {
      Query: { whoami: (_: unknown, __: unknown, ctx: Ctx) => ctx.caller ?? null },
      Subscription: {
        whoamiLive: {
          async *subscribe(_: unknown, __: unknown, ctx: Ctx) {
            yield { whoamiLive: ctx.caller ?? null };
          },
        },
      },
    } as never,
  },
]);
const contextOf = (header: string | undefined): Ctx => {
  const v = verifyCallerIdentity(header, SECRET);
  return v && 'identity' in v ? { caller: v.identity } : {};
};

let subgraph: RunningSubgraph;
let subgraphWs: { close(): Promise<void> };
let gateway: GatewayRuntime;
let server: Server;
let wss: WebSocketServer;
let url: string;
const clients: Client[] = [];

beforeAll(async () => {
  subgraph = await startSubgraphServer({ name: 'echo', schema: echo, log: silentLogger, context: (req) => contextOf(callerHeaderOf(req.headers)) }, 0);
  subgraphWs = attachSubscriptionServer(subgraph.server, { schema: echo, log: silentLogger, context: (headers) => contextOf(callerHeaderOf(headers)) });
  const composed = composeServices([{ name: 'echo', url: subgraph.url, typeDefs }]);
  if (composed.errors?.length) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  gateway = createSwitchboardGateway({
    supergraphSdl: composed.supergraphSdl!,
    subgraphs: [{ name: 'echo', url: subgraph.url }],
    log: silentLogger,
    corsOrigins: [],
    maxDepth: 10,
    introspection: true,
    budgets: { queryBudgetMs: 5000, mutationBudgetMs: 5000 },
    unifiedGraphHandler: await plannerFromEnv(),
    plugins: [
      useCallerIdentity({
        partners: [
          { partnerId: 'a', keyHash: sha(KEY_A), customers: ['M1', 'M2'], roles: ['admin'], scopes: ['orders:read'], grants: { ...emptyGrants(), workshops: ['6060001'] } },
          { partnerId: 'b', keyHash: sha(KEY_B), customers: ['M9'], roles: [], scopes: [], grants: emptyGrants() },
        ],
        jwt: { issuer: 'https://id.test', audience: 'switchboard', secret: JWT_SECRET },
        signingSecret: SECRET,
        log: silentLogger,
      }),
    ],
  });
  await gateway.getSchema();
  server = createServer(gateway);
  wss = new WebSocketServer({ server, path: '/graphql' });
  useServer(getGraphQLWSOptions<Record<string, unknown>, Extra>(gateway, (ctx) => ({ req: ctx.extra?.request, socket: ctx.extra?.socket })), wss);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  for (const c of clients) await c.dispose();
  wss?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await gateway?.dispose();
  await subgraphWs?.close();
  await subgraph?.close();
});

const jwt = (claims: Record<string, unknown>, opts: { aud?: string; exp?: string } = {}) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('user-7')
    .setIssuer('https://id.test')
    .setAudience(opts.aud ?? 'switchboard')
    .setExpirationTime(opts.exp ?? '5m')
    .sign(new TextEncoder().encode(JWT_SECRET));

const WHOAMI = '{ whoami { kind id customers roles } }';

describe('useCallerIdentity over HTTP', () => {
  it('passes a partner (x-api-key or Authorization: ApiKey) to the subgraph as a signed identity', async () => {
    expect((await gql(url, WHOAMI, {}, { 'x-api-key': KEY_A })).data).toEqual({ whoami: { kind: 'partner', id: 'a', customers: ['M1', 'M2'], roles: ['admin'] } });
    expect((await gql(url, WHOAMI, {}, { authorization: `ApiKey ${KEY_B}` })).data).toEqual({ whoami: { kind: 'partner', id: 'b', customers: ['M9'], roles: [] } });
  });

  it('passes a frontend user from a valid JWT, with the customers its claim names', async () => {
    const res = await gql(url, WHOAMI, {}, { authorization: `Bearer ${await jwt({ customers: ['M2'], roles: ['admin', 42] })}` });
    expect(res.data).toEqual({ whoami: { kind: 'user', id: 'user-7', customers: ['M2'], roles: ['admin'] } });
  });

  it('carries scopes and grants: a partner\'s configured ones; a JWT\'s scope claim and grant claims, or its offices\' order scopes', async () => {
    const q = '{ whoami { id scopes grants { workshops dealers } } }';
    expect((await gql(url, q, {}, { 'x-api-key': KEY_A })).data).toEqual({ whoami: { id: 'a', scopes: ['orders:read'], grants: { workshops: ['6060001'], dealers: [] } } });
    const scoped = await jwt({ customers: [], scope: 'personal:read capacity:write', workshops: ['6060002', 7], dealers: ['d1'] });
    expect((await gql(url, q, {}, { authorization: `Bearer ${scoped}` })).data).toEqual({ whoami: { id: 'user-7', scopes: ['personal:read', 'capacity:write'], grants: { workshops: ['6060002'], dealers: ['d1'] } } });
    const legacy = await jwt({ customers: ['M2'] });
    expect((await gql(url, q, {}, { authorization: `Bearer ${legacy}` })).data).toEqual({ whoami: { id: 'user-7', scopes: ['orders:read', 'orders:write'], grants: { workshops: [], dealers: [] } } });
  });

  it('anonymous queries reach subgraphs without identity; wrong credentials are refused with 401', async () => {
    expect((await gql(url, WHOAMI)).data).toEqual({ whoami: null });
    const refused: Record<string, string>[] = [{ 'x-api-key': 'nope' }, { authorization: `Bearer ${await jwt({}, { aud: 'other' })}` }, { authorization: 'Bearer not.a.jwt' }];
    for (const headers of refused) {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers }, body: JSON.stringify({ query: WHOAMI }) });
      const body = (await res.json()) as any;
      expect([res.status, body.errors[0].extensions.code], JSON.stringify(headers).slice(0, 40) + JSON.stringify(body)).toEqual([401, 'UNAUTHENTICATED']);
    }
  });
});

describe('useCallerIdentity over graphql-ws', () => {
  const ws = (connectionParams: Record<string, string>) => {
    const c = createClient({ url: url.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams, retryAttempts: 0 });
    clients.push(c);
    return c;
  };
  const first = async (c: Client) => {
    for await (const r of c.iterate({ query: 'subscription { whoamiLive { kind id customers roles } }' })) return r;
    return undefined;
  };

  it('each caller’s subscription carries its own identity over the one upstream socket', async () => {
    const [a, b, u] = await Promise.all([first(ws({ 'x-api-key': KEY_A })), first(ws({ apiKey: KEY_B })), jwt({ customers: ['M1'] }).then((t) => first(ws({ authorization: `Bearer ${t}` })))]);
    expect(a!.data).toEqual({ whoamiLive: { kind: 'partner', id: 'a', customers: ['M1', 'M2'], roles: ['admin'] } });
    expect(b!.data).toEqual({ whoamiLive: { kind: 'partner', id: 'b', customers: ['M9'], roles: [] } });
    expect(u!.data).toEqual({ whoamiLive: { kind: 'user', id: 'user-7', customers: ['M1'], roles: [] } });
  });

  it('refuses a subscription without credentials with UNAUTHENTICATED', async () => {
    const r = await first(ws({}));
    expect(r!.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect(r!.errors![0]!.message).toMatch(/x-api-key/);
    const wrong = await first(ws({ 'x-api-key': 'nope' }));
    expect(wrong!.errors![0]!).toMatchObject({ message: 'unknown API key', extensions: { code: 'UNAUTHENTICATED' } });
  });
});
