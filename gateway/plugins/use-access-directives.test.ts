import { createHash } from 'node:crypto';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GatewayRuntime } from '@graphql-hive/gateway-runtime';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyGrants } from '../../platform/access';
import { silentLogger } from '../../platform/logger';
import { startSubgraphServer, type RunningSubgraph } from '../../platform/subgraph-server';
import { createSwitchboardGateway } from '../create-gateway';
import { useAccessDirectives } from './use-access-directives';
import { useCallerIdentity } from './use-caller-identity';

/**
 * The gateway's access rules in-process, against a real subgraph: an operation the rules allowed once for
 * a set of scopes is not checked again for that set (use-access-directives.ts `rememberAllowed`), so the
 * same document must still be refused for another caller, for no caller, and when a variable of
 * `@include` brings a protected field in — whatever order the callers come in.
 */
const SECRET = 'access-test-signing-secret';
const KEY_READER = 'key-with-secret-read';
const KEY_NONE = 'key-with-no-scope';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

const typeDefs = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@requiresScopes", "@authenticated"])
  type Query {
    open: String
    member: String @authenticated
    secret: String @requiresScopes(scopes: [["secret:read"]])
  }
`);
const schema = buildSubgraphSchema([{ typeDefs, resolvers: { Query: { open: () => 'o', member: () => 'm', secret: () => 's' } } as never }]);

let subgraph: RunningSubgraph;
let gateway: GatewayRuntime;

beforeAll(async () => {
  subgraph = await startSubgraphServer({ name: 'vault', schema, log: silentLogger, context: () => ({}) }, 0);
  const composed = composeServices([{ name: 'vault', url: subgraph.url, typeDefs }]);
  if (composed.errors?.length) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  gateway = createSwitchboardGateway({
    supergraphSdl: composed.supergraphSdl!,
    subgraphs: [{ name: 'vault', url: subgraph.url }],
    log: silentLogger,
    corsOrigins: [],
    maxDepth: 10,
    introspection: false,
    budgets: { queryBudgetMs: 5000, mutationBudgetMs: 5000 },
    plugins: [
      useCallerIdentity({
        partners: [
          { partnerId: 'reader', keyHash: sha(KEY_READER), customers: [], roles: [], scopes: ['secret:read'], grants: emptyGrants() },
          { partnerId: 'none', keyHash: sha(KEY_NONE), customers: [], roles: [], scopes: [], grants: emptyGrants() },
        ],
        signingSecret: SECRET,
        log: silentLogger,
      }),
      useAccessDirectives(),
    ],
  });
});
afterAll(async () => {
  await gateway?.dispose();
  await subgraph?.close();
});

const ask = async (query: string, key?: string, variables?: Record<string, unknown>) => {
  const res = await gateway.fetch('http://gateway/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
};
const codes = (r: { errors?: { extensions?: { code?: string } }[] }) => (r.errors ?? []).map((e) => e.extensions?.code);

describe('useAccessDirectives, with allowed operations remembered', () => {
  it('refuses the same document for a caller without the scope after it was allowed for one with it, and allows it again after', async () => {
    const q = '{ open secret }';
    for (let round = 0; round < 3; round++) {
      expect(await ask(q, KEY_READER)).toEqual({ data: { open: 'o', secret: 's' } });
      const refused = await ask(q, KEY_NONE);
      expect(codes(refused)).toEqual(['FORBIDDEN']);
      expect(refused.data ?? null).toBeNull();
      expect(codes(await ask(q))).toEqual(['UNAUTHENTICATED']);
    }
  });

  it('tells an anonymous caller from an authenticated one with no scopes on the same document', async () => {
    const q = '{ member }';
    expect(await ask(q, KEY_NONE)).toEqual({ data: { member: 'm' } });
    expect(codes(await ask(q))).toEqual(['UNAUTHENTICATED']);
    expect(await ask(q, KEY_NONE)).toEqual({ data: { member: 'm' } });
  });

  it('checks again when a variable of @include brings a protected field into the same document', async () => {
    const q = 'query Q($withSecret: Boolean!) { open secret @include(if: $withSecret) }';
    expect(await ask(q, KEY_NONE, { withSecret: false })).toEqual({ data: { open: 'o' } });
    expect(codes(await ask(q, KEY_NONE, { withSecret: true }))).toEqual(['FORBIDDEN']);
    expect(await ask(q, KEY_NONE, { withSecret: false })).toEqual({ data: { open: 'o' } });
    expect(await ask(q, KEY_READER, { withSecret: true })).toEqual({ data: { open: 'o', secret: 's' } });
  });
});
