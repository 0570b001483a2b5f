import type { Logger } from '../../platform/logger';
import { count } from '../../platform/metrics';
import { createVendorCache, memoryStore } from '../../platform/vendor-cache';
import type { MmpBlacklistEntry } from '../../vendors/mmp/adherents-types';

/** A network's blacklist indexed the three ways a customer can be matched. */
export interface BlacklistIndex {
  byClientId: Map<number, MmpBlacklistEntry>;
  byMobile: Map<string, MmpBlacklistEntry>;
  byEmail: Map<string, MmpBlacklistEntry>;
  fetchedAt: number;
}

/** Digits only, French/Dutch national prefix folded: `+33 6 30…` and `06 30…` are the same number. */
export const phoneKey = (p: string | null | undefined) => {
  if (!p) return undefined;
  let d = p.replace(/\D/g, '');
  if (d.startsWith('0033') || d.startsWith('0031')) d = `0${d.slice(4)}`;
  else if ((d.startsWith('33') || d.startsWith('31')) && d.length === 11) d = `0${d.slice(2)}`;
  return d.length >= 6 ? d : undefined;
};
export const emailKey = (e: string | null | undefined) => (e && e.includes('@') ? e.trim().toLowerCase() : undefined);

export function indexBlacklist(entries: MmpBlacklistEntry[], now: number): BlacklistIndex {
  const idx: BlacklistIndex = { byClientId: new Map(), byMobile: new Map(), byEmail: new Map(), fetchedAt: now };
  for (const e of entries) {
    idx.byClientId.set(e.clientId, e);
    const m = phoneKey(e.clientPortable);
    if (m) idx.byMobile.set(m, e);
    const em = emailKey(e.clientEmail);
    if (em) idx.byEmail.set(em, e);
  }
  return idx;
}

export interface BlacklistCache {
  get(network: string): Promise<BlacklistIndex>;
}

/**
 * One blacklist per MMP network, shared by every request of the process through the vendor cache
 * (platform/vendor-cache.ts: metrics `resource="blacklist"`): fresh for `ttlMs`, then served for `staleMs`
 * more while one background fetch refreshes it — also when that fetch fails (a day-old opt-out list is
 * better than no answer). Concurrent misses share one fetch. Kept in process memory even with Redis: what
 * is cached is the index built from the list, which a Redis copy would have to rebuild on every request.
 */
export function createBlacklistCache(opts: { ttlMs: number; staleMs: number; fetch: (network: string) => Promise<MmpBlacklistEntry[]>; log: Logger; now?: () => number; maxBytes?: number }): BlacklistCache {
  const now = opts.now ?? Date.now;
  const cache = createVendorCache<BlacklistIndex>(
    memoryStore(opts.maxBytes ?? 16 * 1024 * 1024),
    { vendor: 'mmp', resource: 'blacklist', ttlMs: opts.ttlMs, staleMs: opts.staleMs, coalesceMisses: true },
    opts.log,
    now,
  );
  return {
    get: (network) =>
      cache.get(network, async () => {
        count('mmp.blacklist.fetches');
        return indexBlacklist(await opts.fetch(network), now());
      }),
  };
}
