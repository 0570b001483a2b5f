import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPgliteStore, migrate, type Store } from '../../platform/db';
import { destination, haversineMeters } from '../../platform/geo';
import { startOzmapSandbox, type RunningOzmapSandbox } from '../../vendors/ozmap/sandbox/server';
import { DEMO_BOXES, DEMO_CENTER, DEMO_PREMISES, OPEN_WATER } from '../../vendors/ozmap/sandbox/seed';
import { asAdmin, asPartner, createTestClock, startCoverageInstance, type CoverageInstance } from '../../test/support/coverage';
import { coverageMigrations } from './store';

let sb: RunningOzmapSandbox;
let store: Store;
let cov: CoverageInstance;
const V = '/api/v2';

const COVERAGE = /* GraphQL */ `
  query ($input: CoverageInput!) {
    coverage(input: $input) {
      viable
      point { lat lng }
      resolvedAddress
      radiusMeters
      plan { code regionTags }
      boxes { box { id name implanted location { lat lng } } distanceMeters freePorts splitters { id freePorts } }
      unviableBoxes { box { name } distanceMeters reason }
    }
  }
`;
const names = (xs: { box: { name: string } }[]) => xs.map((x) => x.box.name);
const reasons = (xs: { box: { name: string }; reason: string }[]) => Object.fromEntries(xs.map((x) => [x.box.name, x.reason]));
const upstream = () => sb.stats().dataRequests;

beforeAll(async () => {
  sb = await startOzmapSandbox({ port: 0, defaultRadius: 250 });
  // Feasibility keeps no state but the plans table: an in-memory PGlite is enough here.
  store = await createPgliteStore();
  await migrate(store, coverageMigrations);
  cov = await startCoverageInstance({ ozmapOrigin: sb.url, store, clock: createTestClock() });
});
afterAll(async () => {
  await cov.close();
  await store.close();
  await sb.close();
});
beforeEach(() => fetch(`${sb.url}/__sandbox/reset`, { method: 'POST' }));

describe('coverage: sandbox geometry', () => {
  it('lists viable boxes nearest first with free ports, and every other box in the radius with why — in one OZmap call', async () => {
    const { data, errors } = await cov.query(COVERAGE, { input: DEMO_CENTER });
    expect(errors).toBeUndefined();
    const c = data!.coverage;
    expect(c).toMatchObject({ viable: true, radiusMeters: 250, resolvedAddress: null, plan: null, point: DEMO_CENTER });
    expect(names(c.boxes)).toEqual(['CTO-CEN-DEMO-01', 'CTO-CEN-DEMO-06', 'CTO-CEN-DEMO-02']);
    expect(c.boxes.map((b: any) => b.freePorts)).toEqual([4, 6, 1]);
    expect(c.boxes[0].splitters[0].freePorts).toEqual([5, 6, 7, 8]);
    // project box, full splitter and a box without a service splitter are in the radius but excluded
    expect(reasons(c.unviableBoxes)).toEqual({ 'CTO-CEN-DEMO-03': 'NOT_IMPLANTED', 'CTO-CEN-DEMO-04': 'NO_FREE_PORTS', 'CTO-CEN-DEMO-05': 'NO_SERVICE_SPLITTER' });
    for (const b of c.boxes) {
      const expected = DEMO_BOXES.find((d) => d.name === b.box.name)!.distance;
      expect(Math.abs(b.distanceMeters - expected)).toBeLessThan(0.2);
      expect(Math.abs(haversineMeters(DEMO_CENTER, b.box.location) - expected)).toBeLessThan(0.5);
    }
    expect(sb.stats().byPath).toEqual({ [`GET ${V}/ftth-viability/radius`]: 1 });
  });

  it('honours the radius: a box just inside counts, just outside does not', async () => {
    const d7 = DEMO_BOXES.find((b) => b.name === 'CTO-CEN-DEMO-07')!.distance;
    const inside = (await cov.query(COVERAGE, { input: { ...DEMO_CENTER, radiusMeters: Math.ceil(d7) + 1 } })).data!.coverage;
    const outside = (await cov.query(COVERAGE, { input: { ...DEMO_CENTER, radiusMeters: Math.floor(d7) - 1 } })).data!.coverage;
    expect(names(inside.boxes)).toContain('CTO-CEN-DEMO-07');
    expect(names(outside.boxes)).not.toContain('CTO-CEN-DEMO-07');
    // a point 60 m east of DEMO-02 reaches it with 61 m, not with 59 m
    const d2 = DEMO_BOXES.find((b) => b.name === 'CTO-CEN-DEMO-02')!;
    const p = destination(destination(DEMO_CENTER, d2.distance, d2.bearing), 60, 90);
    expect(names((await cov.query(COVERAGE, { input: { ...p, radiusMeters: 61 } })).data!.coverage.boxes)).toEqual(['CTO-CEN-DEMO-02']);
    expect((await cov.query(COVERAGE, { input: { ...p, radiusMeters: 59 } })).data!.coverage).toMatchObject({ viable: false, boxes: [], unviableBoxes: [] });
  });

  it('is not viable where there is no network, and not viable where every box in reach is full or in project', async () => {
    expect((await cov.query(COVERAGE, { input: { ...OPEN_WATER, radiusMeters: 2000 } })).data!.coverage).toMatchObject({ viable: false, boxes: [], unviableBoxes: [] });
    const d4 = DEMO_BOXES.find((b) => b.name === 'CTO-CEN-DEMO-04')!;
    const atFull = destination(DEMO_CENTER, d4.distance, d4.bearing);
    const c = (await cov.query(COVERAGE, { input: { ...atFull, radiusMeters: 30 } })).data!.coverage;
    expect(c).toMatchObject({ viable: false, boxes: [] });
    expect(reasons(c.unviableBoxes)).toEqual({ 'CTO-CEN-DEMO-04': 'NO_FREE_PORTS' });
  });

  it('a port reserved by someone else in OZmap makes a one-port box unviable at once', async () => {
    const box = (await cov.ozmap.listBoxes({ filter: [{ property: 'name', operator: '=', value: 'CTO-CEN-DEMO-02' }] })).rows[0]!;
    const [spl] = (await cov.ozmap.listSplitters({ filter: [{ property: 'parent', operator: '=', value: box.id }] })).rows;
    await cov.ozmap.createProperty({ address: 'Rua Trajano, 1', coords: box.coords, box: box.id, client: { name: 'Outro integrador', code: 'x' }, connection: { splitter: spl!.id, port: 8 }, implanted: false });
    const c = (await cov.query(COVERAGE, { input: DEMO_CENTER })).data!.coverage;
    expect(names(c.boxes)).toEqual(['CTO-CEN-DEMO-01', 'CTO-CEN-DEMO-06']);
    expect(reasons(c.unviableBoxes)['CTO-CEN-DEMO-02']).toBe('NO_FREE_PORTS');
  });
});

describe('coverage: plans and their OZmap region tags', () => {
  it('counts only boxes in regions tagged for the plan, and says which were outside', async () => {
    const premium = (await cov.query(COVERAGE, { input: { ...DEMO_CENTER, plan: 'FIBRA_1G' } })).data!.coverage;
    expect(premium.plan).toEqual({ code: 'FIBRA_1G', regionTags: ['premium'] });
    expect(names(premium.boxes)).toEqual(['CTO-CEN-DEMO-01', 'CTO-CEN-DEMO-02']);
    expect(reasons(premium.unviableBoxes)).toMatchObject({ 'CTO-CEN-DEMO-06': 'OUTSIDE_PLAN_REGION' });
    expect(premium.unviableBoxes.map((b: any) => b.distanceMeters)).toEqual([...premium.unviableBoxes.map((b: any) => b.distanceMeters)].sort((a, b) => a - b));

    const residential = (await cov.query(COVERAGE, { input: { ...DEMO_CENTER, plan: 'FIBRA_500' } })).data!.coverage;
    expect(names(residential.boxes)).toEqual(['CTO-CEN-DEMO-01', 'CTO-CEN-DEMO-06', 'CTO-CEN-DEMO-02']);
    const business = (await cov.query(COVERAGE, { input: { ...DEMO_CENTER, plan: 'EMPRESARIAL_1G' } })).data!.coverage;
    expect(business).toMatchObject({ viable: false, boxes: [] });
    expect(Object.values(reasons(business.unviableBoxes)).filter((r) => r === 'OUTSIDE_PLAN_REGION')).toHaveLength(3);
    const untagged = (await cov.query(COVERAGE, { input: { ...DEMO_CENTER, plan: 'FIBRA_300' } })).data!.coverage;
    expect(names(untagged.boxes)).toHaveLength(3);
  });

  it('caches the regions of a tag set: tags + regions once, then one viability call per query', async () => {
    await cov.query(`mutation { setCoveragePlan(code: "CACHE_TEST", name: "Cache", regionTags: ["premium", "residencial"]) { code } }`, {}, asAdmin());
    const before = upstream();
    await cov.query(COVERAGE, { input: { ...DEMO_CENTER, plan: 'CACHE_TEST' } });
    expect(upstream() - before).toBe(3);
    for (let i = 0; i < 4; i++) await cov.query(COVERAGE, { input: { ...DEMO_CENTER, plan: 'CACHE_TEST' } });
    expect(upstream() - before).toBe(7);
  });

  it('only an admin may change a plan: none is UNAUTHENTICATED, a partner without the role FORBIDDEN', async () => {
    const change = `mutation { setCoveragePlan(code: "FIBRA_1G", name: "Hijacked", regionTags: []) { code } }`;
    expect((await cov.query(change, {}, {})).errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect((await cov.query(change, {}, asPartner())).errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const forged = { 'x-switchboard-caller': asAdmin()['x-switchboard-caller']!.replace(/.$/, (c: string) => (c === 'A' ? 'B' : 'A')) };
    expect((await cov.query(change, {}, forged)).errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    const plans = (await cov.query('{ coveragePlans { code name } }')).data!.coveragePlans;
    expect(plans.find((p: { code: string }) => p.code === 'FIBRA_1G').name).not.toBe('Hijacked');
  });

  it('a plan edited with setCoveragePlan takes effect on the next query', async () => {
    const set = await cov.query(`mutation { setCoveragePlan(code: "PROMO_ESTREITO", name: "Promo Estreito", regionTags: ["empresarial"]) { code name regionTags } }`, {}, asAdmin());
    expect(set.data!.setCoveragePlan).toEqual({ code: 'PROMO_ESTREITO', name: 'Promo Estreito', regionTags: ['empresarial'] });
    expect((await cov.query(COVERAGE, { input: { ...DEMO_CENTER, plan: 'PROMO_ESTREITO' } })).data!.coverage.viable).toBe(false);
    await cov.query(`mutation { setCoveragePlan(code: "PROMO_ESTREITO", name: "Promo Estreito", regionTags: []) { code } }`, {}, asAdmin());
    expect((await cov.query(COVERAGE, { input: { ...DEMO_CENTER, plan: 'PROMO_ESTREITO' } })).data!.coverage.viable).toBe(true);
    const plans = (await cov.query(`{ coveragePlans { code regionTags } }`)).data!.coveragePlans;
    expect(plans.map((p: any) => p.code)).toEqual(expect.arrayContaining(['FIBRA_300', 'FIBRA_500', 'FIBRA_1G', 'EMPRESARIAL_1G', 'PROMO_ESTREITO']));
  });
});

describe('coverage: address and errors', () => {
  it('resolves an address OZmap knows to its coordinates', async () => {
    const c = (await cov.query(COVERAGE, { input: { address: 'rua felipe schmidt, 321' } })).data!.coverage;
    expect(c.resolvedAddress).toBe(DEMO_PREMISES.address);
    expect(haversineMeters(c.point, DEMO_CENTER)).toBeCloseTo(DEMO_PREMISES.distance, 0);
    expect(c.viable).toBe(true);
    const unknown = await cov.query(COVERAGE, { input: { address: 'Rua Que Não Existe, 9999' } });
    expect(unknown.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('answers BAD_USER_INPUT for bad coordinates, radius, input shape and unknown plans, before calling OZmap', async () => {
    const before = upstream();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ lat: 91, lng: -48.5 }, /lat must be/],
      [{ lat: -27.5, lng: -181 }, /lng -180\.\.180/],
      [{ lat: -27.5 }, /lat must be/],
      [{}, /give lat and lng, or an address/],
      [{ ...DEMO_CENTER, address: 'Rua Trajano, 1' }, /not both/],
      [{ ...DEMO_CENTER, radiusMeters: 0 }, /radiusMeters/],
      [{ ...DEMO_CENTER, radiusMeters: 5000 }, /radiusMeters/],
      [{ ...DEMO_CENTER, plan: 'NAO_EXISTE' }, /unknown plan "NAO_EXISTE"; plans: .*FIBRA_1G/],
    ];
    for (const [input, message] of cases) {
      const r = await cov.query(COVERAGE, { input });
      expect(r.data).toBeNull();
      expect(r.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
      expect(r.errors![0]!.message).toMatch(message);
    }
    expect(upstream()).toBe(before);
  });

  it('maps an OZmap outage to a coded upstream error', async () => {
    await fetch(`${sb.url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ errorRate: 1 }) });
    const r = await cov.query(COVERAGE, { input: DEMO_CENTER });
    // the code says what happened; the vendor, its status and its words are in the log only
    expect(r.errors![0]!.extensions).toEqual({ code: 'UPSTREAM_ERROR', requestId: expect.any(String) });
    expect(r.errors![0]!.message).not.toMatch(/ozmap|500|http/i);
  });

  it('resolves FibreBox references in one batched OZmap call', async () => {
    const ids = (await cov.query(COVERAGE, { input: DEMO_CENTER })).data!.coverage.boxes.map((b: any) => b.box.id);
    const before = upstream();
    const r = await cov.query(`query ($r: [_Any!]!) { _entities(representations: $r) { ... on FibreBox { id name implanted } } }`, {
      r: [...ids, '65a1f0c0ffffffffffffffff'].map((id) => ({ __typename: 'FibreBox', id })),
    });
    expect(r.data!._entities.slice(0, 3).map((b: any) => b.name)).toEqual(['CTO-CEN-DEMO-01', 'CTO-CEN-DEMO-06', 'CTO-CEN-DEMO-02']);
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND' });
    expect(upstream() - before).toBe(1);
  });
});
