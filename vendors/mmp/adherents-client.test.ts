import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../platform/http-client';
import { silentLogger } from '../../platform/logger';
import type { RunningSandbox } from '../../platform/sandbox';
import { createMemoryTokenCache, createTokenProvider } from '../../platform/tokens';
import { createBlacklistCache } from '../../subgraphs/customer/blacklist-cache';
import { createMmpAdherentsClient, parseBlacklistCsv } from './adherents-client';
import { createMmpClient } from './client';
import { buildAdherentData } from './sandbox/adherents-data';
import { blacklistCsv, mmpAdherentRoutes } from './sandbox/adherents-routes';
import { buildFleet } from './sandbox/fleet';
import { MMP_SANDBOX_CREDENTIALS, startMmpSandbox } from './sandbox/server';

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
beforeEach(() => {
  sandbox.setFaults({ errorRate: 0, malformedRate: 0 });
});

describe('MMP adherent services', () => {
  it('reads the blacklist as CSV and as JSON, identically, sharing the vehicle services token', async () => {
    const csv = await adherents.blacklist('csv');
    const json = await adherents.blacklist('json');
    expect(csv.length).toBeGreaterThan(3);
    expect(csv).toEqual(json);
    expect(csv).toEqual(data.blacklist);
    expect(sandbox.stats().tokenRequests).toBe(1);
  });

  it('parses quoted cells, a BOM and French booleans, and names a broken file', () => {
    const entry = { ...data.blacklist[0]!, clientRaisonSociale: 'DUPONT; FILS "ET CIE"', viePrivee: 'telephone mobile | email' };
    expect(parseBlacklistCsv('\ufeff' + blacklistCsv([entry]))).toEqual([entry]);
    const french = 'clientId;relanceSms;relanceEmail;synchroDmsTelephone;synchroDmsEmail\n42;oui;0;non;1\n';
    expect(parseBlacklistCsv(french)[0]).toMatchObject({ clientId: 42, relanceSms: true, relanceEmail: false, synchroDmsEmail: true, clientNom: null });
    expect(() => parseBlacklistCsv('clientId;relanceSms;relanceEmail\nabc;true;false\n')).toThrow(/clientId that is not a number/);
    expect(() => parseBlacklistCsv('nom;prenom\nA;B\n')).toThrow(/lacks column/);
  });

  it('pages campaign clients with the pagination block', async () => {
    const [code, campaigns] = [...data.campaigns.entries()][0]!;
    const p1 = await adherents.campaignClients(code, 1);
    expect(p1.pagination).toEqual({ currentPage: 1, lastPage: Math.ceil(campaigns.length / data.perPage), perPage: data.perPage, total: campaigns.length });
    expect(p1.campagneList.map((c) => c.id)).toEqual(campaigns.slice(0, data.perPage).map((c) => c.id));
    await expect(adherents.campaignClients('UNKNOWN', 1)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

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
