import { LRUCache } from 'lru-cache';
import type { CachedToken, TokenCache } from './token-cache';

/**
 * The embedded default: one process, so the in-process merge in TokenProvider already prevents stampedes.
 * Bounded: at most `maxEntries` tokens (and locks), the least recently used going first.
 */
export function createMemoryTokenCache(now: () => number = Date.now, maxEntries = 10_000): TokenCache {
  const tokens = new LRUCache<string, CachedToken>({ max: maxEntries });
  const locks = new LRUCache<string, number>({ max: maxEntries });
  return {
    kind: 'memory',
    async get(key) {
      const t = tokens.get(key);
      if (t && t.expiresAt > now()) return t;
      tokens.delete(key);
      return undefined;
    },
    async set(key, token) {
      tokens.set(key, token);
    },
    async deleteIf(key, accessToken) {
      if (tokens.get(key)?.accessToken === accessToken) tokens.delete(key);
    },
    async tryLock(key, ttlMs) {
      const held = locks.get(key);
      if (held && held > now()) return undefined;
      const until = now() + ttlMs;
      locks.set(key, until);
      return async () => {
        if (locks.get(key) === until) locks.delete(key);
      };
    },
  };
}
