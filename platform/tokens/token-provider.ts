import { detachedFromCaller } from '../call-scope';
import { ErrorCode, VendorError } from '../errors';
import type { Logger } from '../logger';
import { tokenMetrics } from '../metrics';
import type { CachedToken, TokenCache } from './token-cache';

/** Identifies one credential. The secret is deliberately not part of it: keys show up in Redis. */
export interface TokenKey {
  vendor: string;
  /** token endpoint URL */
  endpoint: string;
  client: string;
  /** the user the token acts for (password grant user, CustomerConnect userid, …); '' when none */
  user?: string;
}

export interface FetchedToken {
  accessToken: string;
  /** seconds, as the vendor's `expires_in` */
  expiresIn: number;
}

/** Thrown by a data call when the vendor rejected the bearer token (HTTP 401). */
export class TokenRejectedError extends Error {
  constructor(readonly vendor: string, readonly detail = '') {
    super(`${vendor} rejected the access token${detail ? `: ${detail}` : ''}`);
    this.name = 'TokenRejectedError';
  }
}

export interface TokenProviderOptions {
  cache: TokenCache;
  log: Logger;
  /** the cached lifetime is `expires_in` minus this margin */
  expiryMarginS: number;
  lockTtlMs: number;
  lockWaitMs: number;
  now?: () => number;
}

export interface TokenProvider {
  /** A valid token for `key`, fetching it with `fetch` only when no process has one cached. */
  getToken(key: TokenKey, fetch: () => Promise<FetchedToken>): Promise<string>;
  /** Runs `call` with a token; on TokenRejectedError drops that token and retries once with a fresh one. */
  withToken<T>(key: TokenKey, fetch: () => Promise<FetchedToken>, call: (token: string) => Promise<T>): Promise<T>;
  invalidate(key: TokenKey, accessToken: string): Promise<void>;
}

export const tokenCacheKey = (k: TokenKey) => [k.vendor, k.endpoint, k.client, k.user ?? ''].map(encodeURIComponent).join(':');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createTokenProvider(opts: TokenProviderOptions): TokenProvider {
  const { cache, log, expiryMarginS, lockTtlMs, lockWaitMs } = opts;
  const now = opts.now ?? Date.now;
  // Concurrent misses in this process share one pending promise (octokit's pattern).
  const pending = new Map<string, Promise<string>>();

  const lifetime = (t: FetchedToken): CachedToken => {
    const s = t.expiresIn > expiryMarginS * 2 ? t.expiresIn - expiryMarginS : t.expiresIn / 2;
    return { accessToken: t.accessToken, expiresAt: now() + s * 1000 };
  };

  async function fetchUnderLock(key: TokenKey, id: string, fetch: () => Promise<FetchedToken>): Promise<string> {
    const deadline = now() + lockWaitMs;
    let pause = 10;
    let first = true;
    for (;;) {
      const cached = await cache.get(id);
      if (first) (cached ? tokenMetrics.hits : tokenMetrics.misses).inc({ vendor: key.vendor });
      if (cached) return cached.accessToken;
      const release = await cache.tryLock(id, lockTtlMs);
      if (!release && first) tokenMetrics.lockWaits.inc({ vendor: key.vendor });
      first = false;
      if (release) {
        try {
          // Another process may have stored a token between our read and our lock.
          const again = await cache.get(id);
          if (again) return again.accessToken;
          tokenMetrics.fetches.inc({ vendor: key.vendor });
          log.info('fetching vendor token', { vendor: key.vendor, client: key.client, user: key.user });
          const fetched = await fetch();
          const token = lifetime(fetched);
          await cache.set(id, token);
          return token.accessToken;
        } finally {
          await release().catch(() => undefined);
        }
      }
      if (now() >= deadline) {
        // The holder is stuck or gone: bounded wait, then serve the caller with a token of our own.
        log.warn('token lock wait exceeded; fetching without the lock', { vendor: key.vendor, waitedMs: lockWaitMs });
        tokenMetrics.fetches.inc({ vendor: key.vendor });
        const token = lifetime(await fetch());
        await cache.set(id, token);
        return token.accessToken;
      }
      await sleep(pause);
      pause = Math.min(pause * 2, 100);
    }
  }

  async function getToken(key: TokenKey, fetch: () => Promise<FetchedToken>): Promise<string> {
    const id = tokenCacheKey(key);
    const inFlight = pending.get(id);
    if (inFlight) {
      tokenMetrics.coalesced.inc({ vendor: key.vendor });
      return inFlight;
    }
    // Shared by every concurrent caller: not aborted when the caller that started it goes away.
    const p = detachedFromCaller(() => fetchUnderLock(key, id, fetch)).finally(() => pending.delete(id));
    pending.set(id, p);
    return p;
  }

  async function invalidate(key: TokenKey, accessToken: string) {
    await cache.deleteIf(tokenCacheKey(key), accessToken);
  }

  async function withToken<T>(key: TokenKey, fetch: () => Promise<FetchedToken>, call: (token: string) => Promise<T>): Promise<T> {
    const token = await getToken(key, fetch);
    try {
      return await call(token);
    } catch (err) {
      if (!(err instanceof TokenRejectedError)) throw err;
      log.warn('vendor rejected a cached token; dropping it and retrying once', { vendor: key.vendor, reason: err.detail });
      tokenMetrics.rejections.inc({ vendor: key.vendor });
      await invalidate(key, token);
      const fresh = await getToken(key, fetch);
      try {
        return await call(fresh);
      } catch (again) {
        if (again instanceof TokenRejectedError) {
          throw new VendorError(key.vendor, ErrorCode.UPSTREAM_UNAUTHENTICATED, `a freshly issued token was rejected too (${again.detail || 'no detail'})`, 401);
        }
        throw again;
      }
    }
  }

  return { getToken, withToken, invalidate };
}
