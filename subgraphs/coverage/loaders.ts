import type DataLoader from 'dataloader';
import { MeasuredDataLoader } from '../../platform/measured-dataloader';
import { notFound } from '../../platform/errors';
import type { OzmapClient } from '../../vendors/ozmap/client';
import type { OzmapBox } from '../../vendors/ozmap/types';
import type { VendorCache } from '../../platform/vendor-cache';

export interface CoverageLoaders {
  /** A box by id: every box a request needs costs one `GET /boxes?filter=id in [...]` together. */
  box: DataLoader<string, OzmapBox>;
}

const MAX_BATCH = 200;

/**
 * Built per request. Boxes come through the vendor cache (`resource="boxes"`, by id: name, address,
 * coordinates, implanted — never ports, which feasibility reads live): the ids a request needs that the
 * cache does not hold cost one OZmap call together. Errors are per box; a box OZmap does not know is not cached.
 */
export function createCoverageLoaders(ozmap: OzmapClient, cache?: VendorCache<OzmapBox>): CoverageLoaders {
  const keyOf = (id: string) => `ozmap:${ozmap.baseUrl}:box:${id}`;
  const fetchBoxes = async (ids: readonly string[]) => {
    const page = await ozmap.listBoxes({ filter: [{ property: 'id', operator: 'in', value: [...ids] }], select: ['name', 'address', 'coords', 'implanted'], limit: ids.length });
    return new Map(page.rows.map((b) => [b.id, b]));
  };
  return {
    box: new MeasuredDataLoader<string, OzmapBox>('coverage.box', 
      async (ids) => {
        let byId: Map<string, OzmapBox>;
        if (cache?.enabled) {
          const idOfKey = new Map(ids.map((id) => [keyOf(id), id]));
          const cached = await cache.getMany([...idOfKey.keys()], async (keys) => {
            const found = await fetchBoxes(keys.map((k) => idOfKey.get(k)!));
            return new Map([...found].map(([id, b]) => [keyOf(id), b]));
          });
          byId = new Map(ids.flatMap((id) => (cached.has(keyOf(id)) ? [[id, cached.get(keyOf(id))!]] : [])));
        } else byId = await fetchBoxes(ids);
        return ids.map((id) => byId.get(id) ?? notFound(`no OZmap box ${id}`, { boxId: id }));
      },
      { maxBatchSize: MAX_BATCH },
    ),
  };
}
