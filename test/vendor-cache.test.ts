import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mmpOnSandbox } from './support/vehicle';
import { redisUrlForTests } from './support/services';
import { startMmpSandbox } from '../vendors/mmp/sandbox/server';
import type { MmpVision360 } from '../vendors/mmp/types';
import type { RunningSandbox } from '../platform/sandbox';
import { silentLogger } from '../platform/logger';
import { closeRedis, connectRedis, type RedisClient } from '../platform/redis';
import { createVendorCache, createVendorCacheStore, memoryStore, type VendorCacheStore } from '../platform/vendor-cache';

/**
 * The vendor cache's rules on each store, against the MMP sandbox (calls counted there) and a real Redis
 * when REDIS_URL is set; the clock is the test's, so TTL and stale window are exact.
 */
const VISION360 = 'POST /api/v1/trif/service-external-client/vehicule/vision360';
const settle = () => new Promise((r) => setTimeout(r, 150));

let sandbox: RunningSandbox;
let mmp: ReturnType<typeof mmpOnSandbox>;
const redisUrl = redisUrlForTests();
let redis: RedisClient | undefined;
beforeAll(async () => {
  sandbox = await startMmpSandbox({ port: 0 });
  mmp = mmpOnSandbox(sandbox.url);
  if (redisUrl) redis = await connectRedis(redisUrl, silentLogger);
});
afterAll(async () => {
  await mmp?.http.close();
  await sandbox?.close();
  await closeRedis(redis);
});

const calls = () => sandbox.stats().byPath[VISION360] ?? 0;
const read = (plate: string) => () => mmp.mmp.vehicle('vision360', plate);

const stores: [string, () => VendorCacheStore][] = [
  ['memory', () => memoryStore(8 * 1024 * 1024)],
  ...(redisUrl ? [['redis', () => createVendorCacheStore({ redis, prefix: `test:vendor-cache:${randomUUID()}:`, maxBytes: 1, redisTimeoutMs: 500, log: silentLogger })] as [string, () => VendorCacheStore]] : []),
];

describe.each(stores)('vendor cache on %s', (_name, makeStore) => {
  it('fresh: hit; past the TTL: the old copy at once and one background refresh for concurrent readers; past the stale window: a miss', async () => {
    let now = 1_000_000;
    const cache = createVendorCache<MmpVision360>(makeStore(), { vendor: 'mmp', resource: 'vehicle', ttlMs: 10_000, staleMs: 20_000 }, silentLogger, () => now);
    const before = calls();
    const first = await cache.get('ABC123', read('ABC123'));
    expect(first.vehicleInformations.vehicleVIN).toBe('VF7RDRFJC9L554165');
    expect(calls() - before).toBe(1);
    now += 9_999;
    expect(await cache.get('ABC123', read('ABC123'))).toEqual(first);
    expect(calls() - before).toBe(1);

    now += 2;
    // The refresh's MMP call waits behind a gate this test opens only after the readers have their answers:
    // had any reader waited for the refresh, this would never resolve.
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const gated = (plate: string) => () => gate.then(() => mmp.mmp.vehicle('vision360', plate));
    const [a, b, c] = await Promise.all([cache.get('ABC123', gated('ABC123')), cache.get('ABC123', gated('ABC123')), cache.get('ABC123', gated('ABC123'))]);
    expect([a, b, c]).toEqual([first, first, first]);
    expect(calls() - before).toBe(1); // the refresh has not been sent yet: the readers did not wait for it
    open();
    await settle();
    expect(calls() - before).toBe(2); // one refresh, not three

    // the refresh stored a fresh copy at `now`: fresh again for the TTL
    now += 9_000;
    await cache.get('ABC123', read('ABC123'));
    expect(calls() - before).toBe(2);
    now += 30_001;
    await cache.get('ABC123', read('ABC123'));
    expect(calls() - before).toBe(3);
  });

  it('a failed refresh keeps serving the stale copy; errors are never cached', async () => {
    let now = 5_000_000;
    const cache = createVendorCache<MmpVision360>(makeStore(), { vendor: 'mmp', resource: 'vehicle', ttlMs: 1_000, staleMs: 5_000 }, silentLogger, () => now);
    const first = await cache.get('DEF123', read('DEF123'));
    now += 2_000;
    sandbox.setFaults({ errorRate: 1 });
    expect(await cache.get('DEF123', read('DEF123'))).toEqual(first);
    await settle();
    expect(await cache.get('DEF123', read('DEF123'))).toEqual(first);
    await settle();
    now += 5_000;
    await expect(cache.get('DEF123', read('DEF123'))).rejects.toMatchObject({ code: 'UPSTREAM_ERROR' });
    sandbox.setFaults({ errorRate: 0 });

    const before = calls();
    await expect(cache.get('ZZ999ZZ', read('ZZ-999-ZZ'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(cache.get('ZZ999ZZ', read('ZZ-999-ZZ'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(calls() - before).toBe(2);
  });

  it('getMany loads only the keys it does not hold, in one call; invalidate drops keys', async () => {
    const cache = createVendorCache<string>(makeStore(), { vendor: 'ozmap', resource: 'boxes', ttlMs: 60_000, staleMs: 0 }, silentLogger);
    const asked: string[][] = [];
    const loadMany = async (keys: string[]) => {
      asked.push(keys);
      // what a batch endpoint answers: the ids it knows (here, its VIN through the sandbox)
      const found = await Promise.all(keys.map(async (k) => [k, (await read(k)()).vehicleInformations.vehicleVIN ?? ''] as const));
      return new Map(found);
    };
    await cache.getMany(['ABC123', 'DEF123'], loadMany);
    const both = await cache.getMany(['ABC123', 'DEF123', 'MJ-006-CV'], loadMany);
    expect(asked).toEqual([['ABC123', 'DEF123'], ['MJ-006-CV']]);
    expect(both.get('ABC123')).toBe('VF7RDRFJC9L554165');
    expect(both.size).toBe(3);
    expect(await cache.invalidate(['ABC123'])).toBe(true);
    await cache.getMany(['ABC123', 'DEF123'], loadMany);
    expect(asked.at(-1)).toEqual(['ABC123']);
  });
});

describe('vendor cache bounds and failures', () => {
  it('the memory store is bounded by bytes: the least recently used goes first', async () => {
    const cache = createVendorCache<string>(memoryStore(2_500), { vendor: 'mmp', resource: 'vehicle', ttlMs: 60_000, staleMs: 0 }, silentLogger);
    const loads: string[] = [];
    const load = (k: string) => async () => {
      loads.push(k);
      return k.repeat(1_000 / k.length);
    };
    await cache.get('a', load('a'));
    await cache.get('b', load('b'));
    await cache.get('c', load('c')); // ~3 × 1 kB > 2.5 kB: 'a' goes
    await cache.get('c', load('c'));
    await cache.get('a', load('a'));
    expect(loads).toEqual(['a', 'b', 'c', 'a']);
  });

  it('a Redis that does not answer is a miss after the timeout: the vendor answers, the cache never fails the read', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((s) => {
      sockets.add(s); // accepts, never answers
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const stuck = await connectRedis(`redis://127.0.0.1:${port}`, silentLogger);
    try {
      const cache = createVendorCache<MmpVision360>(
        createVendorCacheStore({ redis: stuck, prefix: 'test:', maxBytes: 1, redisTimeoutMs: 100, log: silentLogger }),
        { vendor: 'mmp', resource: 'vehicle', ttlMs: 60_000, staleMs: 0 },
        silentLogger,
      );
      const before = calls();
      const t0 = Date.now();
      const v = await cache.get('ABC123', read('ABC123'));
      expect(v.vehicleInformations.vehicleVIN).toBe('VF7RDRFJC9L554165');
      expect(Date.now() - t0).toBeLessThan(2_000);
      expect(calls() - before).toBe(1);
      expect(await cache.invalidate(['ABC123'])).toBe(false);
    } finally {
      stuck.destroy();
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});
