import { parse, print, type DocumentNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { useOperationNames } from './use-operation-names';

type Request = { document: DocumentNode; operationName?: string; context: object; operationType: 'query' };

/** The client's operation runs (onExecute), then one subgraph call: returns what the call would send. */
function run(plugin: ReturnType<typeof useOperationNames>, client: string, request: Request): Request {
  (plugin.onExecute as (p: unknown) => void)({ args: { document: parse(client), contextValue: request.context } });
  let sent = request;
  (plugin.onSubgraphExecute as (p: unknown) => void)({ executionRequest: request, setExecutionRequest: (r: Request) => (sent = r) });
  return sent;
}

describe('useOperationNames', () => {
  it('an unnamed subgraph operation gets the client’s name; the renamed document is reused', () => {
    const plugin = useOperationNames();
    const plan = parse('{ vehicle(plate: "A") { plate } }');
    const first = run(plugin, 'query Broken { vehicle(plate: "A") { plate } }', { document: plan, context: {}, operationType: 'query' });
    expect(first.operationName).toBe('Broken');
    expect(print(first.document)).toMatch(/^query Broken \{/);
    const second = run(plugin, 'query Broken { vehicle(plate: "A") { plate } }', { document: plan, context: {}, operationType: 'query' });
    expect(second.document).toBe(first.document);
    expect(print(plan)).not.toMatch(/Broken/);
  });

  it('an anonymous client operation, or a subgraph operation with its own name, is left alone', () => {
    const plugin = useOperationNames();
    const anonymous: Request = { document: parse('{ vehicle(plate: "A") { plate } }'), context: {}, operationType: 'query' };
    expect(run(plugin, '{ vehicle(plate: "A") { plate } }', anonymous)).toBe(anonymous);
    const named: Request = { document: parse('query Own { vehicle(plate: "A") { plate } }'), operationName: 'Own', context: {}, operationType: 'query' };
    expect(run(plugin, 'query Client { vehicle(plate: "A") { plate } }', named)).toBe(named);
  });
});
