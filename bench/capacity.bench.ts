/**
 * Capacity read benchmark: one GraphQL query for 20 workshops' capacity over a week, against the
 * Capacity subgraph over HTTP and the CustomerConnect sandbox (both in this process, real loopback HTTP).
 * Prints the token fetches and upstream calls the sandbox counted, and client-side latency p50/p99.
 *   npx tsx bench/capacity.bench.ts            (BENCH_QUERIES=300 BENCH_LATENCY_MS=5 BENCH_CONCURRENCY=10)
 */
import { percentile } from '../platform/metrics';
import { silentLogger } from '../platform/logger';
import { TEST_SIGNING_SECRET } from '../test/support/callers';
import { startSubgraphServer } from '../platform/subgraph-server';
import { createCapacitySubgraph } from '../subgraphs/capacity/subgraph';
import { gql } from '../test/support/graphql';
import { addDays } from '../vendors/customerconnect/dates';
import { seededUsers } from '../vendors/customerconnect/sandbox/data';
import { startCustomerConnectSandbox } from '../vendors/customerconnect/sandbox/server';
import { customerConnectClientFor } from '../test/support/customerconnect';

const QUERIES = Number(process.env.BENCH_QUERIES ?? 300);
const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);

const sandbox = await startCustomerConnectSandbox({ faults: { latencyMs: LATENCY } });
const cc = customerConnectClientFor(sandbox.url);
const server = await startSubgraphServer({ name: 'capacity', log: silentLogger, ...createCapacitySubgraph({ customerConnect: cc.client, signingSecret: TEST_SIGNING_SECRET, log: silentLogger }) }, 0);

const ids = seededUsers.slice(0, 20);
const from = (await (await fetch(`${sandbox.url}/__sandbox/capacity/${ids[0]}`)).json()).days[0].date as string;
const QUERY = `query($ids: [ID!]!, $from: Date!, $to: Date!) { workshops(ids: $ids) { id capacity(from: $from, to: $to) { date freeMinutes workTypes { workType availableMinutes bookedMinutes } } } }`;

async function once(): Promise<number> {
  const t = performance.now();
  const res = await gql(server.url, QUERY, { ids, from, to: addDays(from, 6) });
  if (res.errors || res.data?.workshops?.length !== 20) throw new Error(`bad answer: ${JSON.stringify(res.errors ?? res.data).slice(0, 300)}`);
  return performance.now() - t;
}
const stats = () => ({ ...sandbox.stats() });
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

try {
  const cold = await once();
  const afterCold = stats();
  console.log(`capacity bench: 20 workshops x 7 days per query, sandbox latency ${LATENCY} ms per vendor call`);
  console.log(`  cold query (no token cached): ${fmt(cold)}; token fetches ${afterCold.tokenRequests}; upstream calls ${afterCold.dataRequests}`);

  const sequential: number[] = [];
  for (let i = 0; i < QUERIES; i++) sequential.push(await once());
  const afterSeq = stats();
  console.log(
    `  ${QUERIES} sequential queries: p50 ${fmt(percentile(sequential, 50))}, p99 ${fmt(percentile(sequential, 99))}; ` +
      `token fetches ${afterSeq.tokenRequests - afterCold.tokenRequests}; upstream calls ${afterSeq.dataRequests - afterCold.dataRequests} ` +
      `(${((afterSeq.dataRequests - afterCold.dataRequests) / QUERIES).toFixed(2)} per query)`,
  );

  const parallel: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < QUERIES) parallel.push(await once());
    }),
  );
  const afterPar = stats();
  console.log(
    `  ${QUERIES} queries, ${CONCURRENCY} at a time: p50 ${fmt(percentile(parallel, 50))}, p99 ${fmt(percentile(parallel, 99))}; ` +
      `token fetches ${afterPar.tokenRequests - afterSeq.tokenRequests}; upstream calls ${afterPar.dataRequests - afterSeq.dataRequests}`,
  );
  console.log(`  totals: token fetches ${afterPar.tokenRequests}, upstream calls ${afterPar.dataRequests}, byPath ${JSON.stringify(afterPar.byPath)}`);
} finally {
  await server.close();
  await cc.close();
  await sandbox.close();
}
