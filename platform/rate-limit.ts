import type { Logger } from './logger';
import { count } from './metrics';
import type { RedisClient } from './redis';

export interface RateDecision {
  allowed: boolean;
  /** hits counted in the current window, this one included */
  hits: number;
  limit: number;
  /** seconds until the window ends (what `Retry-After` says) */
  retryAfterS: number;
}

export interface RateLimiter {
  /** Counts one hit for `key` and says whether it is within `limit` for the current window. */
  hit(key: string, limit: number): Promise<RateDecision>;
}

export interface RateLimiterOptions {
  /** Redis shared by every instance; without it (or while it is away) each instance counts in memory */
  redis?: RedisClient;
  /** key prefix in Redis, e.g. `switchboard:rate:gateway` */
  prefix: string;
  windowMs: number;
  /** most keys the memory limiter tracks; the oldest window is dropped first */
  maxKeys: number;
  log: Logger;
}

// INCR and set the expiry of a new window in one step, then say how long the window has left.
const HIT_SCRIPT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

/**
 * Fixed-window counters: in Redis when given (one count across every gateway instance), else in a bounded
 * in-process map. Fixed windows are simple and cheap (one round trip); a burst of twice the limit across a
 * window boundary is the accepted price. If Redis fails, the hit is counted in memory (logged once per
 * outage) so an outage neither blocks every caller nor lifts the limits.
 */
export function createRateLimiter(opts: RateLimiterOptions): RateLimiter {
  const windows = new Map<string, { hits: number; resetAt: number }>();
  let redisDown = false;

  function inMemory(key: string, limit: number): RateDecision {
    const now = Date.now();
    let w = windows.get(key);
    if (!w || w.resetAt <= now) {
      if (w) windows.delete(key);
      w = { hits: 0, resetAt: now + opts.windowMs };
      windows.set(key, w);
      // Map keeps insertion order: the first entries are the oldest windows.
      while (windows.size > opts.maxKeys) windows.delete(windows.keys().next().value!);
    }
    w.hits++;
    return { allowed: w.hits <= limit, hits: w.hits, limit, retryAfterS: Math.max(1, Math.ceil((w.resetAt - now) / 1000)) };
  }

  async function inRedis(redis: RedisClient, key: string, limit: number): Promise<RateDecision> {
    const [hits, ttl] = (await redis.eval(HIT_SCRIPT, { keys: [`${opts.prefix}:${key}`], arguments: [String(opts.windowMs)] })) as [number, number];
    if (redisDown) opts.log.info('rate limiter back on Redis');
    redisDown = false;
    return { allowed: hits <= limit, hits, limit, retryAfterS: Math.max(1, Math.ceil(ttl / 1000)) };
  }

  return {
    async hit(key, limit) {
      let decision: RateDecision;
      if (opts.redis?.isReady) {
        try {
          decision = await inRedis(opts.redis, key, limit);
        } catch (err) {
          if (!redisDown) opts.log.warn('rate limiter cannot use Redis; counting in memory', { err: (err as Error).message });
          redisDown = true;
          decision = inMemory(key, limit);
        }
      } else decision = inMemory(key, limit);
      if (!decision.allowed) count(`ratelimit.${opts.prefix.split(':').at(-1)}.refused`);
      return decision;
    },
  };
}
