/**
 * What demand control changes (issue 9): the 300- and 5,000-alias `vehicle(plate:)` queries with the
 * gateway's limits off (as on main before them) and on (the defaults), each on a fresh stack — MMP calls,
 * time, gateway peak RSS — then what the checks cost a normal query: req/s and p99 through a gateway with
 * the limits and one without, same stack, same run, alternating.
 *
 *   npx tsx bench/limits.bench.ts
 */
import { readFileSync } from 'node:fs';
import { buildFleet } from '../vendors/mmp/sandbox/fleet';
import { sandboxReset, sandboxStats } from '../test/support/graphql';
import { freePort, spawnService, waitForHttp } from '../test/support/processes';
import { startStack } from '../test/support/stack';
import { load, ms, table } from './support';

const OFF: Record<string, string> = {
  GATEWAY_MAX_COST: '100000000',
  GATEWAY_MAX_ALIASES: '100000000',
  GATEWAY_MAX_TOKENS: '100000000',
  GATEWAY_MAX_DIRECTIVES: '100000000',
};
const plates = buildFleet().plates;
// distinct plates (the sandbox's fleet, then unknown ones — an unknown plate still costs MMP a call)
const plateOf = (i: number) => (i < plates.length ? plates[i]! : `ZZ${i}`);
const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `v${i}: vehicle(plate: "${plateOf(i)}") { plate information { vin } }`).join(' ')} }`;
const memory = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
};
const post = (url: string, query: string) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' }, body: JSON.stringify({ query }) }).then(async (r) => ({ status: r.status, body: (await r.json()) as { errors?: { extensions?: { code?: string; limit?: string } }[] } }));

async function aliasRun(n: number, limits: 'off' | 'on') {
  const stack = await startStack({ sandboxes: ['mmp'], subgraphs: ['vehicle'], gateway: true, env: { LOG_LEVEL: 'error', NODE_ENV: 'production', ...(limits === 'off' ? OFF : {}) } });
  try {
    const gw = stack.services.find((s) => s.name === 'gateway')!.child.pid!;
    await post(stack.gatewayUrl, '{ vehicle(plate: "ABC123") { plate } }'); // warm
    await sandboxReset(stack.sandboxUrl('mmp'));
    const before = memory(gw);
    const t = performance.now();
    const res = await post(stack.gatewayUrl, aliases(n));
    const elapsed = performance.now() - t;
    const s = await sandboxStats(stack.sandboxUrl('mmp'));
    const after = memory(gw);
    const err = res.body.errors?.[0]?.extensions;
    return { n, limits, status: res.status, outcome: err?.code === 'COST_LIMIT_EXCEEDED' ? `refused (${err.limit})` : 'served', mmpCalls: s.dataRequests + s.tokenRequests, ms: elapsed, rssBeforeMb: before.rssMb, peakMb: after.peakMb };
  } finally {
    await stack.stop();
  }
}

const rows = [];
for (const n of [300, 5_000]) for (const l of ['off', 'on'] as const) rows.push(await aliasRun(n, l));
console.log('\nAliases of vehicle(plate:) { plate information { vin } }, one request, fresh stack each:');
console.log(table(rows.map((r) => [`${r.n} aliases, limits ${r.limits}`, `HTTP ${r.status} ${r.outcome}; MMP calls ${r.mmpCalls}; ${ms(r.ms)}; gateway RSS ${r.rssBeforeMb.toFixed(0)} MB before, peak ${r.peakMb.toFixed(0)} MB`])));

// Overhead of the checks on a normal query: two gateways on the same subgraph, one with limits, one without.
const stack = await startStack({ sandboxes: ['mmp'], subgraphs: ['vehicle'], gateway: true, env: { LOG_LEVEL: 'error', NODE_ENV: 'production' } });
const port = await freePort();
const plain = spawnService('gateway-off', 'gateway/main.ts', { ...stack.env, ...OFF, GATEWAY_PORT: String(port), GATEWAY_RATE_LIMIT_ANONYMOUS: '100000000' });
try {
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, 45_000, plain.child);
  const offUrl = `http://127.0.0.1:${port}/graphql`;
  const NORMAL = `query Fleet { vehicles(plates: ${JSON.stringify(plates.slice(0, 5))}) { plate information { vin brand } forecasts { label dueDate } } }`;
  const send = (url: string) => () => post(url, NORMAL).then((r) => r.status === 200 && !r.body.errors);
  for (const url of [stack.gatewayUrl, offUrl]) await load(200, 10, send(url)); // warm both
  const results: Record<string, Awaited<ReturnType<typeof load>>[]> = { on: [], off: [] };
  for (let round = 0; round < 3; round++) {
    results.on!.push(await load(1_000, 20, send(stack.gatewayUrl)));
    results.off!.push(await load(1_000, 20, send(offUrl)));
  }
  const best = (rs: Awaited<ReturnType<typeof load>>[]) => rs.reduce((a, b) => (b.rps > a.rps ? b : a));
  console.log('\nA normal query (5 plates × 2 facets), 3 × 1,000 requests at concurrency 20 each, alternating; best round:');
  console.log(
    table((['off', 'on'] as const).map((k) => {
      const r = best(results[k]!);
      return [`limits ${k}`, `${r.rps.toFixed(0)} req/s, p50 ${ms(r.p50)}, p99 ${ms(r.p99)}, errors ${r.errors}`];
    })),
  );
} finally {
  await plain.stop();
  await stack.stop();
}
