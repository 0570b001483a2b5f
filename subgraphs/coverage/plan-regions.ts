import { pointInPolygon, type LatLng } from '../../platform/geo';
import type { OzmapClient } from '../../vendors/ozmap/client';
import type { OzmapRegion } from '../../vendors/ozmap/types';
import type { VendorCache } from '../../platform/vendor-cache';

export interface PlanRegions {
  /** The OZmap regions carrying any of `tagNames` (two OZmap calls, or none while cached). */
  forTags(tagNames: string[]): Promise<OzmapRegion[]>;
}

export const inAnyRegion = (p: LatLng, regions: OzmapRegion[]) => regions.some((r) => pointInPolygon(p, r.polygon.coordinates));

/**
 * Region polygons change rarely (an OZmap admin draws them), feasibility queries come often: the regions
 * of a tag set go through the vendor cache (platform/vendor-cache.ts, `resource="regions"`; Redis when the
 * process has it, so every instance shares them), fresh for its TTL, then served while refreshed in the
 * background. A cache whose TTL is 0 asks OZmap every time.
 */
export function createPlanRegions(ozmap: OzmapClient, cache: VendorCache<OzmapRegion[]>): PlanRegions {
  async function fetchRegions(tagNames: string[]): Promise<OzmapRegion[]> {
    const tags = await ozmap.listTags({ filter: [{ property: 'name', operator: 'in', value: tagNames }], select: ['name'], limit: 500 });
    if (!tags.rows.length) return [];
    return ozmap.listAll<OzmapRegion>(ozmap.listRegions, { filter: [{ property: 'tags', operator: 'in', value: tags.rows.map((t) => t.id) }], select: ['name', 'polygon', 'tags'], limit: 500 });
  }

  return {
    forTags(tagNames) {
      const names = [...new Set(tagNames)].sort();
      return cache.get(`ozmap:${ozmap.baseUrl}:regions:${JSON.stringify(names)}`, () => fetchRegions(names));
    },
  };
}
