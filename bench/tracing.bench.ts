/**
 * What tracing costs a normal query: the README vehicle query (one plate, rotating over the sandbox fleet
 * so no two in-flight queries are deduplicated) through gateway → Vehicle → MMP sandbox, first with
 * tracing off, then with every process exporting OTLP http/json to a receiver in this process (all
 * traces sampled: the worst case). Same machine, same run, same load.
 *   npx tsx bench/tracing.bench.ts   (BENCH_REQUESTS, BENCH_CONCURRENCY, BENCH_LATENCY_MS override the defaults)
 */
import { gql } from '../test/support/graphql';
import { startOtlpReceiver } from '../test/support/otlp-receiver';
import { startStack } from '../test/support/stack';
import { buildFleet } from '../vendors/mmp/sandbox/fleet';
import { load, ms, table } from './support';

const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 5);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 600);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
const PLATES = buildFleet().plates.slice(0, 200);
const QUERY = 'query Vehicle($plate: String!) { vehicle(plate: $plate) { plate information { vin lastVisitMileage } forecasts { label } } }';

async function measure(env: Record<string, string>) {
  const stack = await startStack({ sandboxes: ['mmp'], subgraphs: ['vehicle'], gateway: true, env: { SANDBOX_LATENCY_MS: String(LATENCY), LOG_LEVEL: 'warn', NODE_ENV: 'production', ...env } });
  try {
    let i = 0;
    const run = async () => {
      const r = await gql(stack.gatewayUrl, QUERY, { plate: PLATES[i++ % PLATES.length] });
      return !r.errors && !!r.data?.vehicle;
    };
    await load(100, CONCURRENCY, run); // warm up: token cached, JIT warm
    return await load(REQUESTS, CONCURRENCY, run);
  } finally {
    await stack.stop();
  }
}

const otlp = await startOtlpReceiver();
try {
  const off = await measure({});
  const on = await measure({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
  const traces = new Set(otlp.spans.map((s) => s.traceId)).size;
  process.stdout.write(`\nREADME vehicle query, sandbox latency ${LATENCY} ms, ${REQUESTS} queries, ${CONCURRENCY} in flight, gateway → vehicle → MMP sandbox\n\n`);
  process.stdout.write(
    table([
      ['tracing off: requests/s', off.rps.toFixed(1)],
      ['tracing off: p50 / p99', `${ms(off.p50)} / ${ms(off.p99)}`],
      ['tracing on (OTLP http/json, all sampled): requests/s', on.rps.toFixed(1)],
      ['tracing on: p50 / p99', `${ms(on.p50)} / ${ms(on.p99)}`],
      ['errors off / on', `${off.errors} / ${on.errors}`],
      ['spans received / per query', `${otlp.spans.length} / ${(otlp.spans.length / Math.max(traces, 1)).toFixed(1)}`],
    ]) + '\n\n',
  );
} finally {
  await otlp.close();
}
