/**
 * Issue 12's joins through the gateway (every process on its own port, as `npm start` runs them): MMP
 * calls and Customer store rounds per query, and latency p50/p99, for the reads that join sources.
 * Store rounds are read from the Customer process's `db.customer.rounds` on /metrics.
 *
 *   npx tsx bench/joins.bench.ts            (BENCH_RUNS=30 to change how often each query runs)
 */
import { percentile } from '../platform/metrics';
import { DEV_PARTNER, gql, sandboxReset, sandboxStats } from '../test/support/graphql';
import { metricsUrlOf, scrape } from '../test/support/metrics';
import { startStack } from '../test/support/stack';
import { buildFleet } from '../vendors/mmp/sandbox/fleet';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const stack = await startStack({ sandboxes: ['mmp', 'carsys', 'customerconnect'], subgraphs: ['vehicle', 'customer', 'capacity'], gateway: true, env: { LOG_LEVEL: 'warn' } });
try {
  const mmpPlates = buildFleet().plates.slice(0, 25);
  // 40 work orders of the Dutch fleet (Carsys only) and 25 tied to MMP plates (both sources)
  const dutch = (await (await fetch(`${stack.sandboxUrl('carsys')}/__sandbox/push`, { method: 'POST', body: JSON.stringify({ count: 40 }) })).json()) as { workOrders: { plate: string }[] };
  await fetch(`${stack.sandboxUrl('carsys')}/__sandbox/push`, { method: 'POST', body: JSON.stringify({ count: 25, plates: mmpPlates }) });
  const dutchPlates = [...new Set(dutch.workOrders.map((w) => w.plate))].slice(0, 25);
  const rounds = async () => (await scrape(metricsUrlOf(stack.subgraphUrl('customer')))).value('switchboard_events_total', { event: 'db.customer.rounds' });

  const queries: { label: string; query: string; variables?: Record<string, unknown> }[] = [
    {
      label: '50 vehicles (25 MMP+Carsys, 25 Carsys only): sources facts factConflicts carsys information appointments owner',
      query: 'query ($p: [String!]!) { vehicles(plates: $p) { plate sources facts { make makeSource } factConflicts { fact } carsys { make } information { vin } appointments { workOrderNumber } owner { name } } }',
      variables: { p: [...mmpPlates, ...dutchPlates] },
    },
    {
      label: 'carsysWorkOrders(first: 30) with owner { vehicles appointments } workshop',
      query: '{ carsysWorkOrders(dealerId: "sandbox-dealer", first: 30) { edges { node { workOrderNumber owner { name vehicles { plate } appointments { workOrderNumber } } workshop { id } } } } }',
    },
    {
      label: 'workshops(2) { capacity appointments(31 days) }',
      query: '{ workshops(ids: ["121212", "6060001"]) { id capacity(from: "2024-05-01", to: "2024-05-31") { date } appointments(from: "2024-05-01", to: "2024-05-31") { workOrderNumber } } }',
    },
  ];

  const table = [];
  for (const q of queries) {
    await sandboxReset(stack.sandboxUrl('mmp'));
    const r0 = await rounds();
    const first = await gql(stack.gatewayUrl, q.query, q.variables, DEV_PARTNER);
    if (first.errors?.some((e) => e.extensions?.code !== 'NOT_FOUND')) throw new Error(`${q.label}: ${JSON.stringify(first.errors)}`);
    const mmpCalls = (await sandboxStats(stack.sandboxUrl('mmp'))).dataRequests;
    const storeRounds = (await rounds()) - r0;
    const latencies: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await gql(stack.gatewayUrl, q.query, q.variables, DEV_PARTNER);
      latencies.push(performance.now() - t);
    }
    table.push({ query: q.label, 'MMP calls': mmpCalls, 'store rounds': storeRounds, 'p50 ms': percentile(latencies, 50).toFixed(1), 'p99 ms': percentile(latencies, 99).toFixed(1) });
  }
  console.table(table);
} finally {
  await stack.stop();
}
