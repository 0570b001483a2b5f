import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { Logger as HiveLogger } from '@graphql-hive/logger';
import useMeshPrometheus, { createCounter, createHistogram } from '@graphql-mesh/plugin-prometheus';
import { Gauge, Registry } from 'prom-client';
import { boundedLabel, metricsText } from '../../platform/metrics';
import type { SubgraphReadinessTracker } from './use-health-checks';

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * `GET /metrics` of the gateway in the Prometheus text format: the Hive runtime's own GraphQL metrics
 * (`@graphql-mesh/plugin-prometheus`: operations, errors, per-subgraph executions and fetches), a
 * `switchboard_subgraph_up` gauge probed on scrape, and the process metrics of `platform/metrics.ts`.
 *
 * The runtime's metrics live in a registry of this gateway's own (the plugin clears its registry when the
 * gateway is disposed, which must not wipe the process's metrics). Operation names come from callers, so
 * the metrics that carry them are declared here with a bounded label (`boundedLabel`: the first 200
 * names, then `other`), and the error counter drops the runtime's `path` label (list indexes in it are
 * unbounded); phase-by-phase histograms and the summary are left off.
 */
export function usePrometheus(opts: { log: HiveLogger; subgraphs: SubgraphReadinessTracker }): GatewayPlugin[] {
  const registry = new Registry();
  const operation = boundedLabel();
  const op = (p: { operationName?: string; operationType?: string }) => ({ operationName: operation(p.operationName), operationType: p.operationType ?? 'unknown' });

  new Gauge({
    name: 'switchboard_subgraph_up',
    help: "1 when the subgraph answered its /healthz to the gateway at scrape time, 0 otherwise",
    labelNames: ['subgraph'] as const,
    registers: [registry],
    async collect() {
      for (const c of await opts.subgraphs.check()) this.set({ subgraph: c.name }, c.ready ? 1 : 0);
    },
  });

  const { instrumentation: _parsesEveryUrl, ...prometheus } = useMeshPrometheus({
    log: opts.log,
    registry,
    endpoint: false,
    skipIntrospection: true,
    metrics: {
      graphql_envelop_request: createCounter({
        registry,
        counter: { name: 'graphql_envelop_request', help: 'GraphQL operations executed by the gateway, by operation', labelNames: ['operationName', 'operationType'] },
        fillLabelsFn: op,
      }),
      graphql_envelop_request_duration: createHistogram({
        registry,
        histogram: { name: 'graphql_envelop_request_duration', help: 'Time from parse to the end of execution of a GraphQL operation, in seconds', labelNames: ['operationName', 'operationType'], buckets: latencyBuckets },
        fillLabelsFn: op,
      }),
      graphql_envelop_error_result: createCounter({
        registry,
        counter: { name: 'graphql_envelop_error_result', help: 'Errors in GraphQL results, by operation and phase (parse, validate, context, execute, subscribe)', labelNames: ['operationName', 'operationType', 'phase'] },
        fillLabelsFn: (p) => ({ ...op(p), phase: p.errorPhase ?? 'execute' }),
      }),
      graphql_gateway_subgraph_execute_duration: createHistogram({
        registry,
        histogram: { name: 'graphql_gateway_subgraph_execute_duration', help: 'Time spent on one subgraph execution, in seconds, by subgraph and operation', labelNames: ['subgraphName', 'operationName', 'operationType'], buckets: latencyBuckets },
        fillLabelsFn: ({ subgraphName, executionRequest }) => ({ subgraphName, ...op({ operationName: executionRequest.operationName, operationType: executionRequest.operationType }) }),
      }),
      graphql_gateway_subgraph_execute_errors: createCounter({
        registry,
        counter: { name: 'graphql_gateway_subgraph_execute_errors', help: 'Errors returned by subgraph executions, by subgraph and operation', labelNames: ['subgraphName', 'operationName', 'operationType'] },
        fillLabelsFn: ({ subgraphName, executionRequest }) => ({ subgraphName, ...op({ operationName: executionRequest.operationName, operationType: executionRequest.operationType }) }),
      }),
      // fetches to subgraphs by URL (one per subgraph), method and status
      graphql_gateway_fetch_duration: createHistogram({
        registry,
        histogram: { name: 'graphql_gateway_fetch_duration', help: 'Time spent on outgoing HTTP calls to subgraphs, in seconds', labelNames: ['url', 'method', 'statusCode'], buckets: latencyBuckets },
        fillLabelsFn: ({ url, options, response }) => ({ url, method: options.method ?? 'POST', statusCode: response.status }),
      }),
      graphql_yoga_http_duration: createHistogram({
        registry,
        histogram: { name: 'graphql_yoga_http_duration', help: 'Time spent answering HTTP requests on the GraphQL endpoint, in seconds, by method and status code', labelNames: ['method', 'statusCode'], buckets: latencyBuckets },
        fillLabelsFn: (_params, { request, response }) => ({ method: request.method, statusCode: response.status }),
      }),
      graphql_envelop_request_time_summary: false,
      graphql_envelop_phase_parse: false,
      graphql_envelop_phase_validate: false,
      graphql_envelop_phase_context: false,
      graphql_envelop_phase_execute: false,
      graphql_envelop_phase_subscribe: false,
      graphql_envelop_deprecated_field: false,
      graphql_envelop_schema_change: true,
      graphql_envelop_execute_resolver: false,
    },
  });

  // The mesh plugin's `instrumentation.request` (left out above) wraps every request to parse its URL and
  // compare it with the metrics endpoint, then does nothing either way (`if (…) ;`); ours serves /metrics.
  // Two plugins in the gateway's list: the runtime's subgraph hooks (onSubgraphExecute, onFetch) are only
  // collected from that list, not from plugins added with addPlugin.
  const endpoint: GatewayPlugin = {
    async onRequest({ url, request, endResponse, fetchAPI }) {
      if (url.pathname !== '/metrics' || request.method !== 'GET') return;
      const process = await metricsText();
      const runtime = await registry.metrics();
      endResponse(new fetchAPI.Response(`${process.body}\n${runtime}`, { status: 200, headers: { 'content-type': process.contentType } }));
    },
  };
  return [prometheus as GatewayPlugin, endpoint];
}
