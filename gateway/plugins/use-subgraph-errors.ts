import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { ErrorCode } from '../../platform/errors';
import type { Logger } from '../../platform/logger';

/** Codes @graphql-tools/executor-http gives a subgraph call that brought no GraphQL answer. */
const TRANSPORT_CODES = new Set(['SUBREQUEST_HTTP_ERROR', 'TIMEOUT_ERROR', 'RESPONSE_VALIDATION_FAILED']);

const isTransportError = (e: GraphQLError) => {
  const code = e.extensions?.code as string | undefined;
  return code ? TRANSPORT_CODES.has(code) : 'request' in (e.extensions ?? {});
};

/**
 * A subgraph that is down, hangs past the operation's budget or answers something that is not GraphQL
 * costs the fields it serves, with a documented code naming it — `UPSTREAM_UNAVAILABLE` or
 * `UPSTREAM_TIMEOUT`, `extensions.subgraph` — instead of the runtime's masked "Unexpected error." or
 * `GATEWAY_TIMEOUT`; the internal URL and cause go to the log only (one line per failed call).
 * An operation whose client went away is not logged: nobody waits for it.
 */
export function useSubgraphErrors(opts: { log: Logger }): GatewayPlugin {
  return {
    onSubgraphExecute({ subgraphName, executionRequest }) {
      return ({ result, setResult }) => {
        const r = result as ExecutionResult;
        if (!r || typeof r !== 'object' || !Array.isArray(r.errors) || !r.errors.some(isTransportError)) return;
        const signal = executionRequest.signal;
        if (signal?.aborted && signal.reason?.name !== 'TimeoutError') return;
        setResult({
          ...r,
          errors: r.errors.map((e) => {
            if (!isTransportError(e)) return e;
            const status = (e.extensions?.response as { status?: number } | undefined)?.status;
            const timedOut = signal?.aborted || e.extensions?.code === 'TIMEOUT_ERROR';
            const code = timedOut ? ErrorCode.UPSTREAM_TIMEOUT : e.extensions?.code === 'RESPONSE_VALIDATION_FAILED' && status !== undefined && status < 500 ? ErrorCode.UPSTREAM_BAD_RESPONSE : ErrorCode.UPSTREAM_UNAVAILABLE;
            opts.log.warn('subgraph call failed', { subgraph: subgraphName, code, cause: e.message.slice(0, 300), ...(status ? { status } : {}) });
            const message =
              code === ErrorCode.UPSTREAM_TIMEOUT
                ? `the ${subgraphName} service did not answer within the operation's budget`
                : code === ErrorCode.UPSTREAM_BAD_RESPONSE
                  ? `the ${subgraphName} service sent an answer that is not GraphQL`
                  : `the ${subgraphName} service is unavailable`;
            return new GraphQLError(message, { path: e.path, extensions: { code, subgraph: subgraphName } });
          }),
        });
      };
    },
  };
}
