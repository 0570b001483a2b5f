import type DataLoader from 'dataloader';
import { MeasuredDataLoader } from '../../platform/measured-dataloader';
import { notFound } from '../../platform/errors';
import type { OzmapClient } from '../../vendors/ozmap/client';
import type { OzmapBox } from '../../vendors/ozmap/types';

export interface CoverageLoaders {
  /** A box by id: every box a request needs costs one `GET /boxes?filter=id in [...]` together. */
  box: DataLoader<string, OzmapBox>;
}

const MAX_BATCH = 200;

/** Built per request, so nothing loaded for one caller is served to another. Errors are per box. */
export function createCoverageLoaders(ozmap: OzmapClient): CoverageLoaders {
  return {
    box: new MeasuredDataLoader<string, OzmapBox>('coverage.box', 
      async (ids) => {
        const page = await ozmap.listBoxes({ filter: [{ property: 'id', operator: 'in', value: [...ids] }], select: ['name', 'address', 'coords', 'implanted'], limit: ids.length });
        const byId = new Map(page.rows.map((b) => [b.id, b]));
        return ids.map((id) => byId.get(id) ?? notFound(`no OZmap box ${id}`, { boxId: id }));
      },
      { maxBatchSize: MAX_BATCH },
    ),
  };
}
