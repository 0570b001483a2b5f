import type { GatewayOptions } from '../../gateway/create-gateway';

/**
 * The query planner a test's in-process gateway uses: as `gateway/main.ts` chooses it for the processes
 * the e2e tests start — Hive Router's by default, the JS one when `GATEWAY_QUERY_PLANNER=js` is exported —
 * so one exported variable runs the whole suite with either planner.
 */
export async function plannerFromEnv(): Promise<GatewayOptions['unifiedGraphHandler']> {
  return (process.env.GATEWAY_QUERY_PLANNER || 'rust') === 'rust' ? (await import('@graphql-hive/router-runtime')).unifiedGraphHandler : undefined;
}
