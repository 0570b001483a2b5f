/** What a vendor's token endpoint gave us, and when we stop trusting it. */
export interface CachedToken {
  accessToken: string;
  /** epoch ms after which the token must not be used (vendor expiry minus our margin) */
  expiresAt: number;
}

/**
 * Where tokens live between calls. An injectable `{get,set,delete}` (compare octokit auth-app's cache),
 * plus a short exclusive lock so that several processes sharing the cache fetch a missing token once.
 */
export interface TokenCache {
  readonly kind: 'memory' | 'redis';
  get(key: string): Promise<CachedToken | undefined>;
  set(key: string, token: CachedToken): Promise<void>;
  /** Deletes only while the cached token is still `accessToken`, so a rejected old token never evicts a fresh one. */
  deleteIf(key: string, accessToken: string): Promise<void>;
  /** Takes the fetch lock for `key`; answers a release function, or undefined when another holder has it. */
  tryLock(key: string, ttlMs: number): Promise<(() => Promise<void>) | undefined>;
}
