import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from './logger';
import { createRateLimiter } from './rate-limit';
import { closeRedis, connectRedis, type RedisClient } from './redis';
import { redisUrlForTests } from '../test/support/services';

describe('rate limiter in memory', () => {
  it('allows `limit` hits per key and window, says when to retry, and starts over in the next window', async () => {
    const rl = createRateLimiter({ prefix: 't', windowMs: 300, maxKeys: 100, log: silentLogger });
    const hits = [];
    for (let i = 0; i < 4; i++) hits.push(await rl.hit('a', 3));
    expect(hits.map((h) => h.allowed)).toEqual([true, true, true, false]);
    expect(hits[3]).toMatchObject({ hits: 4, limit: 3, retryAfterS: 1 });
    expect((await rl.hit('b', 3)).allowed).toBe(true); // another caller has its own count
    await new Promise((r) => setTimeout(r, 350));
    expect((await rl.hit('a', 3)).allowed).toBe(true);
  });

  it('tracks at most maxKeys callers, dropping the oldest window first', async () => {
    const rl = createRateLimiter({ prefix: 't', windowMs: 60_000, maxKeys: 2, log: silentLogger });
    await rl.hit('a', 1);
    expect((await rl.hit('a', 1)).allowed).toBe(false);
    await rl.hit('b', 1);
    await rl.hit('c', 1); // 'a' is dropped: memory stays bounded, at the price of forgetting the oldest
    expect((await rl.hit('a', 1)).allowed).toBe(true);
  });
});

const redisUrl = redisUrlForTests();
describe.skipIf(!redisUrl)('rate limiter in Redis', () => {
  const clients: RedisClient[] = [];
  afterAll(async () => {
    for (const c of clients) await closeRedis(c);
  });

  it('two limiters (two instances) share one count per key', async () => {
    const prefix = `test:rate:${randomUUID()}`;
    const [r1, r2] = [await connectRedis(redisUrl!, silentLogger), await connectRedis(redisUrl!, silentLogger)];
    clients.push(r1, r2);
    const a = createRateLimiter({ redis: r1, prefix, windowMs: 5_000, maxKeys: 10, log: silentLogger });
    const b = createRateLimiter({ redis: r2, prefix, windowMs: 5_000, maxKeys: 10, log: silentLogger });
    const out = [await a.hit('k', 3), await b.hit('k', 3), await a.hit('k', 3), await b.hit('k', 3)];
    expect(out.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(out[3]!.retryAfterS).toBeGreaterThanOrEqual(1);
    expect(out[3]!.retryAfterS).toBeLessThanOrEqual(5);
    expect(Number(await r1.pTTL(`${prefix}:k`))).toBeGreaterThan(0); // every window expires
  });

  it('falls back to memory when Redis goes away, still limiting', async () => {
    const r = await connectRedis(redisUrl!, silentLogger);
    const rl = createRateLimiter({ redis: r, prefix: `test:rate:${randomUUID()}`, windowMs: 5_000, maxKeys: 10, log: silentLogger });
    await r.close();
    const out = [await rl.hit('k', 1), await rl.hit('k', 1)];
    expect(out.map((d) => d.allowed)).toEqual([true, false]);
  });
});
