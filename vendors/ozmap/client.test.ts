import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, type AppError } from '../../platform/errors';
import { destination, haversineMeters } from '../../platform/geo';
import { startOzmapSandbox, SANDBOX_LOGIN, type RunningOzmapSandbox } from './sandbox/server';
import { DEMO_BOXES, DEMO_CENTER, OPEN_WATER, generateNetwork } from './sandbox/seed';
import { ozmapClientFor } from '../../test/support/ozmap';
import type { OzmapBox, OzmapTag } from './types';

let sb: RunningOzmapSandbox;
const closers: (() => Promise<void>)[] = [];
const make = (...args: Parameters<typeof ozmapClientFor>) => {
  const c = ozmapClientFor(...args);
  closers.push(c.close);
  return c.client;
};
const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as AppError);
const V = '/api/v2';

beforeAll(async () => {
  sb = await startOzmapSandbox({ port: 0, defaultRadius: 250 });
});
afterAll(async () => {
  await Promise.all(closers.map((c) => c()));
  await sb.close();
});
beforeEach(() => fetch(`${sb.url}/__sandbox/reset`, { method: 'POST' }));

const boxNamed = async (name: string) => (await make(sb.url).listBoxes({ filter: [{ property: 'name', operator: '=', value: name }] })).rows[0]!;

describe('seeded network', () => {
  it('is deterministic and realistic: hundreds of boxes in Florianópolis, some Em projeto, busy/free/blocked ports', () => {
    const a = generateNetwork();
    expect(JSON.stringify(generateNetwork())).toBe(JSON.stringify(a));
    expect(JSON.stringify(generateNetwork(7))).not.toBe(JSON.stringify(a));
    expect(a.boxes.length).toBeGreaterThanOrEqual(250);
    for (const b of a.boxes) {
      expect(b.coords[1]).toBeGreaterThan(-27.9);
      expect(b.coords[1]).toBeLessThan(-27.3);
      expect(b.coords[0]).toBeGreaterThan(-48.7);
      expect(b.coords[0]).toBeLessThan(-48.3);
    }
    expect(a.boxes.filter((b) => !b.implanted).length).toBeGreaterThan(10);
    const ports = a.splitters.filter((s) => s.isDrop).flatMap((s) => s.ports.map((p) => ({ s: s.id, ...p })));
    const busy = new Set(a.properties.filter((p) => p.connection).map((p) => `${p.connection!.splitter}#${p.connection!.port}`));
    expect(ports.filter((p) => p.blocked).length).toBeGreaterThan(20);
    expect(ports.filter((p) => busy.has(`${p.s}#${p.index}`)).length).toBeGreaterThan(200);
    expect(ports.filter((p) => !p.blocked && !busy.has(`${p.s}#${p.index}`)).length).toBeGreaterThan(200);
    expect(a.regions.every((r) => r.polygon.coordinates[0]!.length >= 5 && r.tags.length > 0)).toBe(true);
  });
});

describe('authentication', () => {
  it('sends the key raw in Authorization and maps a bad key to UPSTREAM_UNAUTHENTICATED', async () => {
    await make(sb.url).listTags();
    const bad = await failure(make(sb.url, { apiKey: 'not-the-key-at-all' }).listTags());
    expect(bad).toMatchObject({ code: ErrorCode.UPSTREAM_UNAUTHENTICATED, status: 401 });
    const bearer = await fetch(`${sb.url}${V}/tags`, { headers: { authorization: 'Bearer sandbox-ozmap-api-key-0001' } });
    expect(bearer.status).toBe(401);
    expect(sb.stats().byPath[`GET ${V}/tags`]).toBe(3);
  });

  it('logs in once with POST /users/login?type=API and logs in again after the key is revoked', async () => {
    const client = make(sb.url, { login: SANDBOX_LOGIN.login, password: SANDBOX_LOGIN.password });
    await Promise.all(Array.from({ length: 6 }, () => client.listTags()));
    expect(sb.stats().tokenRequests).toBe(1);
    await fetch(`${sb.url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ expireTokens: true }) });
    await client.listTags();
    expect(sb.stats()).toMatchObject({ tokenRequests: 2, byPath: { [`GET ${V}/tags`]: 8 } });
    const wrong = await failure(make(sb.url, { login: 'conecteai', password: 'wrong' }).listTags());
    expect(wrong).toMatchObject({ code: ErrorCode.UPSTREAM_UNAUTHENTICATED });
  });
});

describe('feasibility by radius', () => {
  it('counts exactly the boxes within the radius on the sphere, nearest first, with reasons for the others', async () => {
    const client = make(sb.url);
    const v = await client.viabilityByRadius({ lat: DEMO_CENTER.lat, lng: DEMO_CENTER.lng });
    expect(v.radius).toBe(250);
    expect(v.viable).toBe(true);
    expect(v.boxes.map((b) => b.name)).toEqual(['CTO-CEN-DEMO-01', 'CTO-CEN-DEMO-06', 'CTO-CEN-DEMO-02']);
    expect(v.boxes.map((b) => b.freePorts)).toEqual([4, 6, 1]);
    expect(Object.fromEntries(v.unviableBoxes.map((b) => [b.name, b.reason]))).toEqual({
      'CTO-CEN-DEMO-03': 'NOT_IMPLANTED',
      'CTO-CEN-DEMO-04': 'NO_FREE_PORTS',
      'CTO-CEN-DEMO-05': 'NO_SERVICE_SPLITTER',
    });
    for (const b of [...v.boxes, ...v.unviableBoxes]) {
      const d = haversineMeters(DEMO_CENTER, { lat: b.coords[1], lng: b.coords[0] });
      expect(Math.abs(d - DEMO_BOXES.find((x) => x.name === b.name)!.distance)).toBeLessThan(0.5);
      expect(Math.abs(b.distance - d)).toBeLessThan(0.1);
    }
  });

  it('a box just inside the radius counts and just outside does not', async () => {
    const client = make(sb.url);
    const demo7 = DEMO_BOXES.find((b) => b.name === 'CTO-CEN-DEMO-07')!;
    const inside = await client.viabilityByRadius({ ...DEMO_CENTER, radius: demo7.distance + 1 });
    const outside = await client.viabilityByRadius({ ...DEMO_CENTER, radius: demo7.distance - 1 });
    expect(inside.boxes.map((b) => b.name)).toContain('CTO-CEN-DEMO-07');
    expect(outside.boxes.map((b) => b.name)).not.toContain('CTO-CEN-DEMO-07');
    // 1 m short of DEMO-01 from a point 41 m away along its bearing's reverse
    const p = destination(DEMO_CENTER, 1, 225);
    expect((await client.viabilityByRadius({ ...p, radius: 40.5 })).boxes).toEqual([]);
    expect((await client.viabilityByRadius({ ...p, radius: 41.5 })).boxes.map((b) => b.name)).toEqual(['CTO-CEN-DEMO-01']);
  });

  it('is not viable in open water and rejects coordinates off the globe', async () => {
    const client = make(sb.url);
    expect(await client.viabilityByRadius({ ...OPEN_WATER, radius: 1000 })).toMatchObject({ viable: false, boxes: [], unviableBoxes: [] });
    expect(await failure(client.viabilityByRadius({ lat: 91, lng: 0 }))).toMatchObject({ code: ErrorCode.BAD_USER_INPUT, status: 400 });
  });
});

describe('lists', () => {
  it('pages with {total, count, start, limit, rows, hasNextPage, nextUrl} and follows them to the end', async () => {
    const client = make(sb.url);
    const first = await client.listBoxes({ limit: 100 });
    expect(first).toMatchObject({ count: 100, start: 0, limit: 100, hasNextPage: true });
    expect(first.nextUrl).toMatch(/^\/api\/v2\/boxes\?page=2&limit=100/);
    const all = await client.listAll<OzmapBox>(client.listBoxes, { limit: 100 });
    expect(all.length).toBe(first.total);
    expect(new Set(all.map((b) => b.id)).size).toBe(first.total);
    const last = await client.listBoxes({ limit: 100, page: Math.ceil(first.total / 100) });
    expect(last.hasNextPage).toBe(false);
    expect(last.nextUrl).toBeNull();
  });

  it('filters with near (nearest first), in, like, all, exists, within and point-intersect', async () => {
    const client = make(sb.url);
    const near = await client.listBoxes({ filter: [{ property: 'coords', operator: 'near', value: { ...DEMO_CENTER, radius: 100 } }], select: ['name'] });
    expect(near.rows.map((b) => b.name)).toEqual(['CTO-CEN-DEMO-01', 'CTO-CEN-DEMO-06', 'CTO-CEN-DEMO-02']);
    expect(Object.keys(near.rows[0]!).sort()).toEqual(['id', 'name']);

    const tags = (await client.listTags({ filter: [{ property: 'name', operator: 'in', value: ['premium', 'empresarial'] }] })).rows;
    expect(tags.map((t) => t.name).sort()).toEqual(['empresarial', 'premium']);
    const premium = tags.find((t) => t.name === 'premium')!.id;
    const premiumRegions = await client.listRegions({ filter: [{ property: 'tags', operator: 'in', value: [premium] }], populate: ['tags'] });
    expect(premiumRegions.rows.map((r) => r.name).sort()).toEqual(['Agronômica', 'Centro Leste', 'Itacorubi', 'Lagoa da Conceição']);
    expect((premiumRegions.rows[0]!.tags as OzmapTag[]).some((t) => t.name === 'premium')).toBe(true);
    const residential = tags.length && (await client.listTags({ filter: [{ property: 'name', operator: '=', value: 'residencial' }] })).rows[0]!.id;
    const both = await client.listRegions({ filter: [{ property: 'tags', operator: 'all', value: [premium, residential] }] });
    expect(both.rows.map((r) => r.name).sort()).toEqual(['Agronômica', 'Centro Leste', 'Lagoa da Conceição']);

    const here = await client.listRegions({ filter: [{ property: 'polygon', operator: 'point-intersect', value: [DEMO_CENTER.lng + 0.0005, DEMO_CENTER.lat] }] });
    expect(here.rows.map((r) => r.name)).toEqual(['Centro Leste']);
    const centroLeste = here.rows[0]!;
    const inside = await client.listAll<OzmapBox>(client.listBoxes, { filter: [{ property: 'coords', operator: 'within', value: centroLeste.polygon }] });
    expect(inside.map((b) => b.name)).toEqual(expect.arrayContaining(['CTO-CEN-DEMO-01', 'CTO-CEN-DEMO-02', 'CTO-CEN-DEMO-07']));
    expect(inside.map((b) => b.name)).not.toContain('CTO-CEN-DEMO-06');

    const like = await client.listProperties({ filter: [{ property: 'address', operator: 'like', value: 'felipe schmidt, 321' }] });
    expect(like.rows.map((p) => p.address)).toEqual(['Rua Felipe Schmidt, 321 - Centro, Florianópolis - SC']);
    const unconnected = await client.listProperties({ filter: [{ property: 'connection', operator: 'exists', value: false }], limit: 1 });
    expect(unconnected.total).toBe(21);

    const demo2 = await boxNamed('CTO-CEN-DEMO-02');
    const spl = await client.listSplitters({ filter: [{ property: 'parent', operator: '=', value: demo2.id }], populate: ['parent'] });
    expect(spl.rows).toHaveLength(1);
    expect((spl.rows[0]!.parent as OzmapBox).name).toBe('CTO-CEN-DEMO-02');
    expect(await failure(client.listBoxes({ filter: [{ property: 'name', operator: 'regex' as never, value: 'x' }] }))).toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
  });

  it('answers 404 for an unknown box as NOT_FOUND', async () => {
    expect(await failure(make(sb.url).getBox('65a1f0c0ffffffffffffffff'))).toMatchObject({ code: ErrorCode.NOT_FOUND, status: 404 });
  });
});

describe('properties as reservations', () => {
  it('connects a not-implanted property to a free port, refuses a taken port with 409, activates and deletes it', async () => {
    const client = make(sb.url);
    const demo2 = await boxNamed('CTO-CEN-DEMO-02');
    const [splitter] = (await client.viabilityByRadius({ lat: demo2.coords[1], lng: demo2.coords[0], radius: 1 })).boxes[0]!.splitters;
    const body = { address: 'Rua Trajano, 50', coords: demo2.coords, box: demo2.id, client: { name: 'Maria Teste', code: 'r-1' }, connection: { splitter: splitter!.id, port: 8 }, implanted: false };
    const created = await client.createProperty(body);
    expect(created).toMatchObject({ implanted: false, connection: { port: 8 } });
    expect((await client.viabilityByRadius({ lat: demo2.coords[1], lng: demo2.coords[0], radius: 1 })).unviableBoxes[0]).toMatchObject({ reason: 'NO_FREE_PORTS' });
    expect(await failure(client.createProperty({ ...body, client: { name: 'Outro', code: 'r-2' } }))).toMatchObject({ code: ErrorCode.CONFLICT, status: 409 });
    expect((await client.listProperties({ filter: [{ property: 'client.code', operator: '=', value: 'r-1' }] })).rows.map((p) => p.id)).toEqual([created.id]);
    expect(await client.updateProperty(created.id, { implanted: true })).toMatchObject({ implanted: true });
    expect(await client.deleteProperty(created.id)).toBe(true);
    expect(await client.deleteProperty(created.id)).toBe(false);
    expect((await client.viabilityByRadius({ lat: demo2.coords[1], lng: demo2.coords[0], radius: 1 })).boxes[0]).toMatchObject({ freePorts: 1 });
    expect(sb.stats().byPath[`DELETE ${V}/properties/${created.id}`]).toBe(2);
  });
});
