import { startMmpAdherents, type MmpAdherentsFixture } from '../../test/support/mmp-adherents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../platform/logger';
import { createBlacklistCache } from './blacklist-cache';

const BLACKLIST = 'GET /api/v1/trif/service-external-client/adherents/relance-clients/blacklist';
let fixture: MmpAdherentsFixture;
let sandbox: MmpAdherentsFixture['sandbox'];
let data: MmpAdherentsFixture['data'];
let adherents: MmpAdherentsFixture['adherents'];

beforeAll(async () => {
  fixture = await startMmpAdherents(60);
  ({ sandbox, data, adherents } = fixture);
});
afterAll(async () => {
  await fixture?.close();
});

describe('MMP blacklist cache (Customer domain)', () => {
  it('caches one blacklist per network for its TTL, merges concurrent misses, then serves the old copy while refreshing (also when the refresh fails)', async () => {
    let now = 1_000_000;
    const cache = createBlacklistCache({ ttlMs: 60_000, staleMs: 120_000, fetch: () => adherents.blacklist('csv'), log: silentLogger, now: () => now });
    const calls = () => sandbox.stats().byPath[BLACKLIST] ?? 0;
    const settle = () => new Promise((r) => setTimeout(r, 100));
    const before = calls();
    const [a, b, c] = await Promise.all([cache.get('trif'), cache.get('trif'), cache.get('trif')]);
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(calls() - before).toBe(1);
    now += 59_000;
    expect(await cache.get('trif')).toBe(a);
    expect(calls() - before).toBe(1);
    // past the TTL: the old copy answers at once, one background fetch replaces it
    now += 2_000;
    expect(await cache.get('trif')).toBe(a);
    await settle();
    expect(calls() - before).toBe(2);
    const fresh = await cache.get('trif');
    expect(fresh).not.toBe(a);
    expect(calls() - before).toBe(2);
    now += 61_000;
    sandbox.setFaults({ errorRate: 1 });
    const stale = await cache.get('trif');
    expect(stale).toBe(fresh);
    await settle();
    expect(calls() - before).toBeGreaterThanOrEqual(3);
    expect(stale.byClientId.get(data.blacklist[0]!.clientId)).toEqual(data.blacklist[0]);
    // past the stale window the vendor's failure is the caller's error, as without any copy
    now += 120_000;
    await expect(cache.get('trif')).rejects.toMatchObject({ code: 'UPSTREAM_ERROR' });
    const empty = createBlacklistCache({ ttlMs: 60_000, staleMs: 120_000, fetch: () => adherents.blacklist('csv'), log: silentLogger });
    await expect(empty.get('trif')).rejects.toMatchObject({ code: 'UPSTREAM_ERROR' });
  });
});
