import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../platform/http-client';
import { silentLogger } from '../../platform/logger';
import type { RunningSandbox } from '../../platform/sandbox';
import { createMemoryTokenCache, createTokenProvider } from '../../platform/tokens';
import { createMmpAdherentsClient } from '../../vendors/mmp/adherents-client';
import { createMmpClient } from '../../vendors/mmp/client';
import { buildAdherentData } from '../../vendors/mmp/sandbox/adherents-data';
import { mmpAdherentRoutes } from '../../vendors/mmp/sandbox/adherents-routes';
import { buildFleet } from '../../vendors/mmp/sandbox/fleet';
import { MMP_SANDBOX_CREDENTIALS, startMmpSandbox } from '../../vendors/mmp/sandbox/server';
import { createBlacklistCache } from './blacklist-cache';

const BLACKLIST = 'GET /api/v1/trif/service-external-client/adherents/relance-clients/blacklist';
const fleet = buildFleet(60);
const data = buildAdherentData(fleet);
let sandbox: RunningSandbox;
let http: ReturnType<typeof createHttpClient>;
let adherents: ReturnType<typeof createMmpAdherentsClient>;

beforeAll(async () => {
  sandbox = await startMmpSandbox({ port: 0, fleet, extraRoutes: (ctx) => mmpAdherentRoutes(ctx, data) });
  http = createHttpClient({ vendor: 'mmp', baseUrl: sandbox.url, timeoutMs: 3_000 });
  const tokens = createTokenProvider({ cache: createMemoryTokenCache(), log: silentLogger, expiryMarginS: 60, lockTtlMs: 5_000, lockWaitMs: 5_000 });
  adherents = createMmpAdherentsClient(createMmpClient({ http, tokens, version: 'v1', reseau: 'trif', lang: 'en', credentials: MMP_SANDBOX_CREDENTIALS }), 'trif');
});
afterAll(async () => {
  await sandbox?.close();
  await http?.close();
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
