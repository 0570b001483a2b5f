import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError, ErrorCode, VendorError } from '../../platform/errors';
import { silentLogger } from '../../platform/logger';
import { closeRedis, connectRedis, type RedisClient } from '../../platform/redis';
import { createMemoryTokenCache, createRedisTokenCache, withMemoryFallback } from '../../platform/tokens';
import { dateRange } from './dates';
import { startCustomerConnectSandbox, type RunningCustomerConnectSandbox } from './sandbox/server';
import { customerConnectClientFor } from '../../test/support/customerconnect';
import type { CcCapacityDay } from './types';
import { redisUrlForTests } from '../../test/support/services';

let sb: RunningCustomerConnectSandbox;
const CAP = '/ccplatform/api/v1/capacity';
const day = (date: string, booked = 30): CcCapacityDay => ({
  date,
  openingHours: [{ open: '08:00', close: '12:30' }, { open: '13:00', close: '17:30' }],
  capacity: [{ workType: 'APK', availableMinutes: 240, bookedMinutes: booked }, { workType: 'ONDERHOUD', mechanic: 'JAN', availableMinutes: 480, bookedMinutes: 0 }],
});
const clients: { close(): Promise<void> }[] = [];
const make = (...args: Parameters<typeof customerConnectClientFor>) => {
  const c = customerConnectClientFor(...args);
  clients.push(c);
  return c;
};
const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as AppError);

beforeAll(async () => {
  sb = await startCustomerConnectSandbox({ seedFrom: '2030-03-04' });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sb.close();
});
beforeEach(() => fetch(`${sb.url}/__sandbox/reset`, { method: 'POST' }));

describe('tokens', () => {
  it('keeps one token per userid, each fetched once under concurrency', async () => {
    const { client } = make(sb.url);
    const users = ['121212', '6060001', '6060002'];
    await Promise.all(users.flatMap((u, i) => Array.from({ length: 8 }, (_, k) => client.postCapacity(u, [day(`2030-04-${String(1 + k).padStart(2, '0')}`, i * 30)]))));
    expect(sb.stats().tokenRequests).toBe(3);
    expect(sb.stats().byPath[`POST ${CAP}`]).toBe(24);
    // each user's data landed on that user: the tokens are not shared between userids
    for (const [i, u] of users.entries()) {
      expect(sb.storedDays(u).filter((d) => d.date.startsWith('2030-04')).map((d) => d.capacity[0]!.bookedMinutes)).toEqual(Array(8).fill(i * 30));
    }
    // the reader token is separate again, and fetched once for concurrent reads
    await Promise.all(Array.from({ length: 5 }, () => client.readCapacity(users, '2030-04-01', '2030-04-08')));
    expect(sb.stats().tokenRequests).toBe(4);
  });

  it('drops a token the platform no longer accepts and retries once', async () => {
    const { client } = make(sb.url);
    await client.postCapacity('121212', [day('2030-04-01')]);
    await fetch(`${sb.url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ expireTokens: true }) });
    await client.postCapacity('121212', [day('2030-04-02')]);
    expect(sb.stats()).toMatchObject({ tokenRequests: 2, byPath: { [`POST ${CAP}`]: 3 } });
  });
});

const redisUrl = redisUrlForTests();

describe.runIf(redisUrl)('tokens shared through Redis (REDIS_URL)', () => {
  let redis: RedisClient;
  let rsb: RunningCustomerConnectSandbox;
  // a client id of its own, so keys never meet another test's or an earlier run's
  const publisher = { clientId: `Autoflex-${randomUUID()}`, clientSecret: 'geheim' };
  const reader = { clientId: `Reader-${randomUUID()}`, clientSecret: 'r' };
  beforeAll(async () => {
    redis = await connectRedis(redisUrl!, silentLogger);
    rsb = await startCustomerConnectSandbox({
      clients: [
        { clientId: publisher.clientId, secret: publisher.clientSecret, role: 'publisher' },
        { clientId: reader.clientId, secret: reader.clientSecret, role: 'reader' },
      ],
    });
  });
  afterAll(async () => {
    await rsb.close();
    await closeRedis(redis);
  });

  it('two processes fetch each userid token once between them', async () => {
    const cache = () => withMemoryFallback(createRedisTokenCache(redis), createMemoryTokenCache(), silentLogger);
    const a = make(rsb.url, { publisher, reader, cache: cache() });
    const b = make(rsb.url, { publisher, reader, cache: cache() });
    const users = ['121212', '6060003', '6060004', '6060005'];
    await Promise.all(
      users.flatMap((u) => [a, b].flatMap((p) => Array.from({ length: 5 }, (_, k) => p.client.postCapacity(u, [day(`2030-05-${String(10 + k)}`)])))),
    );
    await Promise.all([a, b].flatMap((p) => [p.client.readCapacity(users, '2030-05-10', '2030-05-14'), p.client.readCapacity(users, '2030-05-10', '2030-05-12')]));
    expect(rsb.stats().tokenRequests).toBe(users.length + 1);
    expect(rsb.stats().byPath[`POST ${CAP}`]).toBe(users.length * 10);
  });
});

describe('wrong client on the wrong side', () => {
  it('publisher credentials configured as the reader are refused by the token server with a coded error', async () => {
    const { client } = make(sb.url, { reader: { clientId: 'Autoflex', clientSecret: 'geheim' } });
    const err = await failure(client.readCapacity(['121212'], '2030-03-04', '2030-03-08'));
    // a publishing client must name a userid, so the token server says no before any read is made
    // (a publisher token presented to the read side is 403: sandbox/server.test.ts)
    expect(err).toBeInstanceOf(VendorError);
    expect(sb.stats()).toMatchObject({ tokenRequests: 1, dataRequests: 0 });
    expect(err?.code).toBe(ErrorCode.UPSTREAM_ERROR);
    expect(err?.message).toContain('invalid_request');
  });

  it('a reader token on the write side is refused with 403 and surfaces as UPSTREAM_FORBIDDEN', async () => {
    const { client } = make(sb.url, { publisher: { clientId: 'Garagevergelijker', clientSecret: 'sandbox-reader-secret' } });
    const err = await failure(client.postCapacity('121212', [day('2030-03-04')]));
    expect(err).toBeInstanceOf(VendorError);
    expect(err?.code).toBe(ErrorCode.UPSTREAM_FORBIDDEN);
    expect((err as VendorError).status).toBe(403);
    expect(err?.message).toContain('ccplatform.capacity.write');
    expect(sb.posts()).toEqual([]);
  });

  it('wrong credentials are UPSTREAM_UNAUTHENTICATED; an unknown workshop user is NOT_FOUND', async () => {
    const bad = make(sb.url, { publisher: { clientId: 'Autoflex', clientSecret: 'nope' } });
    expect((await failure(bad.client.postCapacity('121212', [day('2030-03-04')])))?.code).toBe(ErrorCode.UPSTREAM_UNAUTHENTICATED);
    const { client } = make(sb.url);
    const err = await failure(client.postCapacity('999999', [day('2030-03-04')]));
    expect(err?.code).toBe(ErrorCode.NOT_FOUND);
    expect(err?.details).toMatchObject({ userid: '999999' });
    expect(sb.stats().dataRequests).toBe(0);
  });
});

describe('publishing a range', () => {
  it('a 7-day publish is one five-day post and two one-day posts, stored as sent', async () => {
    const { client } = make(sb.url);
    const week = dateRange('2030-06-03', '2030-06-09').map((d, i) => day(d, i * 10));
    const result = await client.publishCapacity('121212', [...week].reverse());
    expect(result.posts.map((p) => p.length)).toEqual([5, 1, 1]);
    expect(sb.stats()).toMatchObject({ tokenRequests: 1, dataRequests: 3, byPath: { [`POST ${CAP}`]: 3 } });
    expect(sb.posts()).toEqual([
      { userid: '121212', clientId: 'Autoflex', dates: week.slice(0, 5).map((d) => d.date) },
      { userid: '121212', clientId: 'Autoflex', dates: ['2030-06-08'] },
      { userid: '121212', clientId: 'Autoflex', dates: ['2030-06-09'] },
    ]);
    expect(sb.storedDays('121212')).toEqual(week);
    const read = await client.readCapacity(['121212'], '2030-06-03', '2030-06-09');
    expect(read.users).toEqual([{ userid: '121212', days: week }]);
  });

  it('a malformed answer is UPSTREAM_BAD_RESPONSE', async () => {
    const { client } = make(sb.url);
    await fetch(`${sb.url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ malformedRate: 1 }) });
    expect((await failure(client.readCapacity(['121212'], '2030-03-04', '2030-03-04')))?.code).toBe(ErrorCode.UPSTREAM_BAD_RESPONSE);
  });
});
