import type { Server } from 'node:http';
import type { RunningSubgraph } from './subgraph-server';
import type { GraphQLError, GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Logger } from './logger';
import { formatSubgraphError } from './subgraph-server';

export interface SubscriptionServerOptions<C> {
  schema: GraphQLSchema;
  /**
   * The context of one operation. `operationHeaders` are the operation's `extensions.headers` (how the
   * gateway sends per-caller headers over a socket shared by many callers); `connectionParams` are the
   * socket's connection_init payload.
   */
  context: (operationHeaders: Record<string, unknown> | undefined, connectionParams: Record<string, unknown> | undefined) => Promise<C> | C;
  log: Logger;
  path?: string;
}

/**
 * graphql-ws on a subgraph's own HTTP server (same port and path as its HTTP GraphQL), so the gateway can
 * run federated subscriptions against it. Errors leave with the same stable codes as over HTTP. Given the
 * running subgraph, its drain closes these sockets with 1012 (Service Restart) and refuses new ones.
 */
export function attachSubscriptionServer<C>(server: Server | RunningSubgraph, opts: SubscriptionServerOptions<C>) {
  const http = 'websockets' in server ? server.server : server;
  const wss = new WebSocketServer({ server: http, path: opts.path ?? '/graphql' });
  if ('websockets' in server) server.websockets.push(wss);
  const format = formatSubgraphError(opts.log);
  const formatErrors = (errors: readonly GraphQLError[]) => errors.map((e) => format(e.toJSON(), e));
  const disposable = useServer(
    {
      schema: opts.schema,
      context: (ctx, _id, payload) => {
        const headers = (payload.extensions as { headers?: Record<string, unknown> } | undefined)?.headers;
        return opts.context(headers, ctx.connectionParams as Record<string, unknown> | undefined) as never;
      },
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors?.length ? { ...result, errors: formatErrors(result.errors) } : undefined),
      onError: (_ctx, _id, _payload, errors) => formatErrors(errors),
    },
    wss,
  );
  return {
    wss,
    async close() {
      await disposable.dispose();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}
