/**
 * Customer join benchmark (issue 4): one query over 50 vehicles through gateway → Vehicle + Customer
 * subgraphs → MMP sandbox, with Carsys work orders pushed by the Carsys sandbox into the Customer store.
 * Every service is its own process. Prints the upstream calls per query by MMP service, the Customer
 * subgraph's database rounds per query, and latency p50/p99.
 *   npx tsx bench/customer.bench.ts      (BENCH_REQUESTS, BENCH_CONCURRENCY, BENCH_LATENCY_MS, DATABASE_URL override)
 */
import { gql, sandboxReset, sandboxStats } from '../test/support/graphql';
import { metricsUrlOf, scrape } from '../test/support/metrics';
import { startStack } from '../test/support/stack';
import { buildFleet } from '../vendors/mmp/sandbox/fleet';
import { load, ms, table } from './support';

const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 25);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
const PLATES = buildFleet().plates.slice(0, 50);
const QUERY = `query Join($plates: [String!]!) { vehicles(plates: $plates) { plate information { vin }
  customers { id name contactPreferences { sms email post privacy } }
  owner { name contactPreferences { sms } } driver { name privateContact { mobile } } contractor { company }
  appointments { dmsNumber waitingCustomer totalPrice interventions { title price } } } }`;
const base = 'POST /api/v1/trif/service-external-client';
const PATHS = {
  client: `${base}/vehicule/client`,
  vision360: `${base}/vehicule/vision360`,
  blacklist: 'GET /api/v1/trif/service-external-client/adherents/relance-clients/blacklist',
};

const stack = await startStack({
  sandboxes: ['mmp', 'carsys'],
  subgraphs: ['vehicle', 'customer'],
  gateway: true,
  env: { SANDBOX_LATENCY_MS: String(LATENCY), LOG_LEVEL: 'warn', ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}) },
});
try {
  const mmp = stack.sandboxUrl('mmp');
  const rounds = async () => (await scrape(metricsUrlOf(stack.subgraphUrl('customer')))).value('switchboard_events_total', { event: 'db.customer.rounds' });
  const pushed = (await (await fetch(`${stack.sandboxUrl('carsys')}/__sandbox/push`, { method: 'POST', body: JSON.stringify({ count: 50, duplicates: 10, outOfOrder: 10, plates: PLATES, concurrency: 16 }) })).json()) as {
    byStatus: Record<string, number>;
  };
  const run = async () => {
    const r = await gql(stack.gatewayUrl, QUERY, { plates: PLATES });
    return !r.errors && r.data?.vehicles?.length === PLATES.length && r.data.vehicles.every((v: { owner: unknown }) => v.owner);
  };

  // 1. Cold: no token, no blacklist cached.
  await sandboxReset(mmp);
  let r0 = await rounds();
  let t = performance.now();
  const coldOk = await run();
  const cold = performance.now() - t;
  const coldStats = await sandboxStats(mmp);
  const coldRounds = (await rounds()) - r0;

  // 2. Warm: token and blacklist cached.
  await sandboxReset(mmp);
  r0 = await rounds();
  t = performance.now();
  await run();
  const warm = performance.now() - t;
  const warmStats = await sandboxStats(mmp);
  const warmRounds = (await rounds()) - r0;

  // 3. Sustained load.
  await sandboxReset(mmp);
  r0 = await rounds();
  const result = await load(REQUESTS, CONCURRENCY, run);
  const loadStats = await sandboxStats(mmp);
  const loadRounds = (await rounds()) - r0;
  const per = (n: number | undefined) => ((n ?? 0) / REQUESTS).toFixed(2);

  process.stdout.write(`\nCustomer join: ${PLATES.length} vehicles, MMP sandbox latency ${LATENCY} ms, gateway → vehicle + customer → sandboxes (separate processes)\n`);
  process.stdout.write(`Carsys pushes before the run: ${JSON.stringify(pushed.byStatus)}\n\n`);
  process.stdout.write(
    table([
      ['cold query ok', String(coldOk)],
      ['cold: MMP client / vision360 / blacklist / token calls', `${coldStats.byPath[PATHS.client] ?? 0} / ${coldStats.byPath[PATHS.vision360] ?? 0} / ${coldStats.byPath[PATHS.blacklist] ?? 0} / ${coldStats.tokenRequests}`],
      ['cold: customer DB rounds', coldRounds],
      ['cold: latency', ms(cold)],
      ['warm: MMP client / vision360 / blacklist / token calls', `${warmStats.byPath[PATHS.client] ?? 0} / ${warmStats.byPath[PATHS.vision360] ?? 0} / ${warmStats.byPath[PATHS.blacklist] ?? 0} / ${warmStats.tokenRequests}`],
      ['warm: customer DB rounds', warmRounds],
      ['warm: latency', ms(warm)],
      ['naive: MMP calls + DB queries without batching', `${50 * 2 + 50} MMP (client, vision360, blacklist per vehicle), ${50 * 5} DB`],
      [`load: ${REQUESTS} queries, ${CONCURRENCY} in flight`, `${result.errors} errors`],
      ['load: p50 / p95 / p99', `${ms(result.p50)} / ${ms(result.p95)} / ${ms(result.p99)}`],
      ['load: requests/s', result.rps.toFixed(1)],
      // The gateway merges identical subgraph requests in flight at the same moment, so under concurrent
      // identical queries the per-query upstream cost is below the single-query figure above.
      ['load: MMP client calls per query (in-flight dedupe)', per(loadStats.byPath[PATHS.client])],
      ['load: MMP vision360 calls per query (in-flight dedupe)', per(loadStats.byPath[PATHS.vision360])],
      ['load: blacklist fetches in total', loadStats.byPath[PATHS.blacklist] ?? 0],
      ['load: token calls in total', loadStats.tokenRequests],
      ['load: customer DB rounds per query', per(loadRounds)],
    ]) + '\n\n',
  );
} finally {
  await stack.stop();
}
