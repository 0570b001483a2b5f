import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from './logger';
import { createMemoryPubSub, createRedisPubSub, type PubSub } from './pubsub';
import { closeRedis, connectRedis, type RedisClient } from './redis';
import { startPrivateRedis } from '../test/support/redis-server';
import { redisUrlForTests } from '../test/support/services';

const waitFor = async (cond: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('memory pub/sub', () => {
  it('delivers to every listener of a channel once and stops after unsubscribe', async () => {
    const ps = createMemoryPubSub();
    const a: string[] = [];
    const b: string[] = [];
    const offA = await ps.subscribe('c', (m) => a.push(m));
    await ps.subscribe('c', (m) => b.push(m));
    await ps.subscribe('other', () => a.push('wrong channel'));
    await ps.publish('c', '1');
    await offA();
    await ps.publish('c', '2');
    expect(a).toEqual(['1']);
    expect(b).toEqual(['1', '2']);
    await ps.close();
  });
});

const redisUrl = redisUrlForTests();
describe.runIf(redisUrl)('Redis pub/sub (REDIS_URL)', () => {
  const clients: RedisClient[] = [];
  const buses: PubSub[] = [];
  const instance = async () => {
    const c = await connectRedis(redisUrl!, silentLogger);
    clients.push(c);
    const ps = createRedisPubSub(c, silentLogger);
    buses.push(ps);
    return ps;
  };
  afterAll(async () => {
    for (const b of buses) await b.close();
    for (const c of clients) await closeRedis(c);
  });

  it('two instances: every listener on either receives each message exactly once, in order', async () => {
    const channel = `test:pubsub:${randomUUID()}`;
    const one = await instance();
    const two = await instance();
    const got: Record<string, string[]> = { a: [], b: [], c: [] };
    await one.subscribe(channel, (m) => got.a!.push(m));
    await one.subscribe(channel, (m) => got.b!.push(m));
    await two.subscribe(channel, (m) => got.c!.push(m));
    for (let i = 0; i < 20; i++) await (i % 2 ? one : two).publish(channel, String(i));
    const expected = Array.from({ length: 20 }, (_, i) => String(i));
    await waitFor(() => got.a!.length === 20 && got.b!.length === 20 && got.c!.length === 20);
    await new Promise((r) => setTimeout(r, 100)); // nothing extra arrives late
    expect(got).toEqual({ a: expected, b: expected, c: expected });
  });

  it('a second subscriber of a channel is live once its own subscribe resolves', async () => {
    const channel = `test:pubsub:${randomUUID()}`;
    const ps = await instance();
    const pub = await instance();
    const got: string[] = [];
    void ps.subscribe(channel, (m) => got.push(`first:${m}`));
    await ps.subscribe(channel, (m) => got.push(`second:${m}`)); // not awaiting the first one's
    await pub.publish(channel, 'now');
    await waitFor(() => got.length === 2);
    expect(got.sort()).toEqual(['first:now', 'second:now']);
  });

  it('unsubscribing the last local listener stops delivery; channels are independent', async () => {
    const ch1 = `test:pubsub:${randomUUID()}`;
    const ch2 = `test:pubsub:${randomUUID()}`;
    const ps = await instance();
    const pub = await instance();
    const got: string[] = [];
    const off = await ps.subscribe(ch1, (m) => got.push(`1:${m}`));
    await ps.subscribe(ch2, (m) => got.push(`2:${m}`));
    await pub.publish(ch1, 'x');
    await pub.publish(ch2, 'y');
    await waitFor(() => got.length === 2);
    await off();
    await pub.publish(ch1, 'lost');
    await pub.publish(ch2, 'z');
    await waitFor(() => got.length === 3);
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual(['1:x', '2:y', '2:z']);
  });
});

describe('Redis pub/sub across a Redis outage (private redis-server)', () => {
  it('reports the outage and the return; channels subscribed before and during it receive again after', async () => {
    const redis = await startPrivateRedis();
    const sub = await connectRedis(redis.url, silentLogger);
    const pub = await connectRedis(redis.url, silentLogger);
    const ps = createRedisPubSub(sub, silentLogger, { subscribeWaitMs: 200 });
    const publisher = createRedisPubSub(pub, silentLogger);
    try {
      const statuses: boolean[] = [];
      ps.onStatus((live) => statuses.push(live));
      const got: string[] = [];
      await ps.subscribe('before', (m) => got.push(`before:${m}`));
      await redis.kill();
      await waitFor(() => !ps.live, 5_000);
      const t0 = Date.now();
      await ps.subscribe('during', (m) => got.push(`during:${m}`)); // neither fails nor hangs
      expect(Date.now() - t0).toBeLessThan(1_000);
      await redis.start();
      await waitFor(() => ps.live, 15_000);
      expect(statuses).toEqual([false, true]);
      await waitFor(() => pub.isReady, 15_000);
      await publisher.publish('before', '1');
      await publisher.publish('during', '2');
      await waitFor(() => got.length === 2);
      expect(got.sort()).toEqual(['before:1', 'during:2']);
    } finally {
      await ps.close();
      await publisher.close();
      await closeRedis(sub);
      await closeRedis(pub);
      await redis.kill();
    }
  }, 40_000);
});
