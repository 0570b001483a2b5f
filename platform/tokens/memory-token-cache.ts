import type { CachedToken, TokenCache } from './token-cache';

/** The embedded default: one process, so the in-process merge in TokenProvider already prevents stampedes. */
export function createMemoryTokenCache(now: () => number = Date.now): TokenCache {
  const tokens = new Map<string, CachedToken>();
  const locks = new Map<string, number>();
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
