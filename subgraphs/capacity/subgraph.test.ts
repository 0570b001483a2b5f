import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../platform/logger';
import { startSubgraphServer, type RunningSubgraph } from '../../platform/subgraph-server';
import { gql } from '../../test/support/graphql';
import { dateRange } from '../../vendors/customerconnect/dates';
import { seededDay, seededUsers } from '../../vendors/customerconnect/sandbox/data';
import { startCustomerConnectSandbox, type RunningCustomerConnectSandbox } from '../../vendors/customerconnect/sandbox/server';
import { customerConnectClientFor } from '../../test/support/customerconnect';
import { createCapacitySubgraph } from './subgraph';
import { callerHeaders, TEST_SIGNING_SECRET } from '../../test/support/callers';

const CAP = '/ccplatform/api/v1/capacity';
let sb: RunningCustomerConnectSandbox;
const started: { close(): Promise<void> }[] = [];

async function subgraphWith(opts: Parameters<typeof customerConnectClientFor>[1] = {}): Promise<RunningSubgraph> {
  const cc = customerConnectClientFor(sb.url, opts);
  const server = await startSubgraphServer({ name: 'capacity', log: silentLogger, ...createCapacitySubgraph({ customerConnect: cc.client, signingSecret: TEST_SIGNING_SECRET, log: silentLogger }) }, 0);
  started.push(server, cc);
  return server;
}

let url: string;
beforeAll(async () => {
  sb = await startCustomerConnectSandbox({ seedFrom: '2030-03-04', seedDays: 14 });
  url = (await subgraphWith()).url;
});
afterAll(async () => {
  for (const s of started.reverse()) await s.close();
  await sb.close();
});
beforeEach(() => fetch(`${sb.url}/__sandbox/reset`, { method: 'POST' }));

const PUBLISH = /* GraphQL */ `
  mutation Publish($id: ID!, $days: [WorkshopCapacityDayInput!]!, $from: Date!, $to: Date!) {
    publishCapacity(workshopId: $id, days: $days) {
      from
      to
      publishedDates
      posts { from to dayCount }
      workshop { id capacity(from: $from, to: $to) { date open availableMinutes bookedMinutes freeMinutes workTypes { workType mechanic availableMinutes bookedMinutes freeMinutes } openingHours { open close } } }
    }
  }
`;
const CAPACITY = /* GraphQL */ `
  query Read($ids: [ID!]!, $from: Date!, $to: Date!) {
    workshops(ids: $ids) { id capacity(from: $from, to: $to) { date freeMinutes workTypes { workType availableMinutes bookedMinutes } } }
  }
`;

/** A week as a planner sends it: Mon-Fri full days with a lunch break, Saturday morning, Sunday closed. */
const week = (from: string, booked = 60) =>
  dateRange(from, from.replace(/\d\d$/, (d) => String(+d + 6).padStart(2, '0'))).map((date, i) =>
    i === 6
      ? { date, openingHours: [], workTypes: [] }
      : {
          date,
          openingHours: i === 5 ? [{ open: '08:30', close: '12:30' }] : [{ open: '08:00', close: '12:30' }, { open: '13:00', close: '17:30' }],
          workTypes: [
            { workType: 'APK', availableMinutes: 240, bookedMinutes: booked },
            { workType: 'MAINTENANCE', mechanic: 'PIET', availableMinutes: 480, bookedMinutes: 120 },
          ],
        },
  );

describe('publishCapacity', () => {
  it('publishes a week as one five-day and two one-day posts and reads it back', async () => {
    const days = week('2030-06-03');
    const res = await gql(url, PUBLISH, { id: '121212', days, from: '2030-06-03', to: '2030-06-09' }, callerHeaders());
    expect(res.errors).toBeUndefined();
    const r = res.data!.publishCapacity;
    expect(r).toMatchObject({
      from: '2030-06-03',
      to: '2030-06-09',
      publishedDates: dateRange('2030-06-03', '2030-06-09'),
      posts: [
        { from: '2030-06-03', to: '2030-06-07', dayCount: 5 },
        { from: '2030-06-08', to: '2030-06-08', dayCount: 1 },
        { from: '2030-06-09', to: '2030-06-09', dayCount: 1 },
      ],
    });
    expect(r.workshop.capacity).toHaveLength(7);
    expect(r.workshop.capacity[0]).toEqual({
      date: '2030-06-03',
      open: true,
      availableMinutes: 720,
      bookedMinutes: 180,
      freeMinutes: 540,
      openingHours: [{ open: '08:00', close: '12:30' }, { open: '13:00', close: '17:30' }],
      workTypes: [
        { workType: 'APK', mechanic: null, availableMinutes: 240, bookedMinutes: 60, freeMinutes: 180 },
        { workType: 'MAINTENANCE', mechanic: 'PIET', availableMinutes: 480, bookedMinutes: 120, freeMinutes: 360 },
      ],
    });
    expect(r.workshop.capacity[6]).toMatchObject({ date: '2030-06-09', open: false, freeMinutes: 0, workTypes: [] });
    // the vendor got Dutch work-type codes, in 5 + 1 + 1 posts, with the publisher's token for 121212 and the reader's
    expect(sb.posts().map((p) => p.dates.length)).toEqual([5, 1, 1]);
    expect(sb.storedDays('121212')[0]!.capacity.map((c) => c.workType)).toEqual(['APK', 'ONDERHOUD']);
    expect(sb.stats()).toMatchObject({ tokenRequests: 2, byPath: { [`POST ${CAP}`]: 3, [`GET ${CAP}`]: 1 } });
  });

  it('is idempotent on retry: the same publish again leaves the same calendar', async () => {
    const days = week('2030-07-01');
    const first = await gql(url, PUBLISH, { id: '121212', days, from: '2030-07-01', to: '2030-07-07' }, callerHeaders());
    const stored = sb.storedDays('121212');
    const again = await gql(url, PUBLISH, { id: '121212', days, from: '2030-07-01', to: '2030-07-07' }, callerHeaders());
    expect(again.errors).toBeUndefined();
    expect(again.data).toEqual(first.data);
    expect(sb.storedDays('121212')).toEqual(stored);
    expect(stored).toHaveLength(7);
  });

  it('refuses bad input with BAD_USER_INPUT before any call', async () => {
    const day = (date: string, w: Record<string, unknown> = {}, hours = [{ open: '08:00', close: '17:00' }]) => ({
      date,
      openingHours: hours,
      workTypes: [{ workType: 'APK', availableMinutes: 120, bookedMinutes: 0, ...w }],
    });
    const cases: [string, unknown[], string][] = [
      ['121212', [day('2030-06-03'), day('2030-06-03')], 'appears twice'],
      ['121212', [day('2030-06-03', { bookedMinutes: -30 })], 'days[0].workTypes[0].bookedMinutes'],
      ['121212', [day('2030-06-03', { availableMinutes: -1 })], 'days[0].workTypes[0].availableMinutes'],
      ['121212', [day('2030-06-03', { bookedMinutes: 150 })], 'exceed'],
      ['121212', [day('2030-06-03', {}, [{ open: '08:00', close: '12:00' }, { open: '11:00', close: '16:00' }])], 'overlaps'],
      ['121212', [day('2030-06-03', {}, [{ open: '17:00', close: '08:00' }])], 'closes at'],
      ['121212', [day('2030-02-30')], 'date'],
      ['121212', [], 'empty'],
      ['12 12', [day('2030-06-03')], 'not a workshop id'],
    ];
    for (const [id, days, says] of cases) {
      const res = await gql(url, PUBLISH, { id, days, from: '2030-06-03', to: '2030-06-03' }, callerHeaders());
      expect(res.errors?.[0]?.extensions?.code, JSON.stringify(days)).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message).toContain(says);
    }
    expect(sb.stats()).toMatchObject({ tokenRequests: 0, dataRequests: 0 });
  });

  it('an unknown workshop is NOT_FOUND', async () => {
    const res = await gql(url, PUBLISH, { id: '999999', days: week('2030-06-03'), from: '2030-06-03', to: '2030-06-03' }, callerHeaders());
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', userid: '999999' });
    expect(res.errors?.[0]?.extensions).not.toHaveProperty('vendor');
  });
});

describe('reading capacity', () => {
  it('reads 20 workshops with one reader token and one call', async () => {
    // a process of its own, so no reader token is cached yet
    const { url } = await subgraphWith();
    const ids = seededUsers.slice(0, 20);
    const res = await gql(url, CAPACITY, { ids, from: '2030-03-04', to: '2030-03-10' });
    expect(res.errors).toBeUndefined();
    expect(res.data!.workshops).toHaveLength(20);
    const first = res.data!.workshops[0];
    const seeded = seededDay(ids[0]!, '2030-03-04');
    expect(first.capacity).toHaveLength(7);
    expect(first.capacity[0].workTypes.map((w: { bookedMinutes: number }) => w.bookedMinutes)).toEqual(seeded.capacity.map((c) => c.bookedMinutes));
    expect(sb.stats()).toMatchObject({ tokenRequests: 1, dataRequests: 1, byPath: { [`GET ${CAP}`]: 1 } });
    // the reader token is cached: the next query costs one call and no token
    await gql(url, CAPACITY, { ids, from: '2030-03-11', to: '2030-03-17' });
    expect(sb.stats()).toMatchObject({ tokenRequests: 1, dataRequests: 2 });
  });

  it('fails an unknown or invalid workshop alone, and resolves Workshop entities by id', async () => {
    const res = await gql(url, CAPACITY, { ids: ['6060001', '424242', 'no way', '6060002'], from: '2030-03-04', to: '2030-03-05' });
    expect(res.data!.workshops.map((w: { id: string } | null) => w?.id ?? null)).toEqual(['6060001', null, null, '6060002']);
    expect(res.errors!.map((e) => [e.path, e.extensions?.code])).toEqual(
      expect.arrayContaining([
        [['workshops', 1, 'capacity'], 'NOT_FOUND'],
        [['workshops', 2], 'BAD_USER_INPUT'],
      ]),
    );
    expect(sb.stats().dataRequests).toBe(1);
    const ent = await gql(url, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Workshop { id capacity(from: "2030-03-04", to: "2030-03-04") { date } } } }`, {
      r: [{ __typename: 'Workshop', id: '6060003' }],
    });
    expect(ent.data!._entities).toEqual([{ id: '6060003', capacity: [{ date: '2030-03-04' }] }]);
  });

  it('refuses a bad range with BAD_USER_INPUT', async () => {
    for (const [from, to] of [['2030-03-10', '2030-03-04'], ['2030-01-01', '2030-06-01']]) {
      const res = await gql(url, CAPACITY, { ids: ['6060001'], from, to });
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    expect(sb.stats().dataRequests).toBe(0);
  });
});

describe('credentials on the wrong side', () => {
  it('a reader client configured as publisher is refused by CustomerConnect: UPSTREAM_FORBIDDEN', async () => {
    const wrong = await subgraphWith({ publisher: { clientId: 'Garagevergelijker', clientSecret: 'sandbox-reader-secret' } });
    const res = await gql(wrong.url, PUBLISH, { id: '121212', days: week('2030-06-03'), from: '2030-06-03', to: '2030-06-03' }, callerHeaders());
    // the code says what happened; the vendor, its status and its words are in the log only
    expect(res.errors?.[0]?.extensions).toEqual({ code: 'UPSTREAM_FORBIDDEN', requestId: expect.any(String) });
    expect(sb.posts()).toEqual([]);
  });
});
