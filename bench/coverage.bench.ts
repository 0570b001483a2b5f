/**
 * Coverage benchmark: upstream (OZmap) calls per coverage query and latency p50/p99, over HTTP against an
 * in-process Coverage subgraph and OZmap sandbox. Points are seeded around real sandbox boxes, so the
 * mix of viable and unviable answers is the same on every run.
 *
 *   npx tsx bench/coverage.bench.ts            (BENCH_QUERIES=400 BENCH_CONCURRENCY=8 to change the load)
 */
import { createPgliteStore, migrate } from '../platform/db';
import { destination } from '../platform/geo';
import { percentile } from '../platform/metrics';
import { createTestClock, prospect, RESERVE, CANCEL, startCoverageInstance } from '../test/support/coverage';
import { startOzmapSandbox } from '../vendors/ozmap/sandbox/server';
import { createRandom } from '../platform/sandbox/prng';
import type { OzmapBox } from '../vendors/ozmap/types';
import { coverageMigrations } from '../subgraphs/coverage/store';

const QUERIES = Number(process.env.BENCH_QUERIES ?? 400);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

const sb = await startOzmapSandbox({ port: 0 });
const store = await createPgliteStore();
await migrate(store, coverageMigrations);
const clock = createTestClock(new Date());
const cached = await startCoverageInstance({ ozmapOrigin: sb.url, store, clock, instanceId: 'bench-cached' });
const uncached = await startCoverageInstance({ ozmapOrigin: sb.url, store, clock, instanceId: 'bench-uncached', settings: { regionCacheS: 0 } });

const boxes = sb.data.list('boxes', { page: 1, limit: 500, filter: [] }, '/').rows as unknown as OzmapBox[];
const rng = createRandom(42);
const points = Array.from({ length: QUERIES }, () => {
  const b = rng.pick(boxes);
  return destination({ lat: b.coords[1], lng: b.coords[0] }, rng.int(0, 300), rng.int(0, 359));
});

const COVERAGE = `query ($input: CoverageInput!) { coverage(input: $input) { viable boxes { box { id name } distanceMeters freePorts } unviableBoxes { box { name } reason } } }`;

async function run(label: string, n: number, one: (i: number) => Promise<{ errors?: unknown[]; data?: any }>, calls = 1) {
  await fetch(`${sb.url}/__sandbox/reset`, { method: 'POST' });
  const latencies: number[] = [];
  let viable = 0;
  let errors = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < n; i = next++) {
        const t = performance.now();
        const r = await one(i);
        latencies.push(performance.now() - t);
        if (r.errors) errors++; // for reservations: CONFLICT when 8 prospects race for the box's 6 ports
        else if (r.data?.coverage?.viable) viable++;
      }
    }),
  );
  const wall = performance.now() - started;
  const stats = sb.stats();
  const upstream = stats.dataRequests + stats.tokenRequests;
  return {
    scenario: label,
    operations: n,
    'upstream calls/op': Number((upstream / n / calls).toFixed(2)),
    'p50 ms': Number(percentile(latencies, 50).toFixed(1)),
    'p99 ms': Number(percentile(latencies, 99).toFixed(1)),
    'ops/s': Math.round((n / wall) * 1000),
    viable,
    'errors (CONFLICT)': errors,
  };
}

// Warm-up (JIT, connection pools, PGlite): not measured.
for (let i = 0; i < 50; i++) await cached.query(COVERAGE, { input: { ...points[i % points.length], plan: 'FIBRA_500' } });

const rows = [];
rows.push(await run('coverage lat/lng, no plan', QUERIES, (i) => cached.query(COVERAGE, { input: points[i] })));
rows.push(await run('coverage lat/lng, plan FIBRA_1G (regions cached)', QUERIES, (i) => cached.query(COVERAGE, { input: { ...points[i], plan: 'FIBRA_1G' } })));
rows.push(await run('coverage lat/lng, plan FIBRA_1G (no region cache)', QUERIES, (i) => uncached.query(COVERAGE, { input: { ...points[i], plan: 'FIBRA_1G' } })));
rows.push(await run('coverage by address (OZmap premises)', Math.min(QUERIES, 200), () => cached.query(COVERAGE, { input: { address: 'Rua Felipe Schmidt, 321' } })));

// Reservation round trip: reserve then cancel on boxes with free ports (upstream calls per reserve+cancel pair).
const demo = sb.data.list('boxes', { page: 1, limit: 1, filter: [{ property: 'name', operator: '=', value: 'CTO-CEN-DEMO-06' }] }, '/').rows[0] as unknown as OzmapBox;
rows.push(
  await run('reservePort + cancelReservation', 60, async () => {
    const r = await cached.query(RESERVE, { boxId: demo.id, prospect: prospect() });
    if (r.errors) return r;
    return cached.query(CANCEL, { id: r.data!.reservePort.id });
  }),
);

console.log(`\nCoverage bench: ${boxes.length} sandbox boxes, ${CONCURRENCY} concurrent clients, PGlite in memory\n`);
console.table(rows);

await cached.close();
await uncached.close();
await store.close();
await sb.close();
