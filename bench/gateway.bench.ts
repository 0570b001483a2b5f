/**
 * Gateway benchmark (issue 13): the Switchboard gateway against `@apollo/gateway` on the same supergraph,
 * subgraphs and sandboxes, in alternating rounds of one run, so that the ratios hold on a noisy machine.
 *
 *   npm run bench:gateway                                       5 rounds × 10 s per engine and query
 *   npx tsx bench/gateway.bench.ts --short                      2 rounds × 3 s (development)
 *   npx tsx bench/gateway.bench.ts --baseline-ref main          adds the gateway of another commit
 *   npx tsx bench/gateway.bench.ts --variant rust:GATEWAY_QUERY_PLANNER=rust   adds this tree's gateway with other config
 *   npx tsx bench/gateway.bench.ts --engines switchboard --cpu-prof .prof      profile ours under the same load
 *   npx tsx bench/gateway.bench.ts --engines switchboard,bare,apollo           ours against the bare Hive runtime (bench/bare-gateway.ts)
 *
 * Options: --rounds N --seconds S --warmup S --connections N --fleet-connections N --queries cross,single,fleet
 * --engines switchboard,apollo[,direct][,bare] --stack full|minimal --variant-ref name:<commit>[:K=V,K=V] --variant name:K=V,K=V
 * --vendor-cache (the subgraphs serve MMP vehicle reads from the vendor read cache, for every engine alike).
 *
 * What is fair about it:
 * - every engine gets the same operations in the same order; each request asks a different plate (the MMP
 *   sandbox's 242 seeded vehicles in rotation, one counter across all connections);
 * - neither engine merges requests: the Hive runtime's merging of identical in-flight subgraph queries
 *   (`deduplicateInflightRequests` of the HTTP transport, on by default) is switched off with
 *   GATEWAY_DEDUPLICATE_SUBGRAPH_REQUESTS=false, inbound merging (`inboundInflightRequestDeduplication`)
 *   is off by default, and Apollo's RemoteGraphQLDataSource merges nothing;
 * - both authenticate the partner key and send a signed `x-switchboard-caller` on every subgraph call, which
 *   the subgraphs verify (bench/apollo-gateway.ts signs per call as use-caller-identity.ts did; ours now signs
 *   once per caller and second and reuses that byte-identical value);
 * - both answers are checked identical (data, no errors) before anything is measured;
 * - CPU and memory are read from each engine's own process in /proc, never the load generator's (this
 *   process); rounds alternate the engines' order, and ratios are taken within a round.
 */
import { randomBytes, createHash } from 'node:crypto';
import { mkdtempSync, symlinkSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { ALL_SCOPES } from '../platform/access';
import { signCallerIdentity, type CallerIdentity } from '../platform/caller-identity';
import { freePort, repoRoot } from '../test/support/processes';
import { startStack } from '../test/support/stack';
import { buildFleet } from '../vendors/mmp/sandbox/fleet';
import { compareEngines, measure, median, spawnEngine, type Engine, type Measurement, type SpawnedEngine } from './gateway-harness';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string' },
    seconds: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '50' },
    'fleet-connections': { type: 'string', default: '10' },
    queries: { type: 'string', default: 'cross,single,fleet' },
    engines: { type: 'string', default: 'switchboard,apollo,direct' },
    stack: { type: 'string', default: 'full' },
    short: { type: 'boolean', default: false },
    'baseline-ref': { type: 'string' },
    'variant-ref': { type: 'string', multiple: true, default: [] },
    variant: { type: 'string', multiple: true, default: [] },
    'cpu-prof': { type: 'string' },
    // the subgraphs serve MMP vehicle reads from the vendor cache (production TTL) instead of the sandbox
    'vendor-cache': { type: 'boolean', default: false },
    // adds "switchboard by documentId": the same gateway, sent each query's trusted-document id instead of its text
    'trusted-documents': { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(args.rounds ?? (args.short ? 2 : 5));
const SECONDS = Number(args.seconds ?? (args.short ? 3 : 10));
const WARMUP = Number(args.warmup ?? (args.short ? 1 : 3));
const CONNECTIONS = Number(args.connections);
// 50 fleet queries in flight are 2,500 plates (about 100 MB of vendor JSON) at once: every query would take
// longer than a round. The fleet figure that matters is CPU per query, measured at a load each engine keeps up with.
const FLEET_CONNECTIONS = Number(args['fleet-connections']);
const FLEET_SIZE = 50;

const PLATES = buildFleet().plates;
const QUERIES = {
  cross: {
    title: 'Vehicle + Customer: `vehicle(plate) { information forecasts customers }`',
    query: `query Cross($plate: String!) { vehicle(plate: $plate) { plate
  information { vin brand model energy releaseDate lastVisitMileage nextTechnicalControlDate }
  forecasts { jobId label dueDate }
  customers { id name contactPreferences { sms email post privacy } } } }`,
    variables: (i: number) => ({ plate: PLATES[i % PLATES.length] }),
  },
  single: {
    title: 'one subgraph: vehicle facts',
    query: `query Facts($plate: String!) { vehicle(plate: $plate) { plate displayPlate
  information { vin brand model energy variant releaseDate lastVisitDate lastVisitMileage currentMileageEstimate monthlyMileageEstimate lastTechnicalControlDate nextTechnicalControlDate } } }`,
    variables: (i: number) => ({ plate: PLATES[i % PLATES.length] }),
  },
  fleet: {
    title: `fleet: ${FLEET_SIZE} plates × 5 facets in one query`,
    query: `query Fleet($plates: [String!]!) { vehicles(plates: $plates) {
  plate information { vin lastVisitMileage } forecasts { label dueDate } invoices { dmsId amount { amount } }
  operations { date jobLabel } campaignReminders { label sentAt } } }`,
    variables: (i: number) => ({ plates: Array.from({ length: FLEET_SIZE }, (_, k) => PLATES[(i * 7 + k) % PLATES.length]) }),
  },
} as const;
type QueryName = keyof typeof QUERIES;
const documentId = (query: string) => createHash('sha256').update(query).digest('hex');
/** The bench's queries as a trusted-documents manifest (`--trusted-documents`), in a temporary folder. */
function trustedDocumentsManifest() {
  const path = join(mkdtempSync(join(tmpdir(), 'switchboard-bench-documents-')), 'manifest.json');
  writeFileSync(path, JSON.stringify(Object.fromEntries(Object.values(QUERIES).map((q) => [documentId(q.query), q.query]))));
  return path;
}
const queryNames = args.queries.split(',').map((q) => q.trim()) as QueryName[];
for (const q of queryNames) if (!(q in QUERIES)) throw new Error(`unknown query ${q}; known: ${Object.keys(QUERIES).join(', ')}`);
const engineNames = new Set(args.engines.split(',').map((e) => e.trim()));

// A partner of our own (not the development default, which production mode refuses) and a fresh signing secret.
const apiKey = `sb_bench_${randomBytes(12).toString('hex')}`;
// It holds every scope and grant: the benchmark measures the work of answering, not of refusing.
const benchPartner: CallerIdentity = {
  kind: 'partner',
  id: 'bench-partner',
  customers: ['M123', 'M124', 'M125'],
  roles: [],
  scopes: [...ALL_SCOPES],
  grants: { workshops: ['*'], mmpOrganisations: ['*'], mmpPointsOfSale: ['*'], dealers: ['*'] },
};
const signingSecret = randomBytes(24).toString('hex');
const commonEnv: Record<string, string> = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  SANDBOX_LATENCY_MS: '0',
  PARTNER_KEYS: JSON.stringify([
    { id: benchPartner.id, keySha256: createHash('sha256').update(apiKey).digest('hex'), offices: benchPartner.customers, scopes: benchPartner.scopes, grants: benchPartner.grants },
  ]),
  GATEWAY_SIGNING_SECRET: signingSecret,
  GATEWAY_DEDUPLICATE_SUBGRAPH_REQUESTS: 'false',
  ...(args['vendor-cache'] ? { MMP_VEHICLE_CACHE_TTL_S: '300' } : {}),
  ...(args['trusted-documents'] ? { GATEWAY_TRUSTED_DOCUMENTS: trustedDocumentsManifest() } : {}),
  SUPERGRAPH_PATH: join(repoRoot, 'schema/supergraph.graphql'),
};
const clientHeaders = { 'x-api-key': apiKey };
const legacyPartnerKeys = `${benchPartner.id}:${createHash('sha256').update(apiKey).digest('hex')}:${benchPartner.customers.join('|')}`;
const startNotes: string[] = [];

interface Variant {
  name: string;
  root: string;
  env: Record<string, string>;
  cleanup?: () => void;
}
const variants: Variant[] = [];
const envOf = (spec: string | undefined): Record<string, string> =>
  spec ? Object.fromEntries(spec.split(',').map((kv) => kv.split(/=(.*)/s).slice(0, 2) as [string, string])) : {};
const refs: [string, string][] = [...(args['baseline-ref'] ? [['baseline', args['baseline-ref']] as [string, string]] : []), ...args['variant-ref'].map((v) => v.split(/:(.*)/s).slice(0, 2) as [string, string])];
for (const [name, refAndEnv] of refs) {
  const [ref, envSpec] = refAndEnv.split(/:(.*)/s) as [string, string | undefined];
  // The other commit's tree beside ours, sharing our node_modules (so it needs no install).
  const dir = mkdtempSync(join(tmpdir(), `switchboard-${name}-`));
  execFileSync('git', ['-C', repoRoot, 'worktree', 'add', '--detach', '--force', dir, ref], { stdio: 'ignore' });
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const sha = execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD']).toString().trim();
  variants.push({ name: `${name} (${sha})`, root: dir, env: envOf(envSpec), cleanup: () => execFileSync('git', ['-C', repoRoot, 'worktree', 'remove', '--force', dir], { stdio: 'ignore' }) });
}
for (const v of args.variant) {
  const [name, spec] = v.split(/:(.*)/s) as [string, string];
  variants.push({ name, root: repoRoot, env: envOf(spec) });
}

const started = Date.now();
const full = args.stack === 'full';
const stack = await startStack({
  sandboxes: full ? ['mmp', 'carsys', 'customerconnect', 'vitec', 'ozmap'] : ['mmp'],
  subgraphs: full ? ['vehicle', 'customer', 'capacity', 'order', 'coverage'] : ['vehicle', 'customer'],
  env: commonEnv,
});
const spawned: SpawnedEngine[] = [];
let cleaned: Promise<void> | undefined;
const cleanup = () =>
  (cleaned ??= (async () => {
    await Promise.all(spawned.map((s) => s.stop()));
    await stack.stop();
    for (const v of variants) v.cleanup?.();
  })());
// Ctrl-C stops every process this started and removes the other commits' worktrees
process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
try {
  const gatewayEnv = async () => {
    const port = await freePort();
    return { port, env: { ...stack.env, GATEWAY_PORT: String(port) } };
  };
  const engines: (Engine & { only?: QueryName[] })[] = [];
  // --cpu-prof: a profile of ours, and of the bare runtime when it runs, each named after its engine
  const profArgs = (name: string) => (args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${resolve(args['cpu-prof'])}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`] : []);
  const startGateway = async (name: string, root: string, env: Record<string, string>, nodeArgs: string[] = []) => {
    const g = await gatewayEnv();
    const s = await spawnEngine({ name, root, entry: 'gateway/main.ts', env: { ...g.env, ...env }, nodeArgs, graphqlUrl: `http://127.0.0.1:${g.port}/graphql` });
    spawned.push(s);
    engines.push({ name, url: `http://127.0.0.1:${g.port}/graphql`, pid: s.child.pid! });
  };
  if (engineNames.has('switchboard')) {
    if (args['cpu-prof']) mkdirSync(resolve(args['cpu-prof']), { recursive: true });
    await startGateway('switchboard', repoRoot, {}, profArgs('switchboard'));
    if (args['trusted-documents']) {
      const sb = engines.at(-1)!;
      engines.push({ ...sb, name: 'switchboard by documentId', body: (op) => ({ documentId: documentId(op.query), variables: op.variables }) });
    }
  }
  if (engineNames.has('apollo')) {
    const port = await freePort();
    const s = await spawnEngine({ name: 'apollo', root: repoRoot, entry: 'bench/apollo-gateway.ts', args: [String(port)], env: stack.env, graphqlUrl: `http://127.0.0.1:${port}/graphql` });
    spawned.push(s);
    engines.push({ name: '@apollo/gateway', url: `http://127.0.0.1:${port}/graphql`, pid: s.child.pid! });
  }
  if (engineNames.has('bare')) {
    // the Hive Gateway runtime with none of our plugins: what Switchboard's own plugins cost (bench/bare-gateway.ts)
    const port = await freePort();
    const s = await spawnEngine({ name: 'bare', root: repoRoot, entry: 'bench/bare-gateway.ts', args: [String(port)], nodeArgs: profArgs('bare'), env: stack.env, graphqlUrl: `http://127.0.0.1:${port}/graphql` });
    spawned.push(s);
    engines.push({ name: 'bare Hive runtime', url: `http://127.0.0.1:${port}/graphql`, pid: s.child.pid! });
  }
  for (const v of variants) {
    try {
      await startGateway(v.name, v.root, v.env);
    } catch (err) {
      // an older commit may only read the original partner-key form (no scopes): try that once
      if (!/PARTNER_KEYS/.test((err as Error).message)) {
        startNotes.push(`${v.name} left out: it did not start (${(err as Error).message.split('\n')[0]})`);
        continue;
      }
      try {
        await startGateway(v.name, v.root, { ...v.env, PARTNER_KEYS: legacyPartnerKeys });
      } catch (again) {
        startNotes.push(`${v.name} left out: it did not start (${(again as Error).message.split('\n')[0]})`);
      }
    }
  }
  const vehiclePid = stack.services.find((s) => s.name === 'vehicle')!.child.pid!;
  const directHeaders = () => ({ 'x-switchboard-caller': signCallerIdentity(benchPartner, signingSecret) });
  if (engineNames.has('direct')) engines.push({ name: 'Vehicle subgraph (direct)', url: stack.subgraphUrl('vehicle'), pid: vehiclePid, only: ['single'] });

  const variantNames = new Set(variants.map((v) => v.name));
  const notes: string[] = [...startNotes];
  const reference = engines.find((e) => e.name === '@apollo/gateway');
  const ours = engines.find((e) => e.name === 'switchboard');
  const output: string[] = [];
  for (const q of queryNames) {
    const spec = QUERIES[q];
    let here = engines.filter((e) => !e.only || e.only.includes(q));
    const connections = q === 'fleet' ? FLEET_CONNECTIONS : CONNECTIONS;
    const bodies = Array.from({ length: PLATES.length }, (_, i) => JSON.stringify({ query: spec.query, variables: spec.variables(i) }));
    // 1. Same answers, or nothing is measured.
    for (const e of here) if (e.only) e.headers = directHeaders();
    const ops = [0, 1, 2, 3, 4].map((i) => ({ query: spec.query, variables: spec.variables(i * 31) }));
    const core = here.filter((e) => !variantNames.has(e.name));
    const problems = await compareEngines(core, ops, clientHeaders);
    if (problems.length) throw new Error(`engines disagree on ${q}; nothing measured:\n  ${problems.join('\n  ')}`);
    // A variant (another commit's gateway, other settings) that answers differently is left out of this
    // query, said so, rather than stopping the run: e.g. an older gateway that cannot sign what newer subgraphs ask for.
    for (const v of here.filter((e) => variantNames.has(e.name))) {
      const differs = await compareEngines([core[0]!, v], ops, clientHeaders);
      if (differs.length) {
        notes.push(`${v.name} left out of ${q}: ${differs[0]}`);
        here = here.filter((e) => e !== v);
      }
    }
    // 2. Warm-up (JIT, caches, keep-alive pools), then alternating rounds.
    const bodiesFor = (e: Engine) => (e.body ? Array.from({ length: PLATES.length }, (_, i) => JSON.stringify(e.body!({ query: spec.query, variables: spec.variables(i) }))) : bodies);
    for (const e of here) await measure(e, { bodies: bodiesFor(e), headers: clientHeaders, connections, seconds: WARMUP });
    const runs = new Map<string, Measurement[]>(here.map((e) => [e.name, []]));
    for (let r = 0; r < ROUNDS; r++) {
      const order = here.map((_, i) => here[(i + r) % here.length]!);
      for (const e of order) {
        if (e.only) e.headers = directHeaders(); // signed for 300 s: fresh every round
        const m = await measure(e, { bodies: bodiesFor(e), headers: clientHeaders, connections, seconds: SECONDS });
        runs.get(e.name)!.push(m);
        process.stderr.write(`${q} round ${r + 1}/${ROUNDS} ${e.name}: ${m.rps.toFixed(0)} req/s, p99 ${m.p99} ms, ${m.cpuMsPerRequest.toFixed(2)} CPU ms/req, ${m.errors} errors\n`);
      }
    }
    const ratioTo = (other: Engine | undefined, e: Engine) =>
      other && runs.has(other.name) ? median(runs.get(e.name)!.map((m, r) => m.rps / runs.get(other.name)![r]!.rps)) : NaN;
    const f = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '–');
    output.push(`\n### ${spec.title} (${connections} connections)\n`);
    output.push(`| engine | req/s | × Apollo | × Switchboard | p50 ms | p99 ms | CPU ms/request | RSS MB (max) | errors |`);
    output.push(`|---|---:|---:|---:|---:|---:|---:|---:|---:|`);
    for (const e of here) {
      const ms = runs.get(e.name)!;
      const requests = ms.reduce((s, m) => s + m.requests, 0);
      const cpu = ms.reduce((s, m) => s + m.cpuMsPerRequest * m.requests, 0) / requests;
      output.push(
        `| ${e.name} | ${f(median(ms.map((m) => m.rps)), median(ms.map((m) => m.rps)) < 10 ? 1 : 0)} | ${f(ratioTo(reference, e), 2)} | ${f(ratioTo(ours, e), 2)} | ${f(median(ms.map((m) => m.p50)))} | ${f(median(ms.map((m) => m.p99)))} | ${f(cpu, 2)} | ${f(Math.max(...ms.map((m) => m.rssMb)))} | ${ms.reduce((s, m) => s + m.errors, 0)} |`,
      );
    }
    const direct = here.find((e) => e.only);
    if (direct && ours) output.push(`\nSwitchboard keeps **${f(ratioTo(direct, ours), 2)}×** of the Vehicle subgraph's direct req/s on this query (same rounds).`);
  }
  process.stdout.write(
    `\n## Gateway benchmark: ${ROUNDS} alternating rounds × ${SECONDS} s per engine (warm-up ${WARMUP} s), ${CONNECTIONS} connections, ` +
      `${PLATES.length} plates in rotation, MMP sandbox latency 0, ${full ? 'full stack' : 'MMP + Vehicle + Customer only'}, no request merging on either side\n` +
      `Command: npx tsx bench/gateway.bench.ts ${process.argv.slice(2).join(' ')}\n` +
      `req/s, p50 and p99: median of the rounds; × ratios: median of the same-round ratios; CPU: the engine's process (/proc), total CPU / total requests; RSS: highest sample.\n` +
      output.join('\n') +
      (notes.length ? `\n\n${notes.map((n) => `Note: ${n}`).join('\n')}` : '') +
      `\n\n(${((Date.now() - started) / 1000).toFixed(0)} s)\n`,
  );
} finally {
  await cleanup();
}
