import { LRUCache } from 'lru-cache';
import { ErrorCode, VendorError } from '../../platform/errors';
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
  /**
   * Does MMP know the plate? Answered from the first MMP call this request made for the plate, whichever
   * service it was (no further call); when none was made, from a `vision360` call that later facets share.
   * MMP's NOT_FOUND is `false`; any other failure is thrown.
   */
  known(plate: string): Promise<boolean>;
}

export const isMmpNotFound = (e: unknown) => e instanceof VendorError && e.code === ErrorCode.NOT_FOUND;

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
  // The first MMP call of each plate, whichever service: enough to tell whether MMP knows the plate.
  const firstCall = new Map<string, Promise<unknown>>();
  const remember = <T>(plate: string, call: Promise<T>) => {
    if (!firstCall.has(plate)) firstCall.set(plate, call);
    return call;
  };
  const record = (plate: string) => {
    vision360Loaded.add(plate);
    return remember(plate, vision360.load(plate));
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
          single.set(plate, remember(plate, read(facetService[only!], plate, displayPlate(plate))));
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
    known: (plate) =>
      (firstCall.get(plate) ?? record(plate)).then(
        () => true,
        (e: unknown) => {
          if (isMmpNotFound(e)) return false;
          throw e;
        },
      ),
    facet: <F extends Facet>(plate: string, facet: F) =>
      (vision360Loaded.has(plate) ? record(plate).then(fromVision360[facet]) : facetLoader.load({ plate, facet })) as Promise<FacetValue[F]>,
  };
}

/**
 * The loaders of one client request, shared by every fetch the gateway makes to this subgraph for it.
 * A query asking `sources` or `facts` reaches this subgraph twice (the gateway first fetches the MMP
 * facets, then `knownToCarsys`/`carsys` from the Customer subgraph, then `sources`/`facts` here): keyed by
 * the gateway's operation id (`x-switchboard-operation-id`, fresh per client request, never the client's
 * own request id, which a retry may repeat) and the signed caller, the second fetch finds the first one's
 * MMP answers, so a plate still costs one MMP call per client request. A request without an operation id
 * (a direct call to this port) gets loaders of its own. Bounded: at most `maxRequests` operations, each kept
 * for `ttlMs` (the query budget). MMP vehicle data does not depend on the caller, and access is checked per
 * field anyway. One case still costs two calls: a query asking exactly one facet that has its own MMP
 * service (e.g. `forecasts`) and `facts` (which needs `information`, a vision360 facet).
 */
export function createRequestLoaders(mmp: MmpClient, opts: { maxRequests: number; ttlMs: number }, cache?: VendorCache<unknown>) {
  const byRequest = new LRUCache<string, VehicleLoaders>({ max: opts.maxRequests, ttl: opts.ttlMs });
  return (operationId: string | undefined, callerKey: string): VehicleLoaders => {
    if (!operationId) return createVehicleLoaders(mmp, cache);
    const key = `${operationId}\u0000${callerKey}`;
    let loaders = byRequest.get(key);
    if (!loaders) byRequest.set(key, (loaders = createVehicleLoaders(mmp, cache)));
    return loaders;
  };
}
