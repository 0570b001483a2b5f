import type { ServerResponse } from 'node:http';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { boundedLabel, metricsText, subgraphRequests } from './metrics';

/**
 * Apollo Server plugin: one latency observation per GraphQL operation a subgraph serves, by operation
 * name (bounded) and type, and one error count per error it returns, by its final `extensions.code`.
 * On the hot path: one hrtime pair and one histogram observation per request.
 */
export function subgraphMetricsPlugin<C extends BaseContext>(subgraph: string): ApolloServerPlugin<C> {
  const operationLabel = boundedLabel();
  return {
    async requestDidStart() {
      const start = process.hrtime.bigint();
      return {
        async willSendResponse({ operationName, operation, response }) {
          const opLabel = operationLabel(operationName);
          subgraphRequests.duration.observe(
            { subgraph, operation: opLabel, type: operation?.operation ?? 'invalid' },
            Number(process.hrtime.bigint() - start) / 1e9,
          );
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          for (const e of errors ?? []) subgraphRequests.errors.inc({ subgraph, operation: opLabel, code: String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR') });
        },
      };
    },
  };
}

/** Answers `GET /metrics` with the process's metrics in the Prometheus text format. */
export async function sendMetrics(res: ServerResponse): Promise<void> {
  const { contentType, body } = await metricsText();
  res.writeHead(200, { 'content-type': contentType });
  res.end(body);
}
