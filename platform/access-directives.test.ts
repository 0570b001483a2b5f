import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse, subscribe } from 'graphql';
import { describe, expect, it } from 'vitest';
import { accessRulesOf, enforceAccessDirectives, type AccessContext } from './access-directives';
import type { CallerIdentity } from './caller-identity';

const typeDefs = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@authenticated", "@requiresScopes"])
  type Query {
    public: String
    mine: String @authenticated
    either: String @requiresScopes(scopes: [["a", "b"], ["admin"]])
    person: Person
  }
  type Person @requiresScopes(scopes: [["personal:read"]]) { name: String }
  type Mutation { act: String @requiresScopes(scopes: [["act:write"]]) }
  type Subscription { ticks: Int @requiresScopes(scopes: [["ticks:read"]]) }
`);
// Built by @apollo/subgraph, as every subgraph is (its graphql module may differ from this file's).
const schema = enforceAccessDirectives(
  buildSubgraphSchema([
    {
      typeDefs,
      resolvers: {
        Query: { public: () => 'p', mine: () => 'm', either: () => 'e', person: () => ({ name: 'Ana' }) },
        Mutation: { act: () => 'done' },
        Subscription: {
          ticks: {
            async *subscribe() {
              yield { ticks: 1 };
            },
          },
        },
      } as never,
    },
  ]),
);

const caller = (scopes: string[], roles: string[] = []): CallerIdentity => ({ kind: 'partner', id: 'p', customers: [], roles, scopes });
const run = async (query: string, ctx: AccessContext) => {
  const r = await execute({ schema, document: parse(query), contextValue: ctx });
  return { data: r.data, codes: (r.errors ?? []).map((e) => (e.originalError as { code?: string } | undefined)?.code) };
};

describe('enforceAccessDirectives', () => {
  it('reads field and type rules from the subgraph SDL', () => {
    const rules = accessRulesOf(schema);
    expect(rules.get('Query.mine')).toEqual({ authenticated: true, scopes: [] });
    expect(rules.get('Query.either')).toEqual({ authenticated: false, scopes: [[['a', 'b'], ['admin']]] });
    expect(rules.get('Person.name')).toEqual({ authenticated: false, scopes: [[['personal:read']]] });
    expect(rules.has('Query.public')).toBe(false);
  });

  it('anonymous: public only; a missing scope is FORBIDDEN; alternatives and roles count', async () => {
    expect(await run('{ public }', {})).toEqual({ data: { public: 'p' }, codes: [] });
    expect((await run('{ mine }', {})).codes).toEqual(['UNAUTHENTICATED']);
    expect((await run('{ person { name } }', {})).codes).toEqual(['UNAUTHENTICATED']);
    expect((await run('{ mine person { name } }', { caller: caller([]) })).codes).toEqual(['FORBIDDEN']);
    expect((await run('{ either }', { caller: caller(['a']) })).codes).toEqual(['FORBIDDEN']);
    expect((await run('{ either }', { caller: caller(['a', 'b']) })).data).toEqual({ either: 'e' });
    expect((await run('{ either }', { caller: caller([], ['admin']) })).data).toEqual({ either: 'e' });
    expect((await run('{ person { name } }', { caller: caller(['personal:read']) })).data).toEqual({ person: { name: 'Ana' } });
    expect((await run('mutation { act }', { caller: caller(['personal:read']) })).codes).toEqual(['FORBIDDEN']);
  });

  it('a refused caller header gets nothing, not even public fields', async () => {
    expect(await run('{ public }', { callerProblem: 'bad-signature' })).toEqual({ data: { public: null }, codes: ['UNAUTHENTICATED'] });
  });

  it('checks a subscription before it starts', async () => {
    const refused = await subscribe({ schema, document: parse('subscription { ticks }'), contextValue: { caller: caller([]) } });
    expect('errors' in refused && refused.errors?.map((e) => (e.originalError as { code?: string }).code)).toEqual(['FORBIDDEN']);
    const allowed = await subscribe({ schema, document: parse('subscription { ticks }'), contextValue: { caller: caller(['ticks:read']) } });
    const first = await (allowed as AsyncIterableIterator<{ data?: unknown }>).next();
    expect(first.value.data).toEqual({ ticks: 1 });
  });
});
