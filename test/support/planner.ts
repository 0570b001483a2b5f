import type { GatewayOptions } from '../../gateway/create-gateway';

/**
 * The query planner a test's in-process gateway uses: Hive Router's when `GATEWAY_QUERY_PLANNER=rust` is
 * exported (as `gateway/main.ts` chooses it for the processes the e2e tests start), the JS one otherwise —
 * so one exported variable runs the whole suite with either planner.
 */
export async function plannerFromEnv(): Promise<GatewayOptions['unifiedGraphHandler']> {
  return process.env.GATEWAY_QUERY_PLANNER === 'rust' ? (await import('@graphql-hive/router-runtime')).unifiedGraphHandler : undefined;
}
