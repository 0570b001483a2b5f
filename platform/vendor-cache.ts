import { LRUCache } from 'lru-cache';
import { detachedFromCaller } from './call-scope';
import type { Config } from './config';
import type { Logger } from './logger';
import { vendorCacheMetrics } from './metrics';
import type { RedisClient } from './redis';

/**
 * A cross-request cache of vendor reads that are safe to reuse (MMP vehicle records, OZmap regions and
 * boxes, the MMP blacklist), with a time to live and a stale-while-revalidate window:
 *
 * - younger than `ttlMs`: served from the cache (hit);
 * - older, but younger than `ttlMs + staleMs`: served from the cache (stale) while one background read
 *   per key and process refreshes it, detached from the caller (its going away does not abort the refresh);
 * - older, or absent: read from the vendor in the caller's scope (miss) and stored.
 *
 * Where: Redis when the process has one (shared by every instance, and a push handled by another
 * process can invalidate what this one cached); otherwise bounded process memory (`VENDOR_CACHE_MAX_BYTES`,
 * least recently used first). A Redis failure or a Redis slower than `redisTimeoutMs` is a miss: the
 * request goes to the vendor, never fails because of the cache; failures are counted and logged once
 * per outage.
 *
 * Errors are never cached. Values are the vendor's own payloads, cached below every access check (the
 * subgraphs check scopes, grants and ownership per field and argument, on every request, whatever the
 * loader's data came from), and treated as read-only by their readers.
 */
export interface VendorCacheStore {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | Entry<unknown> | undefined>;
  set(key: string, entry: Entry<unknown>, serialised: string | undefined, lifetimeMs: number): Promise<void>;
  delete(keys: string[]): Promise<void>;
}

interface Entry<T> {
  /** epoch ms at which the vendor answered */
  at: number;
  v: T;
}

export interface VendorCachePolicy {
  /** metric labels: the vendor and the kind of resource (bounded, written in code) */
  vendor: string;
  resource: string;
  /** fresh for this long; 0 turns this cache off (every read goes to the vendor) */
  ttlMs: number;
  /** then served stale (and refreshed in the background) for this long */
  staleMs: number;
  /**
   * Concurrent misses of one key in this process share one vendor call, run detached from the callers
   * (for a read every request needs at once, like a network's blacklist). Off by default: a miss is then
   * read within its own caller's budget.
   */
  coalesceMisses?: boolean;
}

export interface VendorCache<T> {
  readonly enabled: boolean;
  /** The cached value of `key`, or `load()`'s, stored for the next caller. */
  get(key: string, load: () => Promise<T>): Promise<T>;
  /**
   * Values of several keys; the ones not cached come from one `loadMany(missing)` (a vendor batch call),
   * which answers the keys it found (a key it leaves out is reported by the caller, e.g. as not found).
   */
  getMany(keys: readonly string[], loadMany: (missing: string[]) => Promise<Map<string, T>>): Promise<Map<string, T>>;
  /** Drops keys everywhere this cache is kept (all processes, with Redis); false when the store failed (the TTL then bounds the staleness). */
  invalidate(keys: string[]): Promise<boolean>;
}

export interface VendorCacheStoreOptions {
  redis?: RedisClient;
  /** Redis key prefix (one per deployment; tests give each stack its own) */
  prefix: string;
  /** bound of the memory store, in bytes of the values' JSON */
  maxBytes: number;
  /** a Redis answer later than this is treated as a miss */
  redisTimeoutMs: number;
  log: Logger;
}

/** The process's vendor cache store: Redis when one is given, bounded memory otherwise. */
export function createVendorCacheStore(opts: VendorCacheStoreOptions): VendorCacheStore {
  return opts.redis ? redisStore(opts.redis, opts) : memoryStore(opts.maxBytes);
}

/** Process memory, bounded by the approximate size of what it holds (an entry's JSON length, or 1 KiB when it has none). */
export function memoryStore(maxBytes: number): VendorCacheStore {
  const held = new LRUCache<string, { entry: Entry<unknown>; size: number }>({ maxSize: maxBytes, sizeCalculation: (e) => e.size });
  return {
    kind: 'memory',
    get: async (key) => held.get(key)?.entry,
    async set(key, entry, serialised, lifetimeMs) {
      const size = Math.max(1, serialised?.length ?? 1024);
      if (size > maxBytes) return;
      held.set(key, { entry, size }, { ttl: lifetimeMs });
    },
    async delete(keys) {
      for (const k of keys) held.delete(k);
    },
  };
}

class RedisTimeout extends Error {}

function redisStore(redis: RedisClient, opts: VendorCacheStoreOptions): VendorCacheStore {
  const within = <T>(p: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RedisTimeout(`no Redis answer within ${opts.redisTimeoutMs} ms`)), opts.redisTimeoutMs);
      timer.unref();
    });
    return Promise.race([p, late]).finally(() => clearTimeout(timer));
  };
  return {
    kind: 'redis',
    get: async (key) => (await within(redis.get(opts.prefix + key))) ?? undefined,
    async set(key, _entry, serialised, lifetimeMs) {
      if (serialised === undefined) return;
      await within(redis.set(opts.prefix + key, serialised, { expiration: { type: 'PX', value: Math.max(1, Math.ceil(lifetimeMs)) } }));
    },
    async delete(keys) {
      if (keys.length) await within(redis.del(keys.map((k) => opts.prefix + k)));
    },
  };
}

// One "Redis failed" warning per outage and process, not one per request.
let storeDown = false;
function storeFailed(log: Logger, op: string, err: unknown, policy: VendorCachePolicy) {
  vendorCacheMetrics.storeErrors.inc({ vendor: policy.vendor, resource: policy.resource, op });
  if (!storeDown) log.warn('vendor cache: Redis failed; reading from the vendor instead', { op, vendor: policy.vendor, err: (err as Error).message });
  storeDown = true;
}
function storeAnswered(log: Logger) {
  if (storeDown) log.info('vendor cache: Redis answers again');
  storeDown = false;
}

/** One resource's cache over the process's store. */
export function createVendorCache<T>(store: VendorCacheStore, policy: VendorCachePolicy, log: Logger, now: () => number = Date.now): VendorCache<T> {
  const labels = { vendor: policy.vendor, resource: policy.resource };
  const m = {
    hit: vendorCacheMetrics.hits.labels(labels),
    miss: vendorCacheMetrics.misses.labels(labels),
    stale: vendorCacheMetrics.stale.labels(labels),
    refreshed: vendorCacheMetrics.revalidations.labels({ ...labels, outcome: 'ok' }),
    refreshFailed: vendorCacheMetrics.revalidations.labels({ ...labels, outcome: 'error' }),
  };
  const enabled = policy.ttlMs > 0;
  const lifetimeMs = policy.ttlMs + policy.staleMs;
  // keys being refreshed in the background by this process: bounded by the keys read in the stale window
  const refreshing = new Set<string>();
  // misses being read for several callers (coalesceMisses): one entry per key while its read runs
  const pending = new Map<string, Promise<T>>();

  async function read(key: string): Promise<Entry<T> | undefined> {
    try {
      const raw = await store.get(key);
      storeAnswered(log);
      if (raw === undefined) return undefined;
      return (typeof raw === 'string' ? JSON.parse(raw) : raw) as Entry<T>;
    } catch (err) {
      storeFailed(log, 'get', err, policy);
      return undefined;
    }
  }

  async function write(key: string, v: T): Promise<void> {
    if (v === undefined) return; // nothing to keep (and not JSON)
    const entry: Entry<T> = { at: now(), v };
    try {
      const serialised = `{"at":${entry.at},"v":${JSON.stringify(v)}}`;
      await store.set(key, entry, serialised, lifetimeMs);
      storeAnswered(log);
    } catch (err) {
      storeFailed(log, 'set', err, policy);
    }
  }

  /** Classifies an entry: fresh, stale (to serve and refresh) or expired (a miss). */
  const ageOf = (e: Entry<T> | undefined) => (e ? now() - e.at : Infinity);

  function refresh(keys: string[], loadMany: (keys: string[]) => Promise<Map<string, T>>) {
    const todo = keys.filter((k) => !refreshing.has(k));
    if (!todo.length) return;
    for (const k of todo) refreshing.add(k);
    detachedFromCaller(() => loadMany(todo))
      .then(async (found) => {
        await Promise.all([...found].map(([k, v]) => write(k, v)));
        m.refreshed.inc(todo.length);
      })
      .catch((err: Error) => {
        m.refreshFailed.inc(todo.length);
        log.warn('vendor cache: background refresh failed; the stale copy is served until it expires', { vendor: policy.vendor, resource: policy.resource, err: err.message });
      })
      .finally(() => {
        for (const k of todo) refreshing.delete(k);
      });
  }

  async function getMany(keys: readonly string[], loadMany: (missing: string[]) => Promise<Map<string, T>>): Promise<Map<string, T>> {
    if (!enabled) return loadMany([...keys]);
    const entries = await Promise.all(keys.map(read));
    const out = new Map<string, T>();
    const missing: string[] = [];
    const stale: string[] = [];
    keys.forEach((k, i) => {
      const e = entries[i];
      const age = ageOf(e);
      if (age < policy.ttlMs) {
        m.hit.inc();
        out.set(k, e!.v);
      } else if (age < lifetimeMs) {
        m.stale.inc();
        out.set(k, e!.v);
        stale.push(k);
      } else {
        m.miss.inc();
        missing.push(k);
      }
    });
    if (stale.length) refresh(stale, loadMany);
    if (missing.length) {
      const found = await loadMany(missing);
      for (const [k, v] of found) out.set(k, v);
      await Promise.all([...found].map(([k, v]) => write(k, v)));
    }
    return out;
  }

  return {
    enabled,
    async get(key, load) {
      if (!enabled) return load();
      const shared = () => {
        let p = pending.get(key);
        if (!p) {
          p = detachedFromCaller(load).finally(() => pending.delete(key));
          pending.set(key, p);
        }
        return p;
      };
      const one = async () => new Map([[key, await (policy.coalesceMisses ? shared() : load())]]);
      const found = await getMany([key], one);
      return found.get(key) as T;
    },
    getMany,
    async invalidate(keys) {
      try {
        await store.delete(keys);
        vendorCacheMetrics.invalidations.inc(labels, keys.length);
        return true;
      } catch (err) {
        storeFailed(log, 'delete', err, policy);
        return false;
      }
    },
  };
}

/** The process's store from configuration (Redis when the process has a connection). */
export function vendorCacheStoreFromConfig(config: Config, log: Logger, redis?: RedisClient): VendorCacheStore {
  return createVendorCacheStore({ redis, prefix: config.VENDOR_CACHE_PREFIX, maxBytes: config.VENDOR_CACHE_MAX_BYTES, redisTimeoutMs: config.VENDOR_CACHE_REDIS_TIMEOUT_MS, log });
}
