import { MeasuredDataLoader } from '../../platform/measured-dataloader';
import type { MmpClient } from '../../vendors/mmp/client';
import type { MmpVehicleService, MmpVehicleServices, MmpVision360 } from '../../vendors/mmp/types';
import { displayPlate } from '../../platform/plates';
import type { VendorCache } from '../../platform/vendor-cache';
import { cachedMmpVehicle } from '../../vendors/mmp/vehicle-cache';

/** The facets of a vehicle and the MMP service that serves each alone. */
export const facetService = {
  information: 'vision360',
  diagnostic: 'vision360',
  importedClients: 'import-client',
  clients: 'client',
  operations: 'historiques',
  forecasts: 'previsions',
  importedInvoiceLines: 'import-factures',
  invoices: 'factures',
  campaignReminders: 'relances',
} as const satisfies Record<string, MmpVehicleService>;
export type Facet = keyof typeof facetService;

type FacetValue = {
  information: MmpVision360['vehicleInformations'];
  diagnostic: MmpVision360['vehiculeDiagnostic'];
} & { [F in Exclude<Facet, 'information' | 'diagnostic'>]: MmpVehicleServices[(typeof facetService)[F]] };

const fromVision360: { [F in Facet]: (v: MmpVision360) => FacetValue[F] } = {
  information: (v) => v.vehicleInformations,
  diagnostic: (v) => v.vehiculeDiagnostic,
  importedClients: (v) => v.clientList,
  clients: (v) => v.relanceClientList,
  operations: (v) => v.vehiculeHistoriqueList,
  forecasts: (v) => v.vehiculePrevisionList,
  importedInvoiceLines: (v) => v.importFactureList,
  invoices: (v) => v.vehiculeFactureList,
  campaignReminders: (v) => v.vehiculeRelanceList,
};

export interface VehicleLoaders {
  /** The full record of a plate (one `vision360` call per distinct plate per request). */
  record(plate: string): Promise<MmpVision360>;
  /** One facet of a plate, by the cheapest route: see `createVehicleLoaders`. */
  facet<F extends Facet>(plate: string, facet: F): Promise<FacetValue[F]>;
}

/**
 * Built per request. Facet requests made in the same tick are collected: a plate asked for two or more
 * facets (or for a facet only vision360 has) costs one `vision360` call that serves them all; a plate
 * asked for one facet costs one call to that facet's own service. Once a plate's vision360 record is
 * loaded, every later facet of that plate is served from it. Errors are per plate (DataLoader's
 * per-key errors): one unknown plate does not fail the others.
 *
 * With `cache` (platform/vendor-cache.ts) each MMP read goes through the cross-request cache of raw MMP
 * answers, keyed by service and plate; the access rules stay where they are (field level, per request).
 */
export function createVehicleLoaders(mmp: MmpClient, cache?: VendorCache<unknown>): VehicleLoaders {
  const read = cachedMmpVehicle(mmp, cache);
  const vision360 = new MeasuredDataLoader<string, MmpVision360>('vehicle.vision360', (plates) => Promise.all(plates.map((p) => read('vision360', p, displayPlate(p)).catch((e: Error) => e))), {
    // One call per plate anyway (MMP has no batch endpoint); batching here only merges duplicates.
    maxBatchSize: 100,
  });

  // Plates whose full record is loaded or on its way: their facets never cost another call.
  const vision360Loaded = new Set<string>();
  const record = (plate: string) => {
    vision360Loaded.add(plate);
    return vision360.load(plate);
  };

  const facetLoader = new MeasuredDataLoader<{ plate: string; facet: Facet }, unknown, string>('vehicle.facets', 
    async (keys) => {
      const facetsByPlate = new Map<string, Set<Facet>>();
      for (const { plate, facet } of keys) {
        const set = facetsByPlate.get(plate) ?? new Set<Facet>();
        set.add(facet);
        facetsByPlate.set(plate, set);
      }
      const single = new Map<string, Promise<unknown>>();
      for (const [plate, facets] of facetsByPlate) {
        const [only] = facets;
        if (facets.size === 1 && facetService[only!] !== 'vision360' && !vision360Loaded.has(plate)) {
          single.set(plate, read(facetService[only!], plate, displayPlate(plate)));
        }
      }
      return Promise.all(
        keys.map(async ({ plate, facet }) => {
          try {
            const direct = single.get(plate);
            if (direct) return await direct;
            return fromVision360[facet](await record(plate));
          } catch (e) {
            return e as Error;
          }
        }),
      );
    },
    { cacheKeyFn: (k) => `${k.plate}|${k.facet}` },
  );
  return {
    record,
    facet: <F extends Facet>(plate: string, facet: F) =>
      (vision360Loaded.has(plate) ? record(plate).then(fromVision360[facet]) : facetLoader.load({ plate, facet })) as Promise<FacetValue[F]>,
  };
}
