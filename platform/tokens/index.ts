import type { Config } from '../config';
import type { Logger } from '../logger';
import type { RedisClient } from '../redis';
import { withMemoryFallback } from './fallback-token-cache';
import { createMemoryTokenCache } from './memory-token-cache';
import { createRedisTokenCache } from './redis-token-cache';
import { createTokenProvider, type TokenProvider } from './token-provider';

export * from './token-cache';
export * from './token-provider';
export { createMemoryTokenCache, createRedisTokenCache, withMemoryFallback };

/** The token provider every vendor client of a process shares: Redis-backed when Redis is configured. */
export function tokenProviderFromConfig(config: Config, log: Logger, redis?: RedisClient): TokenProvider {
  const memory = createMemoryTokenCache(Date.now, config.CACHE_MAX_ENTRIES);
  const cache = redis ? withMemoryFallback(createRedisTokenCache(redis, Date.now, config.TOKEN_CACHE_PREFIX), memory, log) : memory;
  return createTokenProvider({
    cache,
    log,
    expiryMarginS: config.TOKEN_EXPIRY_MARGIN_S,
    lockTtlMs: config.TOKEN_LOCK_TTL_MS,
    lockWaitMs: config.TOKEN_LOCK_WAIT_MS,
  });
}
