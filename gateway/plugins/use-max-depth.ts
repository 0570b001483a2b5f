import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { GraphQLError, Kind, type ASTVisitor, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext } from 'graphql';

/**
 * Refuses operations nested deeper than `maxDepth` before anything is planned or sent to a subgraph,
 * so one query cannot fan out into unbounded vendor calls. Fragments are followed; introspection is exempt.
 */
export function maxDepthRule(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of context.getDocument().definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    const depthOf = (set: SelectionSetNode | undefined, seen: Set<string>): number => {
      if (!set) return 0;
      let max = 0;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          if (sel.name.value.startsWith('__')) continue;
          max = Math.max(max, sel.selectionSet ? 1 + depthOf(sel.selectionSet, seen) : 1);
        } else if (sel.kind === Kind.INLINE_FRAGMENT) max = Math.max(max, depthOf(sel.selectionSet, seen));
        else if (!seen.has(sel.name.value)) {
          const f = fragments.get(sel.name.value);
          max = Math.max(max, depthOf(f?.selectionSet, new Set([...seen, sel.name.value])));
        }
      }
      return max;
    };
    return {
      OperationDefinition(op) {
        const depth = depthOf(op.selectionSet, new Set());
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`operation depth ${depth} exceeds the limit of ${maxDepth}`, { nodes: [op], extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } }),
          );
        }
      },
    };
  };
}

export function useMaxDepth(maxDepth: number): GatewayPlugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(maxDepthRule(maxDepth));
    },
  };
}
