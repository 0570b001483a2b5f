import { parse, GraphQLError, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { useRequiredNulls } from './use-required-nulls';

type Request = { document: ReturnType<typeof parse>; variables: Record<string, unknown>; context: object; operationType: 'query' };

/** Runs one subgraph call through the plugin's hook: returns the request it would send on. */
function call(plugin: ReturnType<typeof useRequiredNulls>, request: Request, result: ExecutionResult): Request {
  let sent = request;
  const done = (plugin.onSubgraphExecute as (p: unknown) => ((d: unknown) => void) | void)({
    executionRequest: request,
    setExecutionRequest: (r: Request) => (sent = r),
  });
  if (done) done({ result, setResult: () => undefined });
  return sent;
}

const ENTITIES = parse('query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Vehicle { carsys { make } customers { id } } } }');
const REQUIRES = parse('query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Vehicle { facts { make } } } }');

describe('useRequiredNulls', () => {
  it('gives a later call back the null an earlier call answered without error; a field that failed stays absent', () => {
    const plugin = useRequiredNulls();
    const context = {};
    const first = [{ __typename: 'Vehicle', plate: 'A' }, { __typename: 'Vehicle', plate: 'B' }, { __typename: 'Vehicle', plate: 'C' }];
    call(plugin, { document: ENTITIES, variables: { representations: first }, context, operationType: 'query' }, {
      data: { _entities: [{ carsys: null, customers: [] }, { carsys: null, customers: [] }, { carsys: { make: 'VW' }, customers: [] }] },
      errors: [new GraphQLError('Carsys store down', { path: ['_entities', 1, 'carsys'] })],
    });
    // the runtime left the nulls out: A's carsys was null (nothing), B's failed, C's has a value
    const later = [{ __typename: 'Vehicle', plate: 'A' }, { __typename: 'Vehicle', plate: 'B' }, { __typename: 'Vehicle', plate: 'C', carsys: { make: 'VW' } }];
    const sent = call(plugin, { document: REQUIRES, variables: { representations: later }, context, operationType: 'query' }, { data: { _entities: [{}, {}, {}] } });
    expect(sent.variables.representations).toEqual([
      { __typename: 'Vehicle', plate: 'A', carsys: null },
      { __typename: 'Vehicle', plate: 'B' },
      { __typename: 'Vehicle', plate: 'C', carsys: { make: 'VW' } },
    ]);
  });

  it('another operation (context) is not touched', () => {
    const plugin = useRequiredNulls();
    call(plugin, { document: ENTITIES, variables: { representations: [{ __typename: 'Vehicle', plate: 'A' }] }, context: {}, operationType: 'query' }, {
      data: { _entities: [{ carsys: null, customers: [] }] },
    });
    const request: Request = { document: REQUIRES, variables: { representations: [{ __typename: 'Vehicle', plate: 'A' }] }, context: {}, operationType: 'query' };
    expect(call(plugin, request, { data: { _entities: [{}] } })).toBe(request);
  });
});
