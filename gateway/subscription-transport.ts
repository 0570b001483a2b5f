import { buildGraphQLWSExecutor } from '@graphql-tools/executor-graphql-ws';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { getOperationAST } from 'graphql';
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
    return buildGraphQLWSExecutor(client);
  },
};

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
