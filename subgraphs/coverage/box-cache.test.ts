import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteStore, migrate, type Store } from '../../platform/db';
import { coverageMigrations } from './store';
import { startOzmapSandbox, type RunningOzmapSandbox } from '../../vendors/ozmap/sandbox/server';
import { RESERVE, createTestClock, prospect, startCoverageInstance, type CoverageInstance } from '../../test/support/coverage';

/** OZmap boxes through the vendor cache (COVERAGE_BOX_CACHE_S): a box's facts cost one OZmap call across requests. */
const BOX = /* GraphQL */ `query ($id: ID!) { portReservation(id: $id) { id box { id name implanted } } }`;
const BOXES = 'GET /api/v2/boxes';

let sb: RunningOzmapSandbox;
let store: Store;
let cached: CoverageInstance;
let uncached: CoverageInstance;
beforeAll(async () => {
  sb = await startOzmapSandbox({ port: 0, defaultRadius: 250 });
  store = await createPgliteStore();
  await migrate(store, coverageMigrations);
  const clock = createTestClock();
  cached = await startCoverageInstance({ ozmapOrigin: sb.url, store, clock, instanceId: 'cached', settings: { boxCacheS: 300, cacheStaleS: 60 } });
  uncached = await startCoverageInstance({ ozmapOrigin: sb.url, store, clock, instanceId: 'uncached' });
});
afterAll(async () => {
  await cached?.close();
  await uncached?.close();
  await store?.close();
  await sb?.close();
});

describe('coverage: cached OZmap boxes', () => {
  it('a reservation\'s box is read from OZmap once, then from the cache by every later request; without the cache, once per request', async () => {
    const boxId = (sb.data.list('boxes', { page: 1, limit: 1, filter: [{ property: 'name', operator: '=', value: 'CTO-CEN-DEMO-01' }] }, '/').rows[0] as { id: string }).id;
    const r = await cached.query<any>(RESERVE, { boxId, prospect: prospect() });
    expect(r.errors).toBeUndefined();
    const id = r.data!.reservePort.id;
    const boxCalls = () => sb.stats().byPath[BOXES] ?? 0;

    const before = boxCalls();
    const first = await cached.query<any>(BOX, { id });
    expect(first.errors).toBeUndefined();
    expect(first.data!.portReservation.box.name).toBe('CTO-CEN-DEMO-01');
    for (let i = 0; i < 3; i++) expect((await cached.query<any>(BOX, { id })).data).toEqual(first.data);
    expect(boxCalls() - before).toBeLessThanOrEqual(1);

    const mid = boxCalls();
    for (let i = 0; i < 3; i++) expect((await uncached.query<any>(BOX, { id })).data).toEqual(first.data);
    expect(boxCalls() - mid).toBe(3);
  });
});
