import { createRequire } from 'node:module';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError, GraphQLSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';

// Apollo (CommonJS) requires `graphql`; our ESM code imports it. Both must get the one module instance, as
// they do under Node, or `instanceof GraphQLError` / a schema built by @apollo/subgraph fail across them.
describe('graphql is loaded once', () => {
  it('our import and the CommonJS require of Apollo are the same module', () => {
    const required = createRequire(import.meta.url)('graphql') as typeof import('graphql');
    expect(required.GraphQLError).toBe(GraphQLError);
  });

  it('a schema built by @apollo/subgraph is a GraphQLSchema of ours', () => {
    const schema = buildSubgraphSchema({ typeDefs: parse('type Query { a: Int }') });
    expect(schema).toBeInstanceOf(GraphQLSchema);
  });
});
