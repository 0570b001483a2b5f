import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../logger';
import { tokenMetrics } from '../metrics';
import { connectRedis, closeRedis, type RedisClient } from '../redis';
import { withMemoryFallback } from './fallback-token-cache';
import { createMemoryTokenCache } from './memory-token-cache';
import { createRedisTokenCache } from './redis-token-cache';
import type { TokenCache } from './token-cache';
import { TokenRejectedError, createTokenProvider, tokenCacheKey, type FetchedToken, type TokenKey } from './token-provider';
import { redisUrlForTests } from '../../test/support/services';

const key = (user: string = randomUUID()): TokenKey => ({ vendor: 'test', endpoint: 'http://vendor.test/token', client: 'c1', user });

/** A token endpoint that counts its calls and hands out numbered tokens after `delayMs`. */
function countingFetch(expiresIn = 7200, delayMs = 20) {
  let calls = 0;
  const fetch = async (): Promise<FetchedToken> => {
    calls++;
    const n = calls;
    await new Promise((r) => setTimeout(r, delayMs));
    return { accessToken: `token-${n}`, expiresIn };
  };
  return { fetch, calls: () => calls };
}

/** This process's token counters for the test vendor, as /metrics reports them. */
async function counters() {
  const read = async (c: (typeof tokenMetrics)[keyof typeof tokenMetrics]) => (await c.get()).values.find((v) => v.labels.vendor === 'test')?.value ?? 0;
  return { hits: await read(tokenMetrics.hits), misses: await read(tokenMetrics.misses), coalesced: await read(tokenMetrics.coalesced), fetches: await read(tokenMetrics.fetches), lockWaits: await read(tokenMetrics.lockWaits) };
}
const delta = async (before: Awaited<ReturnType<typeof counters>>) => {
  const now = await counters();
  return Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v - before[k as keyof typeof before]])) as typeof before;
};

const provider = (cache: TokenCache, now?: () => number) =>
  createTokenProvider({ cache, log: silentLogger, expiryMarginS: 60, lockTtlMs: 5_000, lockWaitMs: 5_000, now });

describe('token provider (memory cache)', () => {
  it('merges 200 concurrent misses into one fetch', async () => {
    const p = provider(createMemoryTokenCache());
    const f = countingFetch();
    const k = key();
    const before = await counters();
    const tokens = await Promise.all(Array.from({ length: 200 }, () => p.getToken(k, f.fetch)));
    expect(f.calls()).toBe(1);
    expect(new Set(tokens)).toEqual(new Set(['token-1']));
    // on /metrics: one miss that fetched, 199 callers that joined it
    expect(await delta(before)).toEqual({ hits: 0, misses: 1, coalesced: 199, fetches: 1, lockWaits: 0 });
    const cached = await counters();
    await p.getToken(k, f.fetch);
    expect(await delta(cached)).toEqual({ hits: 1, misses: 0, coalesced: 0, fetches: 0, lockWaits: 0 });
  });

  it('keeps a token for expires_in minus the margin, then fetches a new one', async () => {
    let clock = 1_000_000;
    const now = () => clock;
    const p = provider(createMemoryTokenCache(now), now);
    const f = countingFetch(7200);
    const k = key();
    expect(await p.getToken(k, f.fetch)).toBe('token-1');
    clock += (7200 - 60) * 1000 - 1;
    expect(await p.getToken(k, f.fetch)).toBe('token-1');
    clock += 2;
    expect(await p.getToken(k, f.fetch)).toBe('token-2');
    expect(f.calls()).toBe(2);
  });

  it('halves a lifetime shorter than twice the margin instead of caching nothing', async () => {
    let clock = 0;
    const now = () => clock;
    const p = provider(createMemoryTokenCache(now), now);
    const f = countingFetch(100);
    const k = key();
    await p.getToken(k, f.fetch);
    clock += 49_000;
    await p.getToken(k, f.fetch);
    expect(f.calls()).toBe(1);
    clock += 2_000;
    await p.getToken(k, f.fetch);
    expect(f.calls()).toBe(2);
  });

  it('keeps credentials apart: another user gets its own token', async () => {
    const p = provider(createMemoryTokenCache());
    const f = countingFetch();
    const [a, b] = await Promise.all([p.getToken(key('alice'), f.fetch), p.getToken(key('bob'), f.fetch)]);
    expect(a).not.toBe(b);
    expect(f.calls()).toBe(2);
  });

  it('on a 401 drops the token and retries the call once with a fresh one', async () => {
    const p = provider(createMemoryTokenCache());
    const f = countingFetch();
    const k = key();
    await p.getToken(k, f.fetch);
    const seen: string[] = [];
    const result = await p.withToken(k, f.fetch, async (token) => {
      seen.push(token);
      if (token === 'token-1') throw new TokenRejectedError('test', 'expired');
      return 'data';
    });
    expect(result).toBe('data');
    expect(seen).toEqual(['token-1', 'token-2']);
    expect(f.calls()).toBe(2);
  });

  it('gives up after one retry with UPSTREAM_UNAUTHENTICATED', async () => {
    const p = provider(createMemoryTokenCache());
    const f = countingFetch();
    let attempts = 0;
    await expect(
      p.withToken(key(), f.fetch, async () => {
        attempts++;
        throw new TokenRejectedError('test', 'revoked');
      }),
    ).rejects.toMatchObject({ code: 'UPSTREAM_UNAUTHENTICATED' });
    expect(attempts).toBe(2);
  });

  it('100 concurrent calls rejected with the same stale token refetch it once', async () => {
    const p = provider(createMemoryTokenCache());
    const f = countingFetch();
    const k = key();
    await p.getToken(k, f.fetch);
    await Promise.all(
      Array.from({ length: 100 }, () =>
        p.withToken(k, f.fetch, async (token) => {
          if (token === 'token-1') throw new TokenRejectedError('test');
          return token;
        }),
      ),
    );
    expect(f.calls()).toBe(2);
  });

  it('a failed fetch reaches every waiter and the next call tries again', async () => {
    const p = provider(createMemoryTokenCache());
    let calls = 0;
    const failing = async (): Promise<FetchedToken> => {
      calls++;
      await new Promise((r) => setTimeout(r, 10));
      if (calls === 1) throw new Error('token endpoint down');
      return { accessToken: 'ok', expiresIn: 3600 };
    };
    const k = key();
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => p.getToken(k, failing)));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(calls).toBe(1);
    expect(await p.getToken(k, failing)).toBe('ok');
  });
});

const redisUrl = redisUrlForTests();

describe.runIf(redisUrl)('token provider (Redis cache)', () => {
  let redis: RedisClient;
  beforeAll(async () => {
    redis = await connectRedis(redisUrl!, silentLogger);
  });
  afterAll(() => closeRedis(redis));

  it('stores the token with a Redis TTL equal to its lifetime', async () => {
    const cache = createRedisTokenCache(redis);
    const p = provider(cache);
    const k = key();
    await p.getToken(k, countingFetch(7200).fetch);
    const ttls = await Promise.all((await redis.keys(`switchboard:token:*${k.user}*`)).map((x) => redis.pTTL(x)));
    expect(ttls).toHaveLength(1);
    expect(ttls[0]).toBeGreaterThan((7200 - 60) * 1000 - 5_000);
    expect(ttls[0]).toBeLessThanOrEqual((7200 - 60) * 1000);
  });

  it('never stores the secret in the key', async () => {
    const k = key();
    await provider(createRedisTokenCache(redis)).getToken(k, countingFetch().fetch);
    const keys = await redis.keys(`switchboard:token:*${k.user}*`);
    expect(keys[0]).toContain('test');
    expect(keys[0]).not.toMatch(/secret|password/i);
  });

  it('four providers (as four processes would) sharing Redis fetch once for 200 concurrent misses', async () => {
    const f = countingFetch(7200, 50);
    const providers = Array.from({ length: 4 }, () => provider(createRedisTokenCache(redis)));
    const k = key();
    const before = await counters();
    const tokens = await Promise.all(Array.from({ length: 200 }, (_, i) => providers[i % 4]!.getToken(k, f.fetch)));
    expect(f.calls()).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    // each provider's first caller read the cache (miss, or a hit when it came after the store), the other 49
    // joined it; a provider that missed while another held the lock waited
    const d = await delta(before);
    expect(d.fetches).toBe(1);
    expect(d.coalesced).toBe(196);
    expect(d.hits + d.misses).toBe(4);
    expect(d.lockWaits).toBeLessThanOrEqual(d.misses - 1);
  });

  it('a provider that finds the fetch lock held waits for the token another process stores (a lock wait on /metrics)', async () => {
    const other = createRedisTokenCache(redis);
    const k = key();
    const release = await other.tryLock(tokenCacheKey(k), 5_000);
    expect(release).toBeTruthy();
    const before = await counters();
    const f = countingFetch();
    const waiting = provider(createRedisTokenCache(redis)).getToken(k, f.fetch);
    await new Promise((r) => setTimeout(r, 100));
    await other.set(tokenCacheKey(k), { accessToken: 'from-the-other-process', expiresAt: Date.now() + 60_000 });
    await release!();
    expect(await waiting).toBe('from-the-other-process');
    expect(f.calls()).toBe(0);
    expect(await delta(before)).toEqual({ hits: 0, misses: 1, coalesced: 0, fetches: 0, lockWaits: 1 });
  });

  it('a rejected token is deleted only while it is still the cached one', async () => {
    const cache = createRedisTokenCache(redis);
    const k = 'cas-' + randomUUID();
    await cache.set(k, { accessToken: 'new', expiresAt: Date.now() + 60_000 });
    await cache.deleteIf(k, 'old');
    expect((await cache.get(k))?.accessToken).toBe('new');
    await cache.deleteIf(k, 'new');
    expect(await cache.get(k)).toBeUndefined();
  });

  it('the lock is exclusive and released only by its holder', async () => {
    const cache = createRedisTokenCache(redis);
    const k = 'lock-' + randomUUID();
    const release = await cache.tryLock(k, 5_000);
    expect(release).toBeDefined();
    expect(await cache.tryLock(k, 5_000)).toBeUndefined();
    await release!();
    expect(await cache.tryLock(k, 5_000)).toBeDefined();
  });
});

describe('token provider when Redis is down', () => {
  it('keeps serving from memory and fetches once per process', async () => {
    const logs: string[] = [];
    const log = { ...silentLogger, warn: (m: string) => logs.push(m), info: () => undefined };
    // A Redis client pointed at a closed port: every command fails at once (no offline queue).
    const down = await connectRedis('redis://127.0.0.1:1', silentLogger, 'redis-down');
    try {
      const cache = withMemoryFallback(createRedisTokenCache(down), createMemoryTokenCache(), log);
      const p = createTokenProvider({ cache, log, expiryMarginS: 60, lockTtlMs: 1_000, lockWaitMs: 1_000 });
      const f = countingFetch();
      const k = key();
      const tokens = await Promise.all(Array.from({ length: 50 }, () => p.getToken(k, f.fetch)));
      expect(new Set(tokens)).toEqual(new Set(['token-1']));
      expect(await p.getToken(k, f.fetch)).toBe('token-1');
      expect(f.calls()).toBe(1);
      expect(logs.some((l) => l.includes('Redis failed'))).toBe(true);
    } finally {
      await closeRedis(down);
    }
  });
});
