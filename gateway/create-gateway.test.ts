import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startVehicleOnSandbox } from '../test/support/vehicle';
import { silentLogger } from '../platform/logger';
import type { RunningSandbox } from '../platform/sandbox';
import type { RunningSubgraph } from '../platform/subgraph-server';
import { startMmpSandbox } from '../vendors/mmp/sandbox/server';
import { plannerFromEnv } from '../test/support/planner';
import { createSwitchboardGateway, type GatewayOptions } from './create-gateway';

// The gateway switches the benchmark relies on, against a real Vehicle subgraph and MMP sandbox.
let sandbox: RunningSandbox;
let vehicle: Awaited<ReturnType<typeof startVehicleOnSandbox>>;
let subgraph: RunningSubgraph;
// the planner of the switches' test: GATEWAY_QUERY_PLANNER, as the e2e tests' gateway processes
let planner: GatewayOptions['unifiedGraphHandler'];
const supergraphSdl = readFileSync(join(import.meta.dirname, '..', 'schema', 'supergraph.graphql'), 'utf8');

beforeAll(async () => {
  planner = await plannerFromEnv();
  // a slow vendor keeps the first subgraph call in flight while the second request arrives
  sandbox = await startMmpSandbox({ port: 0, faults: { latencyMs: 150 } });
  vehicle = await startVehicleOnSandbox(sandbox.url, { timeoutMs: 5_000 });
  subgraph = vehicle.subgraph;
});
afterAll(async () => {
  await vehicle.close();
  await sandbox.close();
});
beforeEach(async () => {
  await fetch(`${sandbox.url}/__sandbox/reset`, { method: 'POST' });
});

const gatewayWith = (extra: Partial<GatewayOptions>) =>
  createSwitchboardGateway({
    supergraphSdl,
    subgraphs: [{ name: 'vehicle', url: subgraph.url }],
    log: silentLogger,
    corsOrigins: [],
    maxDepth: 12,
    introspection: false,
    budgets: { queryBudgetMs: 10_000, mutationBudgetMs: 10_000 },
    unifiedGraphHandler: planner,
    ...extra,
  });
const QUERY = '{ vehicle(plate: "ABC123") { plate information { vin } forecasts { label } } }';
const ask = async (gateway: ReturnType<typeof gatewayWith>) => {
  const res = await gateway.fetch('http://gateway/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: QUERY }) });
  return (await res.json()) as { data: any; errors?: unknown[] };
};

describe('gateway switches', () => {
  it('merges two identical in-flight subgraph queries by default, and not with deduplicateSubgraphRequests: false', async () => {
    const merging = gatewayWith({});
    const [a, b] = await Promise.all([ask(merging), ask(merging)]);
    expect(a).toEqual(b);
    expect(sandbox.stats().dataRequests).toBe(1);
    await merging.dispose();

    await fetch(`${sandbox.url}/__sandbox/reset`, { method: 'POST' });
    const separate = gatewayWith({ deduplicateSubgraphRequests: false });
    const [c, d] = await Promise.all([ask(separate), ask(separate)]);
    expect(c).toEqual(a);
    expect(d).toEqual(a);
    expect(sandbox.stats().dataRequests).toBe(2);
    await separate.dispose();
  });

  it('the Rust query planner answers what the JS one answers', async () => {
    const js = gatewayWith({ unifiedGraphHandler: undefined });
    const rust = gatewayWith({ unifiedGraphHandler });
    const [a, b] = [await ask(js), await ask(rust)];
    expect(a.errors).toBeUndefined();
    expect(a.data.vehicle.information.vin).toBe('VF7RDRFJC9L554165');
    expect(b).toEqual(a);
    await js.dispose();
    await rust.dispose();
  });
});
