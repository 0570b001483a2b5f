import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFleet } from '../vendors/mmp/sandbox/fleet';
import { DEV_PARTNER, gql, sandboxFaults, sandboxReset, sandboxStats } from './support/graphql';
import { metricsUrlOf, scrape } from './support/metrics';
import { startPrivateRedis, type PrivateRedis } from './support/redis-server';
import { startStack, type Stack } from './support/stack';

/**
 * The cross-request cache of vendor reads (platform/vendor-cache.ts) through the whole stack: gateway,
 * Vehicle and Customer subgraphs (separate processes), the MMP and Carsys sandboxes, and a private Redis
 * the test stops and starts again. MMP calls are counted by the sandbox.
 */
const VISION360 = 'POST /api/v1/trif/service-external-client/vehicule/vision360';
const CLIENT = 'POST /api/v1/trif/service-external-client/vehicule/client';
const plates = buildFleet().plates.slice(0, 20);
const FLEET = `query Fleet($p: [String!]!) { vehicles(plates: $p) { plate information { vin } forecasts { label } customers { name } } }`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let redis: PrivateRedis;
let stack: Stack;
const mmpCalls = async () => {
  const s = await sandboxStats(stack.sandboxUrl('mmp'));
  return { vision360: s.byPath[VISION360] ?? 0, client: s.byPath[CLIENT] ?? 0, data: s.dataRequests };
};
const cacheMetric = async (subgraph: string, what: string, labels: Record<string, string> = {}) =>
  (await scrape(metricsUrlOf(stack.subgraphUrl(subgraph)))).value(`switchboard_vendor_cache_${what}_total`, { vendor: 'mmp', resource: 'vehicle', ...labels });
const fleet = async (p = plates) => {
  const res = await gql(stack.gatewayUrl, FLEET, { p }, DEV_PARTNER);
  expect(res.errors).toBeUndefined();
  expect(res.data!.vehicles).toHaveLength(p.length);
  return res.data!.vehicles as { plate: string; information: { vin: string } }[];
};

beforeAll(async () => {
  redis = await startPrivateRedis();
  stack = await startStack({
    sandboxes: ['mmp', 'carsys'],
    subgraphs: ['vehicle', 'customer'],
    gateway: true,
    env: { REDIS_URL: redis.url, MMP_VEHICLE_CACHE_TTL_S: '300', MMP_VEHICLE_CACHE_STALE_S: '600', VENDOR_CACHE_REDIS_TIMEOUT_MS: '200' },
  });
}, 90_000);
afterAll(async () => {
  await stack?.stop();
  await redis?.kill();
});

describe('vendor read cache through the stack', () => {
  it('a warm fleet query costs zero MMP calls; hits and misses show on /metrics', async () => {
    await sandboxReset(stack.sandboxUrl('mmp'));
    const missesBefore = await cacheMetric('vehicle', 'misses');
    const cold = await fleet();
    const afterCold = await mmpCalls();
    expect(afterCold.vision360).toBe(plates.length);
    expect(afterCold.client).toBe(plates.length);
    expect((await cacheMetric('vehicle', 'misses')) - missesBefore).toBe(plates.length);

    const hitsBefore = (await cacheMetric('vehicle', 'hits')) + (await cacheMetric('customer', 'hits'));
    const warm = await fleet();
    expect(warm).toEqual(cold);
    const afterWarm = await mmpCalls();
    expect(afterWarm.data - afterCold.data).toBe(0);
    // every plate hit twice: vision360 in Vehicle, client in Customer
    expect((await cacheMetric('vehicle', 'hits')) + (await cacheMetric('customer', 'hits')) - hitsBefore).toBe(2 * plates.length);
  });

  it('a signed Carsys push for a plate drops that plate\'s cached MMP reads in the other process', async () => {
    await fleet();
    await sandboxReset(stack.sandboxUrl('mmp'));
    const [pushed, other] = [plates[3]!, plates[4]!];
    const res = await fetch(`${stack.sandboxUrl('carsys')}/__sandbox/push`, { method: 'POST', body: JSON.stringify({ count: 1, plates: [pushed] }) });
    expect(((await res.json()) as { byStatus: Record<string, number> }).byStatus).toEqual({ created: 1 });
    expect(await cacheMetric('customer', 'invalidations')).toBeGreaterThan(0);

    await fleet([pushed, other]);
    const calls = await mmpCalls();
    // only the pushed plate is read again (vision360 by Vehicle, client by Customer)
    expect(calls.vision360).toBe(1);
    expect(calls.client).toBe(1);
    await fleet([pushed, other]);
    expect((await mmpCalls()).data).toBe(2);
  });

  it('Redis going away: every read goes to MMP and the answers stay whole; back, it caches again', async () => {
    await fleet();
    await sandboxReset(stack.sandboxUrl('mmp'));
    await redis.kill();
    const storeErrorsBefore = await cacheMetric('vehicle', 'store_errors');
    const during = await fleet();
    expect(during.every((v) => /^[A-Z0-9]{17}$/.test(v.information.vin))).toBe(true);
    expect((await mmpCalls()).vision360).toBe(plates.length);
    expect(await cacheMetric('vehicle', 'store_errors')).toBeGreaterThan(storeErrorsBefore);

    // a restarted Redis is empty: one cold query fills it, the next costs nothing
    await redis.start();
    const deadline = Date.now() + 15_000;
    for (;;) {
      await sandboxReset(stack.sandboxUrl('mmp'));
      await fleet();
      await sandboxReset(stack.sandboxUrl('mmp'));
      await fleet();
      if ((await mmpCalls()).data === 0) break;
      if (Date.now() > deadline) throw new Error('the cache did not come back after Redis restarted');
      await sleep(500);
    }
  });

  it('past the TTL the old copy answers at once while one background read refreshes it; past the stale window the read is the caller\'s', async () => {
    // the same stack with a 1 s TTL and a 3 s stale window in the Vehicle process
    stack.env.MMP_VEHICLE_CACHE_TTL_S = '1';
    stack.env.MMP_VEHICLE_CACHE_STALE_S = '3';
    await stack.restart('vehicle');
    const plate = plates[7]!;
    const query = async () => {
      const t0 = Date.now();
      const res = await gql(stack.gatewayUrl, '{ vehicle(plate: "' + plate + '") { plate information { vin } } }', undefined, DEV_PARTNER);
      expect(res.errors).toBeUndefined();
      return Date.now() - t0;
    };
    await sandboxReset(stack.sandboxUrl('mmp'));
    await query(); // fills the cache (a miss, or what the earlier tests left)
    await sleep(1_300); // past the TTL, inside the stale window
    await sandboxFaults(stack.sandboxUrl('mmp'), { latencyMs: 1_500 });
    const before = (await mmpCalls()).vision360;
    const staleBefore = await cacheMetric('vehicle', 'stale');
    expect(await query()).toBeLessThan(1_200); // not waiting for MMP
    expect((await cacheMetric('vehicle', 'stale')) - staleBefore).toBe(1);
    await sleep(1_800); // the background refresh lands
    expect((await mmpCalls()).vision360 - before).toBe(1);
    expect(await cacheMetric('vehicle', 'revalidations', { outcome: 'ok' })).toBeGreaterThan(0);

    await sleep(4_200); // past TTL + stale window of the refreshed entry
    const missesBefore = await cacheMetric('vehicle', 'misses');
    expect(await query()).toBeGreaterThanOrEqual(1_500); // the caller waits for MMP
    expect((await cacheMetric('vehicle', 'misses')) - missesBefore).toBe(1);
    expect((await mmpCalls()).vision360 - before).toBe(2);
    await sandboxFaults(stack.sandboxUrl('mmp'), { latencyMs: 0 });
  }, 30_000);
});
