import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { getOperationAST, type GraphQLError } from 'graphql';
import type { Logger } from '../../platform/logger';

// The caller's own mistakes: answered with a code, not worth an operator's attention.
const CALLER_CODES = new Set(['BAD_USER_INPUT', 'NOT_FOUND', 'CONFLICT', 'UNAUTHENTICATED', 'FORBIDDEN', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'PERSISTED_QUERY_NOT_FOUND']);

/**
 * One warn line per operation whose result carries errors that are not the caller's own (a subgraph or
 * vendor failed, a subgraph is down, something unexpected): operation, each error's code, path and
 * message, and the request id (request context). Without it the gateway said nothing when a subgraph failed.
 */
export function useErrorLog(log: Logger): GatewayPlugin {
  return {
    onExecute({ args }) {
      return {
        onExecuteDone({ result }) {
          if (!result || Symbol.asyncIterator in result) return;
          const errors = (result.errors ?? []) as GraphQLError[];
          const ours = errors.filter((e) => !CALLER_CODES.has(String(e.extensions?.code)));
          if (!ours.length) return;
          log.warn('operation answered with errors', {
            operation: getOperationAST(args.document, args.operationName)?.name?.value ?? 'anonymous',
            errors: ours.slice(0, 10).map((e) => ({ code: e.extensions?.code, path: e.path?.join('.'), message: e.message })),
            count: ours.length,
          });
        },
      };
    },
  };
}
