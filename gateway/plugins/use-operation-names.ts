import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { getOperationAST, Kind, type DocumentNode } from 'graphql';

/**
 * For Hive Router's query planner (`GATEWAY_QUERY_PLANNER=rust`) only. The JS planner sends each subgraph
 * the client's operation name; Hive Router's runtime sends its fetch node's own (`@graphql-hive/router-runtime`
 * `executeFetchPlanNode`: `operationName: fetchNode.operationName`, none for ours), so the subgraphs' logs,
 * metrics (`operation` label) and spans (`graphql.operation.name`) lost it. Here a subgraph operation
 * without a name gets the client's. The renamed document is kept per (plan document, name): no print or
 * parse per call, and at most one copy per name a client used with that plan.
 */
export function useOperationNames(): GatewayPlugin {
  const renamed = new WeakMap<DocumentNode, Map<string, DocumentNode>>();
  const MAX_NAMES_PER_DOCUMENT = 100;
  // the client's operation name, per operation (its context)
  const names = new WeakMap<object, string>();
  return {
    onExecute({ args }) {
      const name = getOperationAST(args.document, args.operationName)?.name?.value;
      if (name && args.contextValue) names.set(args.contextValue as object, name);
    },
    onSubscribe({ args }) {
      const name = getOperationAST(args.document, args.operationName)?.name?.value;
      if (name && args.contextValue) names.set(args.contextValue as object, name);
    },
    onSubgraphExecute({ executionRequest, setExecutionRequest }) {
      const name = executionRequest.context ? names.get(executionRequest.context as object) : undefined;
      if (!name || executionRequest.operationName) return;
      const doc = executionRequest.document;
      const ops = doc.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
      if (ops.length !== 1 || ops[0]!.kind !== Kind.OPERATION_DEFINITION || ops[0]!.name) return;
      let byName = renamed.get(doc);
      if (!byName) renamed.set(doc, (byName = new Map()));
      let named = byName.get(name);
      if (!named) {
        named = { ...doc, definitions: doc.definitions.map((d) => (d === ops[0] ? { ...d, name: { kind: Kind.NAME, value: name } } : d)) } as DocumentNode;
        if (byName.size < MAX_NAMES_PER_DOCUMENT) byName.set(name, named);
      }
      setExecutionRequest({ ...executionRequest, document: named, operationName: name });
    },
  };
}
