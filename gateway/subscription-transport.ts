import { buildGraphQLWSExecutor } from '@graphql-tools/executor-graphql-ws';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { getOperationAST, GraphQLError, type ExecutionResult, type GraphQLFormattedError } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * graphql-ws from the gateway to a subgraph, like `@graphql-mesh/transport-ws` but without its silent
 * retries. graphql-ws retries a lost socket (5 attempts) and subscribes again with the operation's first
 * variables: after a subgraph replica dies, that replays from the first `afterEventId` (duplicates) or,
 * without one, starts live again and skips what happened meanwhile (a gap the client never hears of).
 * With no retry the lost socket ends the subscription with an error and the client resumes itself with
 * the last `eventId` it received (README: following orders); a draining replica ends its streams with
 * EVENTS_INTERRUPTED before it closes the socket (platform/drain.ts), so that path never gets here.
 * One socket per subgraph URL, opened when the first subscription starts and closed 3 s after the last.
 */
export default {
  getSubgraphExecutor({ transportEntry }: { transportEntry: { location?: string } }) {
    if (!transportEntry.location) throw new Error('subscription transport: the transport entry has no location');
    const url = transportEntry.location.replace(/^http(s?):\/\//, 'ws$1://');
    const client = createClient({ url, webSocketImpl: WebSocket, lazy: true, lazyCloseTimeout: 3_000, retryAttempts: 0 });
    // disposable: disposing it disposes the client
    const executor = buildGraphQLWSExecutor(client);
    const withErrors = (request: Parameters<typeof executor>[0]) => {
      const result = executor(request) as AsyncIterable<ExecutionResult> | Promise<ExecutionResult>;
      return Symbol.asyncIterator in result ? mapResults(result) : result.then(asGraphQLErrors);
    };
    // the executor's dispose symbol(s) (it may be Symbol.asyncDispose or a polyfill's) stay on the wrapper
    for (const key of Object.getOwnPropertySymbols(executor)) Object.defineProperty(withErrors, key, Object.getOwnPropertyDescriptor(executor, key)!);
    return withErrors as unknown as typeof executor;
  },
};

/**
 * graphql-ws hands a subgraph's errors over as the JSON it received; the JS planner wraps them itself,
 * Hive Router's (`GATEWAY_QUERY_PLANNER=rust`) passes them on as they are and the server then masks them
 * (not `GraphQLError`s) as INTERNAL_SERVER_ERROR. Made `GraphQLError`s here, with their message, path and
 * extensions (the subgraph's code), both planners see what the HTTP transport gives them.
 */
function mapResults(source: AsyncIterable<ExecutionResult>): AsyncIterableIterator<ExecutionResult> {
  const it = source[Symbol.asyncIterator]();
  // a plain iterator, not an async generator: a `return()` (the client left) reaches the socket at once,
  // not after the next event
  return {
    next: () => it.next().then((r) => (r.done ? r : { done: false, value: asGraphQLErrors(r.value) })),
    return: (value?: unknown) => (it.return ? it.return(value) : Promise.resolve({ done: true as const, value })),
    throw: (err?: unknown) => (it.throw ? it.throw(err) : Promise.reject(err)),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function asGraphQLErrors(result: ExecutionResult): ExecutionResult {
  if (!result || !Array.isArray(result.errors) || result.errors.every((e) => e instanceof GraphQLError)) return result;
  return {
    ...result,
    errors: result.errors.map((e) => {
      if (e instanceof GraphQLError) return e;
      const f = e as GraphQLFormattedError;
      return new GraphQLError(f.message, { path: f.path, extensions: f.extensions });
    }),
  };
}

type ExecutionRequest = Parameters<NonNullable<GatewayPlugin['onSubgraphExecute']>>[0]['executionRequest'];

export const isSubscription = (executionRequest: ExecutionRequest) =>
  (executionRequest.operationType ?? getOperationAST(executionRequest.document, executionRequest.operationName)?.operation) === 'subscription';

/**
 * `executionRequest` with `headers` added to its `extensions.headers`, which this transport sends in the
 * subscribe message — per-operation headers (caller, request id, trace context) on a socket many
 * subscriptions share — and the HTTP transport as headers.
 */
export function withHeaders(executionRequest: ExecutionRequest, headers: Record<string, string>): ExecutionRequest {
  return { ...executionRequest, extensions: { ...executionRequest.extensions, headers: { ...(executionRequest.extensions?.headers as Record<string, string> | undefined), ...headers } } };
}
