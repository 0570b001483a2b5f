import { LRUCache } from 'lru-cache';
import type { Logger } from '../../platform/logger';
import { count } from '../../platform/metrics';
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
 * One blacklist per MMP network, kept `ttlMs`, shared by every request of the process: a query over many
 * customers (and many queries) costs one fetch per TTL. Concurrent misses share one pending fetch. When a
 * refresh fails and an expired copy exists, the expired copy is served (a day-old opt-out list is better
 * than no answer) and the next request tries again.
 */
export function createBlacklistCache(opts: { ttlMs: number; fetch: (network: string) => Promise<MmpBlacklistEntry[]>; log: Logger; now?: () => number; maxNetworks?: number }): BlacklistCache {
  const now = opts.now ?? Date.now;
  // one whole blacklist per entry: bounded by count, the least recently used network going first
  const held = new LRUCache<string, BlacklistIndex>({ max: opts.maxNetworks ?? 100 });
  const pending = new Map<string, Promise<BlacklistIndex>>();
  return {
    get(network) {
      const cached = held.get(network);
      if (cached && now() - cached.fetchedAt < opts.ttlMs) return Promise.resolve(cached);
      const inFlight = pending.get(network);
      if (inFlight) return inFlight;
      count('mmp.blacklist.fetches');
      const p = opts
        .fetch(network)
        .then((entries) => {
          const idx = indexBlacklist(entries, now());
          held.set(network, idx);
          return idx;
        })
        .catch((err: Error) => {
          if (!cached) throw err;
          opts.log.warn('MMP blacklist refresh failed; serving the expired copy', { network, err: err.message });
          return cached;
        })
        .finally(() => pending.delete(network));
      pending.set(network, p);
      return p;
    },
  };
}
