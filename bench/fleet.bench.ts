/**
 * Fleet query benchmark (issue 2): 50 plates × 5 facets through gateway → Vehicle → MMP sandbox, each
 * its own process, sandbox latency 25 ms. Prints upstream calls per query, token fetches, latency
 * percentiles, requests/s, and the critical path the design allows (sandbox latency × dependent trips).
 *   npm run bench            (BENCH_REQUESTS, BENCH_CONCURRENCY, BENCH_LATENCY_MS override the defaults;
 *                             BENCH_VENDOR_CACHE=1 turns on the vendor read cache at its production TTL, so the
 *                             warm query and the load are served from it: Redis with REDIS_URL, memory otherwise)
 */
import { gql, sandboxReset, sandboxStats } from '../test/support/graphql';
import { startStack } from '../test/support/stack';
import { buildFleet } from '../vendors/mmp/sandbox/fleet';
import { load, ms, table } from './support';

const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 25);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
const PLATES = buildFleet().plates.slice(0, 50);
const QUERY = `query Fleet($plates: [String!]!) { vehicles(plates: $plates) {
  plate information { vin lastVisitMileage } forecasts { label dueDate } invoices { dmsId amount { amount } }
  operations { date jobLabel } campaignReminders { label sentAt } } }`;

const VENDOR_CACHE = process.env.BENCH_VENDOR_CACHE === '1';
const stack = await startStack({
  sandboxes: ['mmp'],
  subgraphs: ['vehicle'],
  gateway: true,
  env: { SANDBOX_LATENCY_MS: String(LATENCY), LOG_LEVEL: 'warn', NODE_ENV: 'production', ...(VENDOR_CACHE ? { MMP_VEHICLE_CACHE_TTL_S: '300' } : {}) },
});
try {
  const mmp = stack.sandboxUrl('mmp');
  const run = async () => {
    const r = await gql(stack.gatewayUrl, QUERY, { plates: PLATES });
    return !r.errors && r.data?.vehicles?.length === PLATES.length;
  };

  // 1. One cold query: no token cached anywhere.
  await sandboxReset(mmp);
  const t0 = performance.now();
  const coldOk = await run();
  const cold = performance.now() - t0;
  const coldStats = await sandboxStats(mmp);

  // 2. One warm query (token cached): the steady-state upstream cost of one query.
  await sandboxReset(mmp);
  const t1 = performance.now();
  await run();
  const warm = performance.now() - t1;
  const warmStats = await sandboxStats(mmp);

  // 3. Sustained load.
  await sandboxReset(mmp);
  const result = await load(REQUESTS, CONCURRENCY, run);
  const loadStats = await sandboxStats(mmp);

  process.stdout.write(
    `\nFleet query: ${PLATES.length} plates × 5 facets, sandbox latency ${LATENCY} ms, gateway → vehicle → MMP sandbox (separate processes); vendor cache ${VENDOR_CACHE ? `on (${process.env.REDIS_URL ? 'Redis' : 'memory'})` : 'off'}\n\n`,
  );
  process.stdout.write(
    table([
      ['cold query ok', String(coldOk)],
      ['cold: upstream data calls', coldStats.dataRequests],
      ['cold: token calls', coldStats.tokenRequests],
      ['cold: latency', ms(cold)],
      ['cold: critical path (token + vision360)', ms(2 * LATENCY)],
      ['warm: upstream data calls', warmStats.dataRequests],
      ['warm: token calls', warmStats.tokenRequests],
      ['warm: latency', ms(warm)],
      ['warm: critical path (vision360 in parallel)', ms(LATENCY)],
      ['naive: calls without batching (50 × 5 services)', PLATES.length * 5],
      [`load: ${REQUESTS} queries, ${CONCURRENCY} in flight`, `${result.errors} errors`],
      ['load: p50 / p95 / p99', `${ms(result.p50)} / ${ms(result.p95)} / ${ms(result.p99)}`],
      ['load: requests/s', result.rps.toFixed(1)],
      ['load: upstream data calls per query (identical in-flight queries share one subgraph request)', (loadStats.dataRequests / REQUESTS).toFixed(2)],
      ['load: token calls in total', loadStats.tokenRequests],
    ]) + '\n\n',
  );
} finally {
  await stack.stop();
}
