/**
 * What the access checks cost a normal query (issue 9): the same personal-data query through a gateway
 * and Vehicle subgraph WITH the checks (generic-auth on the supergraph's @requiresScopes at the gateway,
 * enforceAccessDirectives in the subgraph, viePrivee withholding) and WITHOUT them (caller identity still
 * authenticated and signed, as before issue 9), in the same process, same run, alternating rounds.
 *   npx tsx bench/access.bench.ts      (BENCH_REQUESTS, BENCH_CONCURRENCY override the defaults)
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { createSwitchboardGateway } from '../gateway/create-gateway';
import { useAccessDirectives } from '../gateway/plugins/use-access-directives';
import { useCallerIdentity } from '../gateway/plugins/use-caller-identity';
import { accessContextOf } from '../platform/access-directives';
import { devPartner, DEV_PARTNER_KEY } from '../platform/config/auth';
import { silentLogger } from '../platform/logger';
import { startSubgraphServer } from '../platform/subgraph-server';
import { gql } from '../test/support/graphql';
import { mmpOnSandbox } from '../test/support/vehicle';
import { startMmpSandbox } from '../vendors/mmp/sandbox/server';
import type { IncomingMessage } from 'node:http';
import { createVehicleLoaders } from '../subgraphs/vehicle/loaders';
import { resolvers } from '../subgraphs/vehicle/resolvers';
import { createVehicleSubgraph, vehicleTypeDefs } from '../subgraphs/vehicle/subgraph';
import { load, ms, table } from './support';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
const ROUNDS = 3;
const SECRET = 'bench-signing-secret-0123456789';
const QUERY = '{ vehicle(plate: "DX334GV") { plate information { vin } clients { firstName lastName email phone mobile withheld } forecasts { label } } }';

const sandbox = await startMmpSandbox({ port: 0 });
const { mmp, http } = mmpOnSandbox(sandbox.url, 5_000);

const checked = await startSubgraphServer({ name: 'vehicle', log: silentLogger, ...createVehicleSubgraph({ mmp, signingSecret: SECRET, log: silentLogger }) }, 0);
// The same subgraph without enforcement: the schema as built, the caller still read for the resolvers.
const unchecked = await startSubgraphServer(
  {
    name: 'vehicle',
    log: silentLogger,
    schema: buildSubgraphSchema([{ typeDefs: vehicleTypeDefs, resolvers: resolvers as GraphQLResolverMap<unknown> }]),
    context: (req: IncomingMessage) => ({ loaders: createVehicleLoaders(mmp), ...accessContextOf(req.headers, { signingSecret: SECRET, log: silentLogger }) }),
  },
  0,
);

const dev = devPartner();
const servers: Server[] = [];
async function gateway(subgraphUrl: string, withChecks: boolean): Promise<string> {
  const composed = composeServices([{ name: 'vehicle', url: subgraphUrl, typeDefs: vehicleTypeDefs }]);
  const gw = createSwitchboardGateway({
    supergraphSdl: composed.supergraphSdl!,
    subgraphs: [{ name: 'vehicle', url: subgraphUrl }],
    log: silentLogger,
    corsOrigins: [],
    maxDepth: 12,
    introspection: false,
    budgets: { queryBudgetMs: 15_000, mutationBudgetMs: 90_000 },
    plugins: [useCallerIdentity({ partners: [dev], signingSecret: SECRET, log: silentLogger }), ...(withChecks ? [useAccessDirectives()] : [])],
  });
  await gw.getSchema();
  const server = createServer(gw);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

try {
  const urls = { with: await gateway(checked.url, true), without: await gateway(unchecked.url, false) };
  const headers = { 'x-api-key': DEV_PARTNER_KEY };
  const send = (url: string) => async () => {
    const r = await gql(url, QUERY, {}, headers);
    return !r.errors && r.data?.vehicle?.clients?.length > 0;
  };
  // warm both paths (token, JIT), then alternate rounds so load on the machine hits both alike
  for (const url of Object.values(urls)) await load(100, CONCURRENCY, send(url));
  const results: Record<'with' | 'without', { rps: number[]; p50: number[]; p99: number[]; errors: number }> = {
    with: { rps: [], p50: [], p99: [], errors: 0 },
    without: { rps: [], p50: [], p99: [], errors: 0 },
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of ['without', 'with'] as const) {
      const r = await load(REQUESTS, CONCURRENCY, send(urls[variant]));
      results[variant].rps.push(r.rps);
      results[variant].p50.push(r.p50);
      results[variant].p99.push(r.p99);
      results[variant].errors += r.errors;
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`access checks: ${ROUNDS} alternating rounds × ${REQUESTS} requests, ${CONCURRENCY} in flight, sandbox latency 0 (medians of the rounds)`);
  console.log(`query: ${QUERY}`);
  console.log(
    table([
      ['without checks  req/s', median(results.without.rps).toFixed(0)],
      ['without checks  p50 / p99', `${ms(median(results.without.p50))} / ${ms(median(results.without.p99))}`],
      ['with checks     req/s', median(results.with.rps).toFixed(0)],
      ['with checks     p50 / p99', `${ms(median(results.with.p50))} / ${ms(median(results.with.p99))}`],
      ['throughput cost', `${(100 * (1 - median(results.with.rps) / median(results.without.rps))).toFixed(1)} %`],
      ['errors', `${results.without.errors} / ${results.with.errors}`],
    ]),
  );
} finally {
  for (const s of servers) s.close();
  await checked.close();
  await unchecked.close();
  await http.close();
  await sandbox.close();
}
