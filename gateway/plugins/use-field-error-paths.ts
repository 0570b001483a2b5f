import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { GraphQLError, Kind, getOperationAST, type DocumentNode, type ExecutionResult, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

type Path = (string | number)[];

/** Response keys a selection set gives an object of `typename` (through inline fragments and spreads), `__typename` aside. */
function responseKeys(document: DocumentNode, set: SelectionSetNode, typename: string | undefined, into = new Set<string>()): Set<string> {
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) {
      if (s.name.value !== '__typename') into.add(s.alias?.value ?? s.name.value);
      continue;
    }
    const fragment =
      s.kind === Kind.INLINE_FRAGMENT
        ? s
        : document.definitions.find((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === s.name.value);
    const condition = fragment?.typeCondition?.name.value;
    if (fragment && (!typename || !condition || condition === typename)) responseKeys(document, fragment.selectionSet, typename, into);
  }
  return into;
}

/**
 * The paths of the fields one subgraph call was to give: `[alias, i, key]` for each representation `i`
 * of an `_entities` field and each field `key` asked of it, `[key]` for a root field.
 */
export function fieldPathsOf(document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown> | undefined): Path[] {
  const op = getOperationAST(document, operationName);
  if (!op) return [];
  const paths: Path[] = [];
  for (const s of op.selectionSet.selections) {
    if (s.kind !== Kind.FIELD) continue;
    const key = s.alias?.value ?? s.name.value;
    if (s.name.value !== '_entities' || !s.selectionSet) {
      if (s.name.value !== '__typename') paths.push([key]);
      continue;
    }
    const arg = s.arguments?.find((a) => a.name.value === 'representations')?.value;
    const reps = arg?.kind === Kind.VARIABLE ? variables?.[arg.name.value] : undefined;
    if (!Array.isArray(reps)) {
      paths.push([key]);
      continue;
    }
    reps.forEach((rep, i) => {
      let keys = responseKeys(document, s.selectionSet!, (rep as { __typename?: string } | null)?.__typename);
      if (keys.size === 0) keys = responseKeys(document, s.selectionSet!, undefined);
      for (const k of keys) paths.push([key, i, k]);
    });
  }
  return paths;
}

/**
 * For Hive Router's query planner (`GATEWAY_QUERY_PLANNER=rust`) only. A subgraph call that fails as a
 * whole (down, hung past the budget, not GraphQL) brings errors without a path; the JS planner places them
 * at each field the call was to give (`["vehicle","customers"]`), Hive Router's runtime at the entity that
 * asked for them (`["vehicle"]`: `@graphql-hive/router-runtime` `normalizeFetchErrors` falls back to the
 * flatten node's path). Here each such error is given the path of each field the call was to give, in the
 * call's own terms (`_entities`, index, field), which the runtime maps back to the client's path as it
 * does for a subgraph's own field errors — so a failed subgraph costs only its fields, at their path, with
 * either planner. Bounded by the call itself: one error per field asked of each entity sent.
 */
export function useFieldErrorPaths(): GatewayPlugin {
  return {
    onSubgraphExecute({ executionRequest }) {
      if (executionRequest.operationType === 'subscription') return;
      return ({ result, setResult }) => {
        if (!result || Symbol.asyncIterator in (result as object)) return;
        const r = result as ExecutionResult;
        if (!Array.isArray(r.errors) || !r.errors.some((e) => !e.path)) return;
        const paths = fieldPathsOf(executionRequest.document, executionRequest.operationName, executionRequest.variables);
        if (paths.length === 0) return;
        const errors = r.errors.flatMap((e) =>
          e.path ? [e] : paths.map((path) => new GraphQLError(e.message, { path, extensions: e.extensions, originalError: e.originalError ?? undefined })),
        );
        setResult({ ...r, errors });
      };
    },
  };
}
