import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { tracingEnabled } from '../../platform/telemetry';

/** Probes and the explorer's static assets start no trace; GraphQL and the Vitec order intake do. */
const UNTRACED = new Set(['/healthz', '/readyz', '/metrics', '/']);
const traced = (request: Request) => {
  const path = new URL(request.url).pathname;
  return !UNTRACED.has(path) && !path.startsWith('/explorer/');
};

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
