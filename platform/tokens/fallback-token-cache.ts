import type { Logger } from '../logger';
import type { TokenCache } from './token-cache';

/**
 * Redis first; when a Redis call fails, the memory cache answers instead and the failure is logged once
 * per outage. Without Redis we lose only the cross-process sharing (each process fetches its own token),
 * never the ability to serve.
 */
export function withMemoryFallback(primary: TokenCache, fallback: TokenCache, log: Logger): TokenCache {
  let degraded = false;
  const attempt = async <T>(op: string, run: (c: TokenCache) => Promise<T>): Promise<T> => {
    try {
      const result = await run(primary);
      if (degraded) log.info('token cache: Redis is back');
      degraded = false;
      return result;
    } catch (err) {
      if (!degraded) log.warn('token cache: Redis failed, using the in-process cache', { op, err: (err as Error).message });
      degraded = true;
      return run(fallback);
    }
  };
  return {
    kind: primary.kind,
    get: (key) => attempt('get', (c) => c.get(key)),
    async set(key, token) {
      // Written to both so that a Redis outage right after a fetch does not cost another fetch.
      await fallback.set(key, token);
      await attempt('set', (c) => (c === fallback ? Promise.resolve() : c.set(key, token)));
    },
    async deleteIf(key, accessToken) {
      await fallback.deleteIf(key, accessToken);
      await attempt('deleteIf', (c) => (c === fallback ? Promise.resolve() : c.deleteIf(key, accessToken)));
    },
    tryLock: (key, ttl) => attempt('tryLock', (c) => c.tryLock(key, ttl)),
  };
}
