import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { devPartner } from '../platform/config/auth';
import { pushPathOf } from '../vendors/carsys/paths';
import { sandboxVehicle, workOrderPush } from '../vendors/carsys/sandbox/data';
import { signedPushHeaders } from '../vendors/carsys/signature';
import type { CarsysWorkOrderPush } from '../vendors/carsys/types';
import { buildFleet } from '../vendors/mmp/sandbox/fleet';
import { DEV_PARTNER, gql, sandboxReset, sandboxStats, type GraphQLResult } from './support/graphql';
import { metricsUrlOf, scrape } from './support/metrics';
import { startStack, type Stack } from './support/stack';

/**
 * Issue 12, items 1-3, through the gateway: a vehicle belongs to every source (MMP, Carsys), Carsys work
 * orders are read by dealer, by number, by plate and from their person, and a workshop shows the work
 * orders booked in it next to its published capacity. Pushes are signed and sent to the gateway's host
 * (one public origin for a dealer). Batching is asserted from the MMP sandbox's counters and the Customer
 * store's round counter (`db.customer.rounds` on the Customer process's /metrics).
 */
const DEALER = 'sandbox-dealer';
const DEALER_SECRET = 'sandbox-dealer-secret';
const OTHER = 'other-dealer';
const OTHER_SECRET = 'other-dealer-secret-0001';
const VISION360 = 'POST /api/v1/trif/service-external-client/vehicule/vision360';
const sha = (k: string) => createHash('sha256').update(k).digest('hex');
const KEYS = { reader: 'reader-key-personal-only-000001', rival: 'rival-key-other-dealer-000001' };
const dev = devPartner();
const PARTNERS = [
  { id: dev.partnerId, keySha256: dev.keyHash, offices: dev.customers, roles: dev.roles, scopes: dev.scopes, grants: dev.grants },
  // people, but no work orders
  { id: 'reader', keySha256: sha(KEYS.reader), scopes: ['personal:read'], grants: { dealers: [DEALER] } },
  // work orders and people, of another dealer only
  { id: 'rival', keySha256: sha(KEYS.rival), scopes: ['personal:read', 'workorders:read'], grants: { dealers: [OTHER], workshops: ['121212'] } },
];
const as = (who: keyof typeof KEYS) => ({ 'x-api-key': KEYS[who] });

// A Carsys-only Dutch plate, a plate MMP knows too, and a plate nobody knows.
const DUTCH = 'GJG-03-K';
const SHARED = 'ABC123';
const UNKNOWN = 'ZZ-999-ZZ';
// pushes the gateway forwards per source address and window: the test's pushes fit, one more burst does not
const PUSH_RATE = 20;
const WEEK = ['2031-03-03', '2031-03-04', '2031-03-05', '2031-03-06', '2031-03-07', '2031-03-08', '2031-03-09'];

let stack: Stack;
let gatewayOrigin: string;
/** the work orders of the README's sandbox push (20, for the sandbox dealer's Dutch fleet, which holds GJG-03-K) */
let fleetPush: { workOrderNumber: string; plate: string }[];
const fleetOrdersOf = (plate: string) => fleetPush.filter((w) => w.plate === plate).map((w) => w.workOrderNumber);
const rounds = async () => (await scrape(metricsUrlOf(stack.subgraphUrl('customer')))).value('switchboard_events_total', { event: 'db.customer.rounds' });
const codes = (r: GraphQLResult) => [...new Set((r.errors ?? []).map((e) => e.extensions?.code))];
const mmpCalls = async () => (await sandboxStats(stack.sandboxUrl('mmp'))).byPath[VISION360] ?? 0;

/** A work order as the Carsys sandbox's DMS writes it, with the changes a test needs. */
function workOrder(seq: number, over: { plate?: string; appointmentDate?: string; vehicle?: Partial<CarsysWorkOrderPush['vehicle']> } = {}): CarsysWorkOrderPush {
  const v = sandboxVehicle(500 + seq, over.plate);
  const push = workOrderPush({ seq, vehicle: v, revision: 2, epochMs: Date.UTC(2024, 4, 1, 6, 0, 0) });
  if (over.appointmentDate) push.appointment.appointmentDate = over.appointmentDate;
  Object.assign(push.vehicle, over.vehicle ?? {});
  return push;
}

/** A signed push, as a dealer's DMS sends it, to the gateway's host. */
async function pushViaGateway(push: CarsysWorkOrderPush | string, dealer = DEALER, secret = DEALER_SECRET, headers: Record<string, string> = {}) {
  const body = typeof push === 'string' ? push : JSON.stringify(push);
  const res = await fetch(`${gatewayOrigin}${pushPathOf(dealer)}`, { method: 'POST', headers: { 'content-type': 'application/json', ...signedPushHeaders(secret, body), ...headers }, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const dutch = workOrder(1001, { plate: DUTCH, appointmentDate: '2024-06-03T10:00:00+02:00' });
const shared = workOrder(1002, {
  plate: SHARED,
  appointmentDate: '2024-06-04T10:00:00+02:00',
  vehicle: { make: 'Volkswagen', model: 'Golf', vin: 'WVWZZZ1KZAW000001', fuel: 'benzine', firstRegistrationDate: '2016-03-14' },
});
// booked in the week the sandbox workshop 121212 publishes below (Europe/Amsterdam, winter time)
const booked = workOrder(1003, { appointmentDate: '2031-03-04T09:00:00+01:00' });
const outside = workOrder(1004, { appointmentDate: '2031-03-10T00:30:00+01:00' });
const othersOrder = workOrder(1005, { plate: DUTCH, appointmentDate: '2024-06-05T10:00:00+02:00' });

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-partners-'));
  writeFileSync(join(dir, 'partners.json'), JSON.stringify(PARTNERS));
  stack = await startStack({
    sandboxes: ['mmp', 'carsys', 'customerconnect'],
    subgraphs: ['vehicle', 'customer', 'capacity'],
    gateway: true,
    env: {
      PARTNER_KEYS: `@${join(dir, 'partners.json')}`,
      CARSYS_DEALER_SECRETS: `${DEALER}:${DEALER_SECRET},${OTHER}:${OTHER_SECRET}`,
      CARSYS_PUSH_MAX_BYTES: String(32 * 1024),
      CARSYS_PUSH_RATE_PER_ADDRESS: String(PUSH_RATE),
    },
  });
  gatewayOrigin = new URL(stack.gatewayUrl).origin;
  // The README's sandbox push: 20 work orders for the sandbox dealer's Dutch fleet (to the Customer service's own port).
  const res = await fetch(`${stack.sandboxUrl('carsys')}/__sandbox/push`, { method: 'POST', body: JSON.stringify({ count: 20 }) });
  const out = (await res.json()) as { byStatus: unknown; workOrders: typeof fleetPush };
  expect(out.byStatus).toEqual({ created: 20 });
  fleetPush = out.workOrders;
  expect(fleetOrdersOf(DUTCH)).toHaveLength(1);
  for (const p of [dutch, shared, booked, outside]) expect((await pushViaGateway(p)).status).toBe(201);
  expect((await pushViaGateway(othersOrder, OTHER, OTHER_SECRET)).status).toBe(201);
}, 120_000);
afterAll(() => stack?.stop());
beforeEach(() => sandboxReset(stack.sandboxUrl('mmp')));

describe('the Carsys push receiver on the gateway host', () => {
  it('forwards the signed bytes unchanged and answers what the receiver answers', async () => {
    // the same body again: the receiver saw the same bytes, so the signature held and the row is unchanged
    expect(await pushViaGateway(dutch)).toEqual({ status: 200, body: { status: 'duplicate', dmsNumber: dutch.dmsNumber, workOrderNumber: dutch.workOrderNumber } });
    // signed for one body, another sent: refused by the receiver's HMAC check
    const tampered = await fetch(`${gatewayOrigin}${pushPathOf(DEALER)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signedPushHeaders(DEALER_SECRET, JSON.stringify(dutch)) },
      body: JSON.stringify({ ...dutch, interventions: [] }),
    });
    expect(tampered.status).toBe(401);
    expect(((await tampered.json()) as { error: string }).error).toBe('invalid_signature');
    // another dealer's secret does not sign for this dealer
    expect((await pushViaGateway(dutch, DEALER, OTHER_SECRET)).body.error).toBe('invalid_signature');
    // too large: refused at the gateway before it is read or forwarded
    const big = await pushViaGateway(JSON.stringify({ ...dutch, pad: 'x'.repeat(40 * 1024) }));
    expect(big).toMatchObject({ status: 413, body: { error: 'too_large' } });
    expect((await fetch(`${gatewayOrigin}${pushPathOf(DEALER)}`)).status).toBe(405);
    // no Content-Length (chunked): refused before the body is read
    const chunked = await new Promise<number>((resolve, reject) => {
      const body = JSON.stringify(dutch);
      const req = request(`${gatewayOrigin}${pushPathOf(DEALER)}`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', ...signedPushHeaders(DEALER_SECRET, body) } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(chunked).toBe(411);
  });

});

describe('a vehicle belongs to every source', () => {
  const FACTS = 'make makeSource model modelSource vin vinSource fuel fuelSource firstRegistrationDate firstRegistrationDateSource';

  it('a Carsys-only Dutch plate: sources [CARSYS], its Carsys facts, MMP facets null with NOT_FOUND on their own paths', async () => {
    const before = await rounds();
    const res = await gql(
      stack.gatewayUrl,
      `query ($p: String!) { vehicle(plate: $p) { plate displayPlate sources knownToCarsys
        carsys { make model vin fuel firstRegistrationDate apkDate plateAsPushed dealerId modifiedAt }
        facts { ${FACTS} } factConflicts { fact }
        information { vin } operations { date } forecasts { label }
        appointments { workOrderNumber } } }`,
      { p: DUTCH },
      DEV_PARTNER,
    );
    const v = res.data!.vehicle;
    expect(v.plate).toBe('GJG03K');
    expect(v.sources).toEqual(['CARSYS']);
    expect(v.knownToCarsys).toBe(true);
    // facts of the newest appointment of the plate, whichever dealer: other-dealer's (06-05, after 06-03)
    expect(v.carsys).toMatchObject({ make: othersOrder.vehicle.make, plateAsPushed: DUTCH, dealerId: OTHER });
    expect(v.facts).toEqual({
      make: othersOrder.vehicle.make, makeSource: 'CARSYS', model: othersOrder.vehicle.model, modelSource: 'CARSYS', vin: othersOrder.vehicle.vin, vinSource: 'CARSYS',
      fuel: expect.any(String), fuelSource: 'CARSYS', firstRegistrationDate: othersOrder.vehicle.firstRegistrationDate, firstRegistrationDateSource: 'CARSYS',
    });
    expect(v.factConflicts).toEqual([]);
    expect([v.information, v.operations, v.forecasts]).toEqual([null, null, null]);
    expect(res.errors!.map((e) => [e.path!.join('.'), e.extensions?.code, e.message]).sort()).toEqual([
      ['vehicle.forecasts', 'NOT_FOUND', 'MMP does not know this plate'],
      ['vehicle.information', 'NOT_FOUND', 'MMP does not know this plate'],
      ['vehicle.operations', 'NOT_FOUND', 'MMP does not know this plate'],
    ]);
    // the dev partner is granted the sandbox dealer only: other-dealer's work order is not listed; newest first
    expect(v.appointments.map((a: { workOrderNumber: string }) => a.workOrderNumber)).toEqual([dutch.workOrderNumber, ...fleetOrdersOf(DUTCH)]);
    // one MMP call for three facets, `sources` and `facts` (across the gateway's two fetches to Vehicle); one store round
    expect(await mmpCalls()).toBe(1);
    expect(await rounds()).toBe(before + 1);
  });

  it('a plate both sources know: both sources, the merged facts (MMP first) and what each source says where they differ', async () => {
    const res = await gql(
      stack.gatewayUrl,
      `{ vehicle(plate: "${SHARED}") { sources information { brand model vin energy releaseDate }
        carsys { make model vin fuel firstRegistrationDate } facts { ${FACTS} } factConflicts { fact values { source value } } } }`,
    );
    expect(res.errors).toBeUndefined();
    const v = res.data!.vehicle;
    expect(v.sources).toEqual(['MMP', 'CARSYS']);
    expect(v.carsys).toEqual({ make: 'Volkswagen', model: 'Golf', vin: 'WVWZZZ1KZAW000001', fuel: 'benzine', firstRegistrationDate: '2016-03-14' });
    expect(v.information.vin).toBe('VF7RDRFJC9L554165');
    expect(v.facts).toMatchObject({ vin: 'VF7RDRFJC9L554165', vinSource: 'MMP', make: v.information.brand, makeSource: 'MMP' });
    const conflicts = Object.fromEntries(v.factConflicts.map((c: { fact: string; values: unknown }) => [c.fact, c.values]));
    expect(conflicts.vin).toEqual([{ source: 'MMP', value: 'VF7RDRFJC9L554165' }, { source: 'CARSYS', value: 'WVWZZZ1KZAW000001' }]);
    expect(conflicts.make).toEqual([{ source: 'MMP', value: v.information.brand }, { source: 'CARSYS', value: 'Volkswagen' }]);
    expect(await mmpCalls()).toBe(1);
  });

  it('a plate no source knows is NOT_FOUND when `sources` is asked; in a list only that entry', async () => {
    const one = await gql(stack.gatewayUrl, `{ vehicle(plate: "${UNKNOWN}") { plate sources } }`);
    expect(one.data?.vehicle).toBeNull();
    expect(one.errors!.map((e) => [e.extensions?.code, e.message])).toEqual([['NOT_FOUND', 'no source knows plate ZZ-999-ZZ']]);
    const many = await gql(stack.gatewayUrl, `{ vehicles(plates: ["${SHARED}", "${DUTCH}", "${UNKNOWN}"]) { plate sources } }`);
    expect(many.data!.vehicles).toEqual([{ plate: SHARED, sources: ['MMP', 'CARSYS'] }, { plate: 'GJG03K', sources: ['CARSYS'] }, null]);
    // (the gateway names the failed entity's field without its list index: ['vehicles', 'sources'])
    expect(many.errors!.map((e) => [e.path![0], e.extensions?.code, e.message])).toEqual([['vehicles', 'NOT_FOUND', 'no source knows plate ZZ-999-ZZ']]);
  });

  it('50 vehicles with both sources asked: one MMP call per plate, one store round', async () => {
    const fleet = [...buildFleet().plates.filter((p) => p !== SHARED).slice(0, 40), DUTCH, SHARED, UNKNOWN];
    const before = await rounds();
    const res = await gql(stack.gatewayUrl, 'query ($p: [String!]!) { vehicles(plates: $p) { plate information { vin } carsys { make } facts { make } factConflicts { fact } } }', { p: fleet }, DEV_PARTNER);
    expect(res.data!.vehicles).toHaveLength(43);
    // the only errors: `information` of the two plates MMP does not know (facts of MMP-only plates merge without Carsys)
    expect(res.errors!.map((e) => [e.path!.join('.'), e.extensions?.code, e.message])).toEqual([
      ['vehicles.40.information', 'NOT_FOUND', 'MMP does not know this plate'],
      ['vehicles.42.information', 'NOT_FOUND', 'MMP does not know this plate'],
    ]);
    expect(res.data!.vehicles[0].facts.make).toBeTruthy();
    expect(res.data!.vehicles.filter((v: { carsys: unknown }) => v.carsys)).toHaveLength(2);
    expect(await mmpCalls()).toBe(43);
    expect(await rounds()).toBe(before + 1);
  });
});

describe('Carsys work orders as a first-class read', () => {
  const PAGE = 'query ($d: ID!, $first: Int, $after: String, $f: CarsysWorkOrderFilter) { carsysWorkOrders(dealerId: $d, first: $first, after: $after, filter: $f) { edges { cursor node { workOrderNumber appointmentAt vehicle { plateAsPushed } } } pageInfo { hasNextPage endCursor } } }';
  type Page = { edges: { cursor: string; node: { workOrderNumber: string; appointmentAt: string; vehicle: { plateAsPushed: string } } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };

  it('by dealer: newest appointment first, cursor pages that cover every work order once, one store round per page', async () => {
    const seen: Page['edges'] = [];
    let after: string | null = null;
    let pages = 0;
    const before = await rounds();
    do {
      const res: GraphQLResult<{ carsysWorkOrders: Page }> = await gql(stack.gatewayUrl, PAGE, { d: DEALER, first: 7, after }, DEV_PARTNER);
      expect(res.errors).toBeUndefined();
      const page = res.data!.carsysWorkOrders;
      seen.push(...page.edges);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      pages++;
    } while (after);
    expect(seen).toHaveLength(24); // 20 from the sandbox push + 4 pushed through the gateway (other-dealer's not)
    expect(pages).toBe(4);
    expect(await rounds()).toBe(before + 4);
    expect(new Set(seen.map((e) => e.node.workOrderNumber)).size).toBe(24);
    const times = seen.map((e) => Date.parse(e.node.appointmentAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // a cursor stays valid while new pushes arrive before it: the next page is unchanged
    const first = (await gql(stack.gatewayUrl, PAGE, { d: DEALER, first: 3 }, DEV_PARTNER)).data!.carsysWorkOrders as Page;
    expect((await pushViaGateway(workOrder(1006, { appointmentDate: '2035-01-01T10:00:00+01:00' }))).status).toBe(201);
    const next = (await gql(stack.gatewayUrl, PAGE, { d: DEALER, first: 3, after: first.pageInfo.endCursor }, DEV_PARTNER)).data!.carsysWorkOrders as Page;
    expect(next.edges.map((e) => e.node.workOrderNumber)).toEqual(seen.slice(3, 6).map((e) => e.node.workOrderNumber));
  });

  it('filters by plate, work-order number and date range; one by number; bad arguments are BAD_USER_INPUT', async () => {
    const byPlate = (await gql(stack.gatewayUrl, PAGE, { d: DEALER, f: { plate: 'gjg03k' } }, DEV_PARTNER)).data!.carsysWorkOrders as Page;
    expect(byPlate.edges.map((e) => e.node.workOrderNumber)).toEqual([dutch.workOrderNumber, ...fleetOrdersOf(DUTCH)]);
    const byNumber = (await gql(stack.gatewayUrl, PAGE, { d: DEALER, f: { workOrderNumber: shared.workOrderNumber } }, DEV_PARTNER)).data!.carsysWorkOrders as Page;
    expect(byNumber.edges.map((e) => e.node.vehicle.plateAsPushed)).toEqual([SHARED]);
    // Dutch calendar days: 2031-03-10T00:30+01:00 is 2031-03-09 in UTC but the 10th in Amsterdam
    const march = (await gql(stack.gatewayUrl, PAGE, { d: DEALER, f: { from: '2031-03-01', to: '2031-03-09' } }, DEV_PARTNER)).data!.carsysWorkOrders as Page;
    expect(march.edges.map((e) => e.node.workOrderNumber)).toEqual([booked.workOrderNumber]);
    const one = await gql(stack.gatewayUrl, 'query ($d: ID!, $n: String!) { carsysWorkOrder(dealerId: $d, workOrderNumber: $n) { workOrderNumber dmsNumber totalPrice vehicle { plateAsPushed } workshop { id } } }', { d: DEALER, n: shared.workOrderNumber }, DEV_PARTNER);
    expect(one.data!.carsysWorkOrder).toMatchObject({ workOrderNumber: shared.workOrderNumber, dmsNumber: shared.dmsNumber, vehicle: { plateAsPushed: SHARED }, workshop: { id: '121212' } });
    const none = await gql(stack.gatewayUrl, 'query ($d: ID!) { carsysWorkOrder(dealerId: $d, workOrderNumber: "WO-NOPE") { workOrderNumber } }', { d: DEALER }, DEV_PARTNER);
    expect(none).toEqual({ data: { carsysWorkOrder: null } });
    const before = await rounds();
    expect(codes(await gql(stack.gatewayUrl, PAGE, { d: DEALER, first: 101 }, DEV_PARTNER))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await gql(stack.gatewayUrl, PAGE, { d: DEALER, after: 'not-a-cursor' }, DEV_PARTNER))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await gql(stack.gatewayUrl, PAGE, { d: DEALER, f: { from: '2031-03-09', to: '2031-03-01' } }, DEV_PARTNER))).toEqual(['BAD_USER_INPUT']);
    // `first` prices the page for the cost model: 100 work orders with their owners' vehicles (5 assumed each) is too much
    const costly = await gql(stack.gatewayUrl, `{ carsysWorkOrders(dealerId: "${DEALER}", first: 100) { edges { node { owner { vehicles { plate } } } } } }`, {}, DEV_PARTNER);
    expect(codes(costly)).toEqual(['COST_LIMIT_EXCEEDED']);
    expect(await rounds()).toBe(before);
  });

  it('from its person: a Carsys person lists their vehicles and work orders; an MMP client the plate of its id', async () => {
    const owner = (await gql(stack.gatewayUrl, `{ carsysWorkOrder(dealerId: "${DEALER}", workOrderNumber: "${dutch.workOrderNumber}") { owner { id } } }`, {}, DEV_PARTNER)).data!.carsysWorkOrder.owner;
    expect(owner.id).toBe(`carsys:${DEALER}:${dutch.vehicle.ownerId}`);
    const res = await gql(stack.gatewayUrl, 'query ($id: ID!) { customer(id: $id) { name vehicles { plate sources carsys { make } } appointments { workOrderNumber vehicleRef { plate } } } }', { id: owner.id }, DEV_PARTNER);
    expect(res.errors).toBeUndefined();
    expect(res.data!.customer.vehicles).toEqual([{ plate: 'GJG03K', sources: ['CARSYS'], carsys: { make: othersOrder.vehicle.make } }]);
    expect(res.data!.customer.appointments).toEqual([{ workOrderNumber: dutch.workOrderNumber, vehicleRef: { plate: 'GJG03K' } }]);
    const mmp = await gql(stack.gatewayUrl, `{ vehicle(plate: "${SHARED}") { customers { id vehicles { plate } appointments { workOrderNumber } } } }`, {}, DEV_PARTNER);
    expect(mmp.errors, JSON.stringify(mmp.errors)).toBeUndefined();
    const c = mmp.data!.vehicle.customers[0];
    expect(c.id).toMatch(/^mmp:trif:ABC123:\d+$/);
    expect(c).toMatchObject({ vehicles: [{ plate: SHARED }], appointments: [] });
  });

  it('a vehicle reached through its MMP customer: facts without Carsys (its carsys null reaches Vehicle as null) when Carsys does not know the plate', async () => {
    // `customers { vehicles { carsys } }` comes from one Customer call; `facts` then requires that `carsys` (null)
    const plate = buildFleet().plates.find((p) => p !== SHARED)!;
    const res = await gql(stack.gatewayUrl, `{ vehicle(plate: "${plate}") { customers { vehicles { plate carsys { make } facts { make makeSource } } } } }`, {}, DEV_PARTNER);
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    const vehicles = res.data!.vehicle.customers.flatMap((c: { vehicles: unknown[] }) => c.vehicles);
    expect(vehicles.length).toBeGreaterThan(0);
    for (const v of vehicles) expect(v).toMatchObject({ plate, carsys: null, facts: { make: expect.any(String), makeSource: 'MMP' } });
  });

  it('a page of 20 work orders with their owners, vehicles and appointments: three store rounds', async () => {
    const before = await rounds();
    const res = await gql(
      stack.gatewayUrl,
      `{ carsysWorkOrders(dealerId: "${DEALER}", first: 20) { edges { node { workOrderNumber owner { name vehicles { plate } appointments { workOrderNumber } } driver { name } } } } }`,
      {},
      DEV_PARTNER,
    );
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    const nodes = res.data!.carsysWorkOrders.edges.map((e: { node: { owner: { appointments: { workOrderNumber: string }[] } } }) => e.node);
    expect(nodes).toHaveLength(20);
    expect(nodes.every((n: { workOrderNumber: string; owner: { appointments: { workOrderNumber: string }[] } }) => n.owner.appointments.some((a) => a.workOrderNumber === n.workOrderNumber))).toBe(true);
    // the page, the persons, the persons' work orders
    expect(await rounds()).toBe(before + 3);
  });
});

describe('workshop ↔ dealer', () => {
  it('a workshop shows the work orders booked in it next to its published capacity', async () => {
    const days = WEEK.map((date) => ({ date, openingHours: [{ open: '08:00', close: '17:00' }], workTypes: [{ workType: 'APK', availableMinutes: 240, bookedMinutes: 60 }] }));
    const pub = await gql(stack.gatewayUrl, 'mutation ($days: [WorkshopCapacityDayInput!]!) { publishCapacity(workshopId: "121212", days: $days) { from to } }', { days }, DEV_PARTNER);
    expect(pub.errors).toBeUndefined();
    const before = await rounds();
    const res = await gql(
      stack.gatewayUrl,
      `{ workshops(ids: ["121212", "6060001"]) { id carsysDealerId mmpPointOfSale capacity(from: "${WEEK[0]}", to: "${WEEK[6]}") { date freeMinutes }
        appointments(from: "${WEEK[0]}", to: "${WEEK[6]}") { workOrderNumber appointmentAt workshop { id } vehicleRef { plate } } } }`,
      {},
      DEV_PARTNER,
    );
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    const [linked, unlinked] = res.data!.workshops;
    expect(linked).toMatchObject({ id: '121212', carsysDealerId: DEALER, mmpPointOfSale: '920150' });
    expect(linked.capacity.map((d: { date: string }) => d.date)).toEqual(WEEK);
    expect(linked.appointments).toEqual([{ workOrderNumber: booked.workOrderNumber, appointmentAt: expect.stringMatching(/^2031-03-04T08:00:00/), workshop: { id: '121212' }, vehicleRef: { plate: expect.any(String) } }]);
    expect(unlinked.appointments).toEqual([]);
    expect(await rounds()).toBe(before + 1);
    const tooLong = await gql(stack.gatewayUrl, '{ workshop(id: "121212") { appointments(from: "2031-01-01", to: "2031-03-01") { workOrderNumber } } }', {}, DEV_PARTNER);
    expect(codes(tooLong)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('workshop ↔ MMP point of sale', () => {
  it('a workshop lists the campaign clients of its linked point of sale; without the grant, FORBIDDEN before any MMP call', async () => {
    const page = '{ edges { cursor node { lastName campaign { id } } } pageInfo { hasNextPage endCursor } totalCampaigns }';
    const direct = await gql(stack.gatewayUrl, `{ mmpCampaignClients(codePdv: "920150", first: 3) ${page} }`, {}, DEV_PARTNER);
    const via = await gql(stack.gatewayUrl, `{ workshops(ids: ["121212", "6060001"]) { id campaignClients(first: 3) ${page} } }`, {}, DEV_PARTNER);
    expect(via.errors, JSON.stringify(via.errors)).toBeUndefined();
    expect(direct.data!.mmpCampaignClients.edges).toHaveLength(3);
    expect(via.data!.workshops[0].campaignClients).toEqual(direct.data!.mmpCampaignClients);
    // 6060001 is linked to no point of sale
    expect(via.data!.workshops[1].campaignClients).toBeNull();
    const next = await gql(stack.gatewayUrl, `query ($a: String) { workshop(id: "121212") { campaignClients(first: 3, after: $a) ${page} } }`, { a: direct.data!.mmpCampaignClients.pageInfo.endCursor }, DEV_PARTNER);
    expect(next.data!.workshop.campaignClients.edges[0].cursor).not.toBe(direct.data!.mmpCampaignClients.edges[0].cursor);

    const before = (await sandboxStats(stack.sandboxUrl('mmp'))).dataRequests;
    const refused = await gql(stack.gatewayUrl, `{ workshop(id: "121212") { id campaignClients { edges { cursor } } } }`, {}, as('rival'));
    expect(codes(refused)).toEqual(['FORBIDDEN']);
    expect(refused.errors![0]!.message).toMatch(/920150/);
    expect(codes(await gql(stack.gatewayUrl, `{ workshop(id: "121212") { campaignClients { edges { cursor } } } }`))).toEqual(['UNAUTHENTICATED']);
    expect((await sandboxStats(stack.sandboxUrl('mmp'))).dataRequests).toBe(before);
  });
});

describe('refused callers cost no store round and no vendor call', () => {
  it('no credentials, no scope, another dealer: UNAUTHENTICATED, FORBIDDEN, or nothing of that dealer', async () => {
    const before = await rounds();
    const page = `{ carsysWorkOrders(dealerId: "${DEALER}") { edges { node { workOrderNumber } } } }`;
    expect(codes(await gql(stack.gatewayUrl, page))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await gql(stack.gatewayUrl, page, {}, as('reader')))).toEqual(['FORBIDDEN']);
    const rival = await gql(stack.gatewayUrl, page, {}, as('rival'));
    expect(codes(rival)).toEqual(['FORBIDDEN']);
    expect(rival.errors![0]!.message).toMatch(/not granted Carsys dealer sandbox-dealer/);
    expect(codes(await gql(stack.gatewayUrl, `{ carsysWorkOrder(dealerId: "${DEALER}", workOrderNumber: "${dutch.workOrderNumber}") { workOrderNumber } }`, {}, as('rival')))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(stack.gatewayUrl, `{ workshop(id: "121212") { appointments(from: "${WEEK[0]}", to: "${WEEK[6]}") { workOrderNumber } } }`, {}, as('rival')))).toEqual(['FORBIDDEN']);
    expect(await rounds()).toBe(before);
    // another dealer's person does not exist for this caller
    const person = await gql(stack.gatewayUrl, `{ customer(id: "carsys:${DEALER}:${dutch.vehicle.ownerId}") { name } }`, {}, as('rival'));
    expect(person).toEqual({ data: { customer: null } });
    // by plate, each caller sees its own dealers' work orders only
    const mine = await gql(stack.gatewayUrl, `{ vehicle(plate: "${DUTCH}") { appointments { dealerId workOrderNumber } } }`, {}, as('rival'));
    expect(mine.data!.vehicle.appointments).toEqual([{ dealerId: OTHER, workOrderNumber: othersOrder.workOrderNumber }]);
    // vehicle facts stay public, like MMP's information
    const anon = await gql(stack.gatewayUrl, `{ vehicle(plate: "${DUTCH}") { sources carsys { make } } }`);
    expect(anon.errors).toBeUndefined();
    expect(anon.data!.vehicle.sources).toEqual(['CARSYS']);
    expect((await sandboxStats(stack.sandboxUrl('mmp'))).byPath[VISION360]).toBe(1);
  });
});

// Last: these stop the Customer service and spend the address's push allowance for the rest of the window.
describe('the push route on the gateway host when the Customer service is away, and under a burst', () => {
  it('answers 503 with Retry-After while the Customer service is down, so the DMS pushes again', async () => {
    await stack.services.find((s) => s.name === 'customer')!.stop();
    const body = JSON.stringify(dutch);
    const res = await fetch(`${gatewayOrigin}${pushPathOf(DEALER)}`, { method: 'POST', headers: { 'content-type': 'application/json', ...signedPushHeaders(DEALER_SECRET, body) }, body });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    await stack.restart('customer');
    expect((await pushViaGateway(dutch)).body.status).toBe('duplicate');
  }, 60_000);

  it('limits pushes per source address before reading or forwarding them (429)', async () => {
    const answers = await Promise.all(Array.from({ length: PUSH_RATE }, () => pushViaGateway(dutch)));
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]!.body.error).toBe('rate_limited');
    expect(answers.filter((a) => a.status !== 429).every((a) => a.status === 200 && a.body.status === 'duplicate')).toBe(true);
  });
});
