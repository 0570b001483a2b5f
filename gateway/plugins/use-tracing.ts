import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { context, propagation } from '@opentelemetry/api';
import type { ServerOptions } from 'graphql-ws';
import { traceOperation, tracingEnabled } from '../../platform/telemetry';
import { isSubscription, withHeaders } from '../subscription-transport';

/** Probes and the explorer's static assets start no trace; GraphQL and the Vitec order intake do. */
const UNTRACED = new Set(['/healthz', '/readyz', '/metrics', '/']);
const traced = (request: Request) => {
  const path = new URL(request.url).pathname;
  return !UNTRACED.has(path) && !path.startsWith('/explorer/');
};

/**
 * The runtime's plugin injects `traceparent` into subgraph fetches only; a subscription goes to its
 * subgraph over a graphql-ws socket shared by many subscriptions, so its trace context travels in the
 * subscribe message's `extensions.headers`, like the caller header (the subgraph: platform/subscription-server.ts).
 * Runs inside the subgraph execution's span, which becomes the parent of the subgraph's.
 */
const propagateToSubscriptions: GatewayPlugin = {
  onSubgraphExecute({ executionRequest, setExecutionRequest }) {
    if (!isSubscription(executionRequest)) return;
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    setExecutionRequest(withHeaders(executionRequest, carrier));
  },
};

/**
 * The Hive runtime's OpenTelemetry plugin: spans for the HTTP request, GraphQL parse/validate/execute,
 * each subgraph execution and its upstream fetch, continuing an incoming `traceparent` and injecting it
 * into every subgraph request (and subscription, above). Uses the tracer provider `startTelemetry`
 * registered (platform/telemetry.ts); an empty list when tracing is off, so the plugin is not even loaded.
 */
export async function useTracing(): Promise<GatewayPlugin[]> {
  if (!tracingEnabled()) return [];
  const { useOpenTelemetry } = await import('@graphql-hive/plugin-opentelemetry');
  return [useOpenTelemetry({ traces: { spans: { http: ({ request }) => traced(request) } } }) as GatewayPlugin, propagateToSubscriptions];
}

const OPERATION_NAME = /\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/;

/**
 * graphql-ws operations reach the runtime without an HTTP request (`getGraphQLWSOptions`), and its plugin
 * traces none of them. Each gets a SERVER span of its own, active while the runtime plans and starts it,
 * so its subgraph calls (a subscription's included, above) continue it. The options as given when tracing is off.
 */
export function traceGraphQLWS<P extends Record<string, unknown> | undefined, E>(options: ServerOptions<P, E>): ServerOptions<P, E> {
  if (!tracingEnabled()) return options;
  type Operation = NonNullable<ServerOptions<P, E>['execute']>;
  const traced = (run: Operation | undefined): Operation | undefined =>
    run &&
    (async (args) => {
      const params = (args.contextValue as { params?: { operationName?: string; query?: string } } | undefined)?.params;
      // a label only (the runtime parses the document later): the operation named, or the first one's name
      const name = params?.operationName ?? (params?.query ? OPERATION_NAME.exec(params.query)?.[1] : undefined);
      const op = traceOperation(undefined, `graphql-ws ${name ?? 'operation'}`, name ? { 'graphql.operation.name': name } : {});
      try {
        return await op.run(() => run(args));
      } catch (err) {
        op.end(err);
        throw err;
      } finally {
        op.end();
      }
    });
  return { ...options, execute: traced(options.execute), subscribe: traced(options.subscribe) };
}
