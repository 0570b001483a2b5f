import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../redis';
import type { CachedToken, TokenCache } from './token-cache';

const DEFAULT_PREFIX = 'switchboard:token:';

// Compare-and-delete in one step, so a holder never deletes a lock or token that has since changed hands.
const DELETE_IF_EQUALS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
const DELETE_IF_TOKEN = `local v = redis.call('GET', KEYS[1]) if v and cjson.decode(v).accessToken == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * Tokens shared by every process that talks to the same Redis under the same `prefix` (TOKEN_CACHE_PREFIX).
 * Entries expire in Redis itself (PX) at the token's own `expiresAt`, so a stale token cannot outlive its
 * lifetime even if no process cleans up. Fetch locks live beside them (`switchboard:token-lock:` for the default).
 */
export function createRedisTokenCache(redis: RedisClient, now: () => number = Date.now, prefix = DEFAULT_PREFIX): TokenCache {
  const PREFIX = prefix;
  const LOCK_PREFIX = `${prefix.replace(/:$/, '')}-lock:`;
  return {
    kind: 'redis',
    async get(key) {
      const raw = await redis.get(PREFIX + key);
      if (!raw) return undefined;
      const t = JSON.parse(raw) as CachedToken;
      return t.expiresAt > now() ? t : undefined;
    },
    async set(key, token) {
      const ttl = token.expiresAt - now();
      if (ttl <= 0) return;
      await redis.set(PREFIX + key, JSON.stringify(token), { expiration: { type: 'PX', value: ttl } });
    },
    async deleteIf(key, accessToken) {
      await redis.eval(DELETE_IF_TOKEN, { keys: [PREFIX + key], arguments: [accessToken] });
    },
    async tryLock(key, ttlMs) {
      const owner = randomUUID();
      const ok = await redis.set(LOCK_PREFIX + key, owner, { expiration: { type: 'PX', value: ttlMs }, condition: 'NX' });
      if (ok !== 'OK') return undefined;
      return async () => {
        await redis.eval(DELETE_IF_EQUALS, { keys: [LOCK_PREFIX + key], arguments: [owner] });
      };
    },
  };
}
