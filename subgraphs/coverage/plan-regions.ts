import { LRUCache } from 'lru-cache';
import { pointInPolygon, type LatLng } from '../../platform/geo';
import type { OzmapClient } from '../../vendors/ozmap/client';
import type { OzmapRegion } from '../../vendors/ozmap/types';

export interface PlanRegions {
  /** The OZmap regions carrying any of `tagNames` (two OZmap calls, or none while cached). */
  forTags(tagNames: string[]): Promise<OzmapRegion[]>;
}

export const inAnyRegion = (p: LatLng, regions: OzmapRegion[]) => regions.some((r) => pointInPolygon(p, r.polygon.coordinates));

/**
 * Region polygons change rarely (an OZmap admin draws them), feasibility queries come often: each
 * process keeps the regions of a tag set for `ttlMs`, and concurrent misses share one fetch.
 * `ttlMs` 0 asks OZmap every time.
 */
export function createPlanRegions(ozmap: OzmapClient, ttlMs: number, now: () => number = Date.now, maxEntries = 1_000): PlanRegions {
  // one entry per tag set asked for: bounded, the least recently used going first
  const cache = new LRUCache<string, { at: number; regions: Promise<OzmapRegion[]> }>({ max: maxEntries });

  async function fetchRegions(tagNames: string[]): Promise<OzmapRegion[]> {
    const tags = await ozmap.listTags({ filter: [{ property: 'name', operator: 'in', value: tagNames }], select: ['name'], limit: 500 });
    if (!tags.rows.length) return [];
    return ozmap.listAll<OzmapRegion>(ozmap.listRegions, { filter: [{ property: 'tags', operator: 'in', value: tags.rows.map((t) => t.id) }], select: ['name', 'polygon', 'tags'], limit: 500 });
  }

  return {
    forTags(tagNames) {
      const key = [...new Set(tagNames)].sort().join('\u0000');
      const hit = cache.get(key);
      if (hit && now() - hit.at < ttlMs) return hit.regions;
      const regions = fetchRegions([...new Set(tagNames)]);
      if (ttlMs > 0) {
        cache.set(key, { at: now(), regions });
        regions.catch(() => cache.delete(key));
      }
      return regions;
    },
  };
}
