import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLER_HEADER, signCallerIdentity, type CallerIdentity } from '../platform/caller-identity';
import { devPartner } from '../platform/config/auth';
import { DEV_PARTNER, gql, sandboxReset, sandboxStats, type GraphQLResult } from './support/graphql';
import { startStack, type Stack } from './support/stack';
import { createThrowawayDatabase } from './support/throwaway-postgres';
import { buildZip, postMultipart } from './support/zip';

/**
 * The access model (issue 9, points 1-3) across real processes: every domain refuses the anonymous
 * caller, the caller without the scope and the caller without the resource grant — through the gateway
 * and straight at the subgraph ports (no header, a header signed with another secret) — and a refusal
 * costs no vendor call. Partners come from a partners JSON file (`PARTNER_KEYS=@file`).
 */
const SECRET = 'access-e2e-signing-secret-0123456789';
const sha = (k: string) => createHash('sha256').update(k).digest('hex');
const KEYS = { mechanic: 'mechanic-key-workorders-only', acme: 'acme-key-only-orders-of-M200', garage: 'garage-key-6060001-61204-6768ZED', rival: 'rival-key-reserves-ports', conecte: 'conecte-key-reserves-ports' };
const dev = devPartner();
const PARTNERS = [
  { id: dev.partnerId, keySha256: dev.keyHash, offices: dev.customers, roles: dev.roles, scopes: dev.scopes, grants: dev.grants },
  // the example: a partner whose key covers only Vitec office M200 (no scopes named: order scopes only)
  { id: 'acme', keySha256: sha(KEYS.acme), offices: ['M200'] },
  {
    id: 'garage',
    keySha256: sha(KEYS.garage),
    scopes: ['personal:read', 'capacity:write', 'clients:import', 'workorders:read'],
    grants: { workshops: ['6060001'], mmpOrganisations: ['61204'], mmpPointsOfSale: ['6768ZED'], dealers: ['another-dealer'] },
  },
  { id: 'mechanic', keySha256: sha(KEYS.mechanic), scopes: ['workorders:read'], grants: { dealers: ['sandbox-dealer'] } },
  { id: 'rival', keySha256: sha(KEYS.rival), scopes: ['coverage:reserve', 'personal:read'] },
  { id: 'conecte', keySha256: sha(KEYS.conecte), scopes: ['coverage:reserve', 'personal:read'] },
];
const as = (who: keyof typeof KEYS) => ({ 'x-api-key': KEYS[who] });

// A client of this sandbox vehicle keeps `telephone mobile | telephone professionnel | email` private (MMP viePrivee).
const PRIVATE_PLATE = 'DX334GV';
const RESERVE = 'mutation ($boxId: ID!, $p: ProspectInput!) { reservePort(boxId: $boxId, prospect: $p) { id status } }';
const READ_RESERVATION = 'query ($id: ID!) { portReservation(id: $id) { id status prospect { name email } } }';
const PUBLISH = 'mutation ($id: ID!, $days: [WorkshopCapacityDayInput!]!) { publishCapacity(workshopId: $id, days: $days) { from to } }';
const DAY = [{ date: '2031-05-05', openingHours: [{ open: '08:00', close: '17:00' }], workTypes: [{ workType: 'APK', availableMinutes: 120, bookedMinutes: 0 }] }];
const IMPORT = 'mutation ($org: String!, $file: Upload!) { importMmpClientsAndInvoices(organizationId: $org, file: $file) { success } }';
const prospect = { name: 'Ana Souza', email: 'ana@example.com.br', phone: '+55 48 99999-0000', address: 'Rua Trajano, 120 - Centro, Florianópolis - SC' };

let stack: Stack;
let db: { url: string; drop(): Promise<void> };
let boxId: string;
const codes = (r: GraphQLResult) => [...new Set((r.errors ?? []).map((e) => e.extensions?.code))];
const dataCalls = async (vendor: string) => (await sandboxStats(stack.sandboxUrl(vendor))).dataRequests;
const resetAll = () => Promise.all(['mmp', 'customerconnect', 'ozmap'].map((v) => sandboxReset(stack.sandboxUrl(v))));
const signed = (identity: CallerIdentity, secret = SECRET) => ({ [CALLER_HEADER]: signCallerIdentity(identity, secret) });
const adminOps: CallerIdentity = { kind: 'partner', id: 'ops', customers: ['M123'], roles: ['admin'], scopes: ['admin', 'orders:read', 'personal:read', 'personal-private:read', 'capacity:write', 'coverage:reserve'], grants: { workshops: ['*'] } };

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-partners-'));
  writeFileSync(join(dir, 'partners.json'), JSON.stringify(PARTNERS));
  // PostgreSQL rather than one embedded PGlite per stateful subgraph: eight processes start in time on a loaded machine.
  db = await createThrowawayDatabase();
  stack = await startStack({
    sandboxes: ['mmp', 'carsys', 'customerconnect', 'ozmap'],
    subgraphs: ['vehicle', 'customer', 'capacity', 'coverage'],
    gateway: true,
    env: { PARTNER_KEYS: `@${join(dir, 'partners.json')}`, GATEWAY_SIGNING_SECRET: SECRET, DATABASE_URL: db.url },
  });
  // The Carsys sandbox dealer pushes a work order for the private plate (dev partner is granted that dealer).
  const pushed = await fetch(`${stack.sandboxUrl('carsys')}/__sandbox/push`, { method: 'POST', body: JSON.stringify({ count: 1, plates: [PRIVATE_PLATE] }) });
  expect(((await pushed.json()) as { byStatus: unknown }).byStatus).toEqual({ created: 1 });
  boxId = (await gql(stack.gatewayUrl, '{ coverage(input: {lat: -27.5969, lng: -48.5495}) { boxes { box { id } } } }')).data!.coverage.boxes[0].box.id;
}, 180_000);
afterAll(async () => {
  await stack?.stop();
  await db?.drop();
});

describe('anonymous callers read public data only', () => {
  it('gets vehicle facts and coverage, and nothing personal: UNAUTHENTICATED before any vendor call', async () => {
    await resetAll();
    const facts = await gql(stack.gatewayUrl, `{ vehicle(plate: "${PRIVATE_PLATE}") { plate information { vin } } }`);
    expect(facts.errors).toBeUndefined();
    await resetAll();
    for (const q of [
      `{ vehicle(plate: "${PRIVATE_PLATE}") { plate clients { email mobile } } }`,
      `{ vehicle(plate: "${PRIVATE_PLATE}") { importedClients { email } } }`,
      `{ vehicle(plate: "${PRIVATE_PLATE}") { customers { name privateContact { mobile } } } }`,
      `{ vehicle(plate: "${PRIVATE_PLATE}") { owner { name } appointments { totalPrice } } }`,
      `{ customer(id: "mmp:trif:${PRIVATE_PLATE}:1") { name } }`,
      '{ mmpCampaignClients(codePdv: "920150") { edges { node { lastName } } } }',
      '{ portReservation(id: "00000000-0000-4000-8000-000000000001") { prospect { name } } }',
      '{ orders { edges { node { id } } } }', // refused by the gateway itself: no Order subgraph runs in this stack
    ]) {
      const res = await gql(stack.gatewayUrl, q);
      expect(codes(res), q).toEqual(['UNAUTHENTICATED']);
      expect(res.data ?? null, q).toBeNull();
    }
    const mutations = await Promise.all([
      gql(stack.gatewayUrl, PUBLISH, { id: '6060001', days: DAY }),
      gql(stack.gatewayUrl, RESERVE, { boxId, p: prospect }),
      postMultipart(stack.gatewayUrl, IMPORT, { org: '61204' }, { file: { content: buildZip([{ name: 'c.csv', content: 'x' }]), name: 'c.zip' } }).then((r) => r.body as GraphQLResult),
    ]);
    for (const m of mutations) expect(codes(m)).toEqual(['UNAUTHENTICATED']);
    expect(await Promise.all(['mmp', 'customerconnect', 'ozmap'].map(dataCalls))).toEqual([0, 0, 0]);
  });
});

describe('a partner without the scope (acme: Vitec office M200 only)', () => {
  it('is FORBIDDEN personal data, capacity, reservations, imports and plans, naming the scope, with no vendor call', async () => {
    await resetAll();
    const personal = await gql(stack.gatewayUrl, `{ vehicle(plate: "${PRIVATE_PLATE}") { clients { email } } }`, {}, as('acme'));
    expect(codes(personal)).toEqual(['FORBIDDEN']);
    expect(personal.errors![0]!.message).toMatch(/personal:read/);
    expect(personal.errors![0]!.extensions!.requiredScopes).toEqual([['personal:read']]);
    const refused = await Promise.all([
      gql(stack.gatewayUrl, PUBLISH, { id: '6060002', days: DAY }, as('acme')),
      gql(stack.gatewayUrl, RESERVE, { boxId, p: prospect }, as('acme')),
      gql(stack.gatewayUrl, 'mutation { setCoveragePlan(code: "FREE_FOR_ALL", name: "x", regionTags: []) { code } }', {}, as('acme')),
      gql(stack.gatewayUrl, '{ mmpCampaignClients(codePdv: "920150") { edges { cursor } } }', {}, as('acme')),
      postMultipart(stack.gatewayUrl, IMPORT, { org: '61204' }, { file: { content: buildZip([{ name: 'c.csv', content: 'x' }]), name: 'c.zip' } }, as('acme')).then((r) => r.body as GraphQLResult),
    ]);
    for (const r of refused) expect(codes(r)).toEqual(['FORBIDDEN']);
    expect(await Promise.all(['mmp', 'customerconnect', 'ozmap'].map(dataCalls))).toEqual([0, 0, 0]);
    // (what acme holds, its orders, keeps working: test/order.e2e.ts, partner ACME)
  });
});

describe('a partner without the resource grant (garage: workshop 6060001, organisation 61204, point of sale 6768ZED)', () => {
  it('publishes capacity only for its workshop: another is FORBIDDEN and CustomerConnect is never called', async () => {
    await resetAll();
    const other = await gql(stack.gatewayUrl, PUBLISH, { id: '6060002', days: DAY }, as('garage'));
    expect(codes(other)).toEqual(['FORBIDDEN']);
    expect(other.errors![0]!.message).toMatch(/not granted workshop 6060002/);
    expect(await dataCalls('customerconnect')).toBe(0);
    const own = await gql(stack.gatewayUrl, PUBLISH, { id: '6060001', days: DAY }, as('garage'));
    expect(own.errors).toBeUndefined();
    expect(own.data!.publishCapacity).toEqual({ from: '2031-05-05', to: '2031-05-05' });
  });

  it('imports ZIPs and reads campaign client lists only for its MMP organisation and point of sale', async () => {
    await resetAll();
    const zip = buildZip([{ name: 'clients.csv', content: 'clientDmsId;nom\n1;DUPONT\n' }]);
    const otherOrg = await postMultipart(stack.gatewayUrl, IMPORT, { org: '57525' }, { file: { content: zip, name: 'c.zip' } }, as('garage'));
    expect(codes(otherOrg.body as GraphQLResult)).toEqual(['FORBIDDEN']);
    const otherPos = await gql(stack.gatewayUrl, '{ mmpCampaignClients(codePdv: "920150") { edges { cursor } } }', {}, as('garage'));
    expect(codes(otherPos)).toEqual(['FORBIDDEN']);
    expect(await dataCalls('mmp')).toBe(0);
    const ownOrg = await postMultipart(stack.gatewayUrl, IMPORT, { org: '61204' }, { file: { content: zip, name: 'c.zip' } }, as('garage'));
    expect((ownOrg.body as GraphQLResult).errors).toBeUndefined();
    const ownPos = await gql(stack.gatewayUrl, '{ mmpCampaignClients(codePdv: "6768ZED", first: 2) { edges { node { lastName } } } }', {}, as('garage'));
    expect(ownPos.errors).toBeUndefined();
    expect(ownPos.data!.mmpCampaignClients.edges.length).toBeGreaterThan(0);
  });

  it('reads Carsys work orders and people only from its dealers', async () => {
    const q = `{ vehicle(plate: "${PRIVATE_PLATE}") { owner { id name } appointments { dealerId } } }`;
    const garage = await gql(stack.gatewayUrl, q, {}, as('garage'));
    expect(garage.errors).toBeUndefined();
    expect(garage.data!.vehicle).toEqual({ owner: null, appointments: [] });
    const devSees = await gql(stack.gatewayUrl, q, {}, DEV_PARTNER);
    expect(devSees.data!.vehicle.appointments).toEqual([{ dealerId: 'sandbox-dealer' }]);
    expect(devSees.data!.vehicle.owner.name).toBeTruthy();
    // another dealer's person does not exist for garage
    const byId = await gql(stack.gatewayUrl, 'query ($id: ID!) { customer(id: $id) { name } }', { id: devSees.data!.vehicle.owner.id }, as('garage'));
    expect(byId.errors).toBeUndefined();
    expect(byId.data!.customer).toBeNull();
  });
});

describe('rules on a type apply wherever the type is reached', () => {
  it('work orders without personal:read: the appointment, yes; its owner (a Customer, personal by type), FORBIDDEN', async () => {
    const ok = await gql(stack.gatewayUrl, `{ vehicle(plate: "${PRIVATE_PLATE}") { appointments { dealerId totalPrice } } }`, {}, as('mechanic'));
    expect(ok.errors).toBeUndefined();
    expect(ok.data!.vehicle.appointments).toHaveLength(1);
    const person = await gql(stack.gatewayUrl, `{ vehicle(plate: "${PRIVATE_PLATE}") { appointments { owner { name } } } }`, {}, as('mechanic'));
    expect(codes(person)).toEqual(['FORBIDDEN']);
    expect(person.errors![0]!.message).toMatch(/Customer\.name needs the scope personal:read/);
    // the same rule holds at the Customer port, for the same signed caller
    const mechanic: CallerIdentity = { kind: 'partner', id: 'mechanic', customers: [], roles: [], scopes: ['workorders:read'], grants: { dealers: ['sandbox-dealer'] } };
    const direct = await gql(stack.subgraphUrl('customer'), 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Vehicle { appointments { owner { name } } } } }', { r: [{ __typename: 'Vehicle', plate: PRIVATE_PLATE }] }, signed(mechanic));
    expect(codes(direct)).toEqual(['FORBIDDEN']);
    expect(JSON.stringify(direct.data)).not.toMatch(/"name":"/);
  });
});

describe('MMP privacy preferences (viePrivee)', () => {
  it('withholds private channels from personal:read, naming them, and shows them to personal-private:read', async () => {
    const q = `{ vehicle(plate: "${PRIVATE_PLATE}") { clients { email phone mobile privacy withheld } importedClients { email mobile withheld } customers { privateContact { email phone mobile } withheld } } }`;
    const garage = await gql(stack.gatewayUrl, q, {}, as('garage'));
    expect(garage.errors).toBeUndefined();
    const client = garage.data!.vehicle.clients[0];
    expect(client.privacy).toEqual(['telephone mobile', 'telephone professionnel', 'email']);
    expect(client).toMatchObject({ email: null, phone: null, mobile: null, withheld: ['mobile', 'phone', 'email'] });
    expect(garage.data!.vehicle.customers[0]).toEqual({ privateContact: { email: null, phone: null, mobile: null }, withheld: ['privateContact.mobile', 'privateContact.phone', 'privateContact.email'] });
    // the raw DMS copy carries no preference of its own: its channels need personal-private:read
    expect(garage.data!.vehicle.importedClients[0]).toEqual({ email: null, mobile: null, withheld: ['address', 'postcode', 'city', 'email', 'phone', 'mobile'] });
    expect(JSON.stringify(garage)).not.toMatch(/0659433446|s\.bonnet@mail\.fr/);

    const devSees = await gql(stack.gatewayUrl, q, {}, DEV_PARTNER);
    expect(devSees.data!.vehicle.clients[0]).toMatchObject({ email: 's.bonnet@mail.fr', mobile: '0659433446', withheld: [] });
    expect(devSees.data!.vehicle.importedClients[0]).toMatchObject({ mobile: '0659433446', withheld: [] });
    expect(devSees.data!.vehicle.customers[0]).toMatchObject({ privateContact: { email: 's.bonnet@mail.fr', mobile: '0659433446' }, withheld: [] });
  });
});

describe('port reservations belong to the partner that made them', () => {
  it('only the reserving partner (or an admin) reads the prospect, confirms or cancels; others get NOT_FOUND and change nothing', async () => {
    await resetAll();
    const made = await gql(stack.gatewayUrl, RESERVE, { boxId, p: prospect }, as('rival'));
    expect(made.errors).toBeUndefined();
    const id = made.data!.reservePort.id as string;
    expect((await gql(stack.gatewayUrl, READ_RESERVATION, { id }, as('rival'))).data!.portReservation).toMatchObject({ id, status: 'RESERVED', prospect: { name: 'Ana Souza' } });

    await resetAll();
    expect((await gql(stack.gatewayUrl, READ_RESERVATION, { id }, as('conecte'))).data!.portReservation).toBeNull();
    for (const m of ['confirmReservation', 'cancelReservation']) {
      const res = await gql(stack.gatewayUrl, `mutation ($id: ID!) { ${m}(id: $id) { status } }`, { id }, as('conecte'));
      expect(codes(res), m).toEqual(['NOT_FOUND']);
    }
    expect(codes(await gql(stack.gatewayUrl, READ_RESERVATION, { id }, as('garage')))).toEqual(['FORBIDDEN']);
    expect(await dataCalls('ozmap')).toBe(0);

    // the admin (development partner) reads it; the owner still holds it and cancels it
    expect((await gql(stack.gatewayUrl, READ_RESERVATION, { id }, DEV_PARTNER)).data!.portReservation).toMatchObject({ status: 'RESERVED', prospect: { email: 'ana@example.com.br' } });
    const cancelled = await gql(stack.gatewayUrl, 'mutation ($id: ID!) { cancelReservation(id: $id) { status } }', { id }, as('rival'));
    expect(cancelled.data!.cancelReservation.status).toBe('CANCELLED');
  });
});

describe('straight at the subgraph ports', () => {
  const other = 'not-the-gateway-secret-0123456789';
  const forged = (identity: CallerIdentity) => signed(identity, other);
  const acme: CallerIdentity = { kind: 'partner', id: 'acme', customers: ['M200'], roles: [] };

  it('no header: personal data, reservations, orders and every write are UNAUTHENTICATED, with no vendor call', async () => {
    await resetAll();
    const cases: [string, string, Record<string, unknown>][] = [
      ['customer', `{ customer(id: "mmp:trif:${PRIVATE_PLATE}:1") { name } }`, {}],
      ['customer', '{ mmpCampaignClients(codePdv: "920150") { edges { cursor } } }', {}],
      ['capacity', PUBLISH, { id: '6060001', days: DAY }],
      ['coverage', RESERVE, { boxId, p: prospect }],
      ['coverage', READ_RESERVATION, { id: '00000000-0000-4000-8000-000000000001' }],
      ['coverage', 'mutation { setCoveragePlan(code: "FREE_FOR_ALL", name: "x", regionTags: []) { code } }', {}],
    ];
    // (the Order port: test/order.e2e.ts)
    for (const [subgraph, q, vars] of cases) {
      const res = await gql(stack.subgraphUrl(subgraph), q, vars);
      expect(codes(res), `${subgraph}: ${q}`).toEqual(['UNAUTHENTICATED']);
    }
    const direct = await gql(stack.subgraphUrl('vehicle'), `{ vehicle(plate: "${PRIVATE_PLATE}") { plate clients { email mobile } } }`);
    expect(codes(direct)).toEqual(['UNAUTHENTICATED']);
    expect(JSON.stringify(direct)).not.toMatch(/@|0659433446/);
    const entities = await gql(stack.subgraphUrl('customer'), 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Vehicle { customers { name } } } }', { r: [{ __typename: 'Vehicle', plate: PRIVATE_PLATE }] });
    expect(codes(entities)).toEqual(['UNAUTHENTICATED']);
    expect(JSON.stringify(entities.data)).not.toMatch(/name/);
    expect(await dataCalls('customerconnect')).toBe(0);
    expect(await dataCalls('ozmap')).toBe(0);
  });

  it('a header signed with another secret gets nothing, not even public data, and reaches no vendor', async () => {
    await resetAll();
    const cases: [string, string, Record<string, unknown>][] = [
      ['vehicle', '{ vehicle(plate: "ABC123") { plate information { vin } } }', {}],
      ['customer', `{ customer(id: "mmp:trif:${PRIVATE_PLATE}:1") { name } }`, {}],
      ['capacity', PUBLISH, { id: '6060001', days: DAY }],
      ['coverage', 'mutation { setCoveragePlan(code: "FREE_FOR_ALL", name: "x", regionTags: []) { code } }', {}],
      ['coverage', '{ coverage(input: {lat: -27.5969, lng: -48.5495}) { viable } }', {}],
    ];
    for (const [subgraph, q, vars] of cases) {
      const res = await gql(stack.subgraphUrl(subgraph), q, vars, forged(adminOps));
      expect(codes(res), `${subgraph}: ${q}`).toEqual(['UNAUTHENTICATED']);
      expect(Object.values(res.data ?? {}).every((v) => v === null), `${subgraph}: ${q}`).toBe(true);
    }
    expect(await Promise.all(['mmp', 'customerconnect', 'ozmap'].map(dataCalls))).toEqual([0, 0, 0]);
  });

  it('a genuine header is checked again: missing scope and missing grant are FORBIDDEN at the subgraph itself', async () => {
    await resetAll();
    expect(codes(await gql(stack.subgraphUrl('vehicle'), `{ vehicle(plate: "${PRIVATE_PLATE}") { clients { email } } }`, {}, signed(acme)))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(stack.subgraphUrl('capacity'), PUBLISH, { id: '6060002', days: DAY }, signed(acme)))).toEqual(['FORBIDDEN']);
    const noGrant = { ...acme, scopes: ['capacity:write'], grants: { workshops: ['6060001'] } };
    expect(codes(await gql(stack.subgraphUrl('capacity'), PUBLISH, { id: '6060002', days: DAY }, signed(noGrant)))).toEqual(['FORBIDDEN']);
    expect(codes(await gql(stack.subgraphUrl('coverage'), 'mutation { setCoveragePlan(code: "FREE_FOR_ALL", name: "x", regionTags: []) { code } }', {}, signed(acme)))).toEqual(['FORBIDDEN']);
    expect(await dataCalls('customerconnect')).toBe(0);
    // and the same header with the scope and grant goes through
    const allowed = await gql(stack.subgraphUrl('capacity'), PUBLISH, { id: '6060001', days: DAY }, signed(noGrant));
    expect(allowed.errors).toBeUndefined();
  });
});
