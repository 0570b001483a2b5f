import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_PARTNER, gql, sandboxReset, sandboxStats } from './support/graphql';
import { startStack, type Stack } from './support/stack';

/**
 * Coverage across processes, as `npm start` runs it: the OZmap sandbox, the Coverage subgraph (embedded
 * PGlite in the stack's DATA_DIR) and the gateway, each its own process on a free port.
 */
const V = '/api/v2';
let stack: Stack;
let oz: string;

// Praça XV de Novembro, Florianópolis: the sandbox's demo cluster (vendors/ozmap/sandbox/seed.ts).
const CENTRE = { lat: -27.5969, lng: -48.5495 };
const COVERAGE = /* GraphQL */ `
  query ($input: CoverageInput!) {
    coverage(input: $input) {
      viable radiusMeters plan { code }
      boxes { box { id name } distanceMeters freePorts }
      unviableBoxes { box { name } reason }
    }
  }
`;
const RESERVE = /* GraphQL */ `
  mutation ($boxId: ID!, $prospect: ProspectInput!) {
    reservePort(boxId: $boxId, prospect: $prospect) { id status portIndex expiresAt box { name } }
  }
`;
const prospect = (n: number) => ({ name: `Cliente ${n} Silva`, email: `cliente${n}@example.com.br`, phone: '+55 48 98888-0000', address: `Rua Trajano, ${n} - Centro, Florianópolis - SC` });

beforeAll(async () => {
  stack = await startStack({ sandboxes: ['ozmap'], subgraphs: ['coverage'], gateway: true });
  oz = stack.sandboxUrl('ozmap');
});
afterAll(() => stack?.stop());

describe('coverage through the gateway', () => {
  it('checks feasibility for a plan: viable boxes nearest first, the others with why', async () => {
    await sandboxReset(oz);
    const res = await gql(stack.gatewayUrl, COVERAGE, { input: { ...CENTRE, plan: 'FIBRA_1G' } });
    expect(res.errors).toBeUndefined();
    const c = res.data!.coverage;
    expect(c).toMatchObject({ viable: true, radiusMeters: 250, plan: { code: 'FIBRA_1G' } });
    expect(c.boxes.map((b: any) => [b.box.name, b.freePorts])).toEqual([['CTO-CEN-DEMO-01', 4], ['CTO-CEN-DEMO-02', 1]]);
    expect(Object.fromEntries(c.unviableBoxes.map((b: any) => [b.box.name, b.reason]))).toEqual({
      'CTO-CEN-DEMO-06': 'OUTSIDE_PLAN_REGION',
      'CTO-CEN-DEMO-03': 'NOT_IMPLANTED',
      'CTO-CEN-DEMO-04': 'NO_FREE_PORTS',
      'CTO-CEN-DEMO-05': 'NO_SERVICE_SPLITTER',
    });
    // viability + the plan's tags + their regions; the regions are then cached
    expect((await sandboxStats(oz)).dataRequests).toBe(3);
    await gql(stack.gatewayUrl, COVERAGE, { input: { ...CENTRE, plan: 'FIBRA_1G' } });
    expect((await sandboxStats(oz)).dataRequests).toBe(4);
  });

  it('reserves the last port once, answers CONFLICT to the second prospect, and cancel frees it', async () => {
    await sandboxReset(oz);
    const boxId = (await gql(stack.gatewayUrl, COVERAGE, { input: CENTRE })).data!.coverage.boxes.find((b: any) => b.box.name === 'CTO-CEN-DEMO-02').box.id;
    const [a, b] = await Promise.all([gql(stack.gatewayUrl, RESERVE, { boxId, prospect: prospect(1) }, DEV_PARTNER), gql(stack.gatewayUrl, RESERVE, { boxId, prospect: prospect(2) }, DEV_PARTNER)]);
    const won = [a, b].find((r) => r.data?.reservePort)!;
    const lost = [a, b].find((r) => r.errors)!;
    expect(won.data!.reservePort).toMatchObject({ status: 'RESERVED', portIndex: 8, box: { name: 'CTO-CEN-DEMO-02' } });
    expect(lost.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT', reason: 'NO_FREE_PORTS' });
    const after = (await gql(stack.gatewayUrl, COVERAGE, { input: CENTRE })).data!.coverage;
    expect(after.unviableBoxes.find((x: any) => x.box.name === 'CTO-CEN-DEMO-02').reason).toBe('NO_FREE_PORTS');

    const id = won.data!.reservePort.id;
    const cancel = await gql(stack.gatewayUrl, `mutation ($id: ID!) { cancelReservation(id: $id) { status } }`, { id }, DEV_PARTNER);
    expect(cancel.data!.cancelReservation.status).toBe('CANCELLED');
    expect((await gql(stack.gatewayUrl, COVERAGE, { input: CENTRE })).data!.coverage.boxes.map((x: any) => x.box.name)).toContain('CTO-CEN-DEMO-02');
    expect((await sandboxStats(oz)).byPath[`POST ${V}/properties`]).toBeGreaterThanOrEqual(1);
  });

  it('keeps reservations across a restart of the Coverage subgraph, and confirms them afterwards', async () => {
    await sandboxReset(oz);
    const boxId = (await gql(stack.gatewayUrl, COVERAGE, { input: CENTRE })).data!.coverage.boxes[0].box.id;
    const r = (await gql(stack.gatewayUrl, RESERVE, { boxId, prospect: prospect(3) }, DEV_PARTNER)).data!.reservePort;
    await stack.restart('coverage');
    const read = await gql(stack.gatewayUrl, `query ($id: ID!) { portReservation(id: $id) { status expiresAt box { name } } }`, { id: r.id }, DEV_PARTNER);
    expect(read.data!.portReservation).toEqual({ status: 'RESERVED', expiresAt: r.expiresAt, box: { name: 'CTO-CEN-DEMO-01' } });
    const confirm = await gql(stack.gatewayUrl, `mutation ($id: ID!) { confirmReservation(id: $id) { status } }`, { id: r.id }, DEV_PARTNER);
    expect(confirm.data!.confirmReservation.status).toBe('CONFIRMED');
  });

  it('passes coded errors through: bad coordinates and unknown boxes', async () => {
    const bad = await gql(stack.gatewayUrl, COVERAGE, { input: { lat: -127.5, lng: -48.5 } });
    expect(bad.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    const unknown = await gql(stack.gatewayUrl, RESERVE, { boxId: '65a1f0c0ffffffffffffffff', prospect: prospect(4) }, DEV_PARTNER);
    expect(unknown.errors![0]!.extensions!.code).toBe('NOT_FOUND');
  });

  it('refuses an anonymous mutation at the gateway, before OZmap is called', async () => {
    await sandboxReset(stack.sandboxUrl('ozmap'));
    const boxId = '65a1f0c00cfac8a134776517';
    const anonymous = await gql(stack.gatewayUrl, RESERVE, { boxId, prospect: prospect(5) });
    expect(anonymous.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect((await sandboxStats(stack.sandboxUrl('ozmap'))).dataRequests).toBe(0);
  });
});
