import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { ErrorCode } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import { DEADLINE_REASON, deadlineExpired } from './use-deadlines';

/** Codes @graphql-tools/executor-http gives a subgraph call that brought no GraphQL answer. */
const TRANSPORT_CODES = new Set(['SUBREQUEST_HTTP_ERROR', 'TIMEOUT_ERROR', 'RESPONSE_VALIDATION_FAILED']);

type Extensions = { code?: string; serviceName?: string; http?: { status?: number }; response?: { status?: number } };

function coded(e: GraphQLError, expired: boolean, log: Logger): GraphQLError {
  const ext = (e.extensions ?? {}) as Extensions;
  const subgraph = ext.serviceName ?? 'unknown';
  const status = ext.response?.status;
  // The operation's deadline aborted the call, or executor-http saw a TimeoutError.
  const code =
    (expired && /abort/i.test(e.message)) || e.message.startsWith(DEADLINE_REASON) || ext.http?.status === 504 || ext.code === 'TIMEOUT_ERROR'
      ? ErrorCode.UPSTREAM_TIMEOUT
      : ext.code === 'RESPONSE_VALIDATION_FAILED' && status !== undefined && status < 500
        ? ErrorCode.UPSTREAM_BAD_RESPONSE
        : ErrorCode.UPSTREAM_UNAVAILABLE;
  log.warn('subgraph call failed', { subgraph, code, cause: e.message.slice(0, 300), ...(status ? { status } : {}) });
  const message =
    code === ErrorCode.UPSTREAM_TIMEOUT
      ? `the ${subgraph} service did not answer within the operation's budget`
      : code === ErrorCode.UPSTREAM_BAD_RESPONSE
        ? `the ${subgraph} service sent an answer that is not GraphQL`
        : `the ${subgraph} service is unavailable`;
  return new GraphQLError(message, { path: e.path, extensions: { code, subgraph } });
}

/**
 * A subgraph that is down, hangs past the operation's budget or answers something that is not GraphQL
 * costs the fields it serves, with a documented code naming it — `UPSTREAM_UNAVAILABLE`, `UPSTREAM_TIMEOUT`
 * or `UPSTREAM_BAD_RESPONSE`, `extensions.subgraph` — instead of the runtime's masked "Unexpected error."
 * or `GATEWAY_TIMEOUT`; the internal URL and cause go to the log only (one line per failed call).
 * Done once per operation on its result (the runtime has already placed each error at its fields' path and
 * named the subgraph in `serviceName`), so subgraph calls pay nothing. An operation whose client went
 * away is left alone: nobody reads it.
 */
export function useSubgraphErrors(opts: { log: Logger }): GatewayPlugin {
  const isTransport = (e: GraphQLError) => TRANSPORT_CODES.has((e.extensions?.code as string | undefined) ?? '');
  return {
    onExecute({ args }) {
      return {
        onExecuteDone({ result, setResult }) {
          const r = result as ExecutionResult;
          if (!Array.isArray(r?.errors) || !r.errors.some(isTransport)) return;
          if ((args.contextValue as { request?: Request }).request?.signal?.aborted) return;
          const expired = deadlineExpired(args.contextValue);
          setResult({ ...r, errors: r.errors.map((e) => (isTransport(e) ? coded(e, expired, opts.log) : e)) });
        },
      };
    },
  };
}
