import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { tracingEnabled } from '../../platform/telemetry';

/** Requests that are not GraphQL (probes, the landing page) start no trace. */
const traced = (request: Request) => new URL(request.url).pathname === '/graphql';

/**
 * The Hive runtime's OpenTelemetry plugin: spans for the HTTP request, GraphQL parse/validate/execute,
 * each subgraph execution and its upstream fetch, continuing an incoming `traceparent` and injecting it
 * into every subgraph request. Uses the tracer provider `startTelemetry` registered (platform/telemetry.ts);
 * an empty list when tracing is off, so the plugin is not even loaded.
 */
export async function useTracing(): Promise<GatewayPlugin[]> {
  if (!tracingEnabled()) return [];
  const { useOpenTelemetry } = await import('@graphql-hive/plugin-opentelemetry');
  return [useOpenTelemetry({ traces: { spans: { http: ({ request }) => traced(request) } } }) as GatewayPlugin];
}
