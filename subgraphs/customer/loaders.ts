import type DataLoader from 'dataloader';
import { MeasuredDataLoader } from '../../platform/measured-dataloader';
import { ErrorCode, VendorError } from '../../platform/errors';
import { displayPlate } from '../../platform/plates';
import type { CarsysWorkOrderStore, PersonKey, StoredPerson, StoredWorkOrder } from './carsys-store';
import { personKeyOf } from './carsys-store';
import type { MmpClient } from '../../vendors/mmp/client';
import { cachedMmpVehicle } from '../../vendors/mmp/vehicle-cache';
import type { VendorCache } from '../../platform/vendor-cache';
import type { MmpClient as MmpClientRecord } from '../../vendors/mmp/types';
import type { BlacklistCache, BlacklistIndex } from './blacklist-cache';

export interface CustomerClients {
  mmp: MmpClient;
  /** the MMP network (reseau) the client addresses */
  mmpNetwork: string;
  carsys: CarsysWorkOrderStore;
  blacklists: BlacklistCache;
  /** MMP vehicle reads shared across requests (raw MMP answers; access is checked per field, per request) */
  vendorCache?: VendorCache<unknown>;
}

export interface CustomerLoaders {
  /** MMP `client` records of a plate: one call per distinct plate per request; unknown plate → [] */
  mmpClients: DataLoader<string, MmpClientRecord[]>;
  /** Carsys work orders of a plate, newest first: every plate asked in one tick → one database round */
  workOrders: DataLoader<string, StoredWorkOrder[]>;
  /** Carsys persons: every key asked in one tick → one database round */
  persons: DataLoader<PersonKey, StoredPerson | null, string>;
  /** The MMP network's blacklist (process-wide cache, TTL) */
  blacklist(): Promise<BlacklistIndex>;
}

/**
 * Built per request (graphql/dataloader's rule: a cache per request, never across callers). A gateway
 * `_entities` call for 50 vehicles reaches the resolvers in one tick, so each loader sees all 50 keys in
 * one batch.
 */
export function createCustomerLoaders(c: CustomerClients): CustomerLoaders {
  const read = cachedMmpVehicle(c.mmp, c.vendorCache);
  const mmpClients = new MeasuredDataLoader<string, MmpClientRecord[]>('customer.mmpClients', 
    // MMP has no batch endpoint: one call per distinct plate, run together; DataLoader already removed repeats.
    (plates) =>
      Promise.all(
        plates.map((plate) =>
          read('client', plate, displayPlate(plate)).catch((err: Error) => {
            // A plate MMP does not know has no MMP customers; every other failure is that plate's error.
            if (err instanceof VendorError && err.code === ErrorCode.NOT_FOUND) return [];
            return err;
          }),
        ),
      ),
    { maxBatchSize: 100 },
  );
  const workOrders = new MeasuredDataLoader<string, StoredWorkOrder[]>('customer.workOrders', async (plates) => {
    const byPlate = await c.carsys.workOrdersByPlates(plates);
    return plates.map((p) => byPlate.get(p) ?? []);
  });
  const persons = new MeasuredDataLoader<PersonKey, StoredPerson | null, string>('customer.persons', 
    async (keys) => {
      const found = await c.carsys.personsByKeys(keys);
      return keys.map((k) => found.get(personKeyOf(k)) ?? null);
    },
    { cacheKeyFn: personKeyOf },
  );
  let blacklist: Promise<BlacklistIndex> | undefined;
  return {
    mmpClients,
    workOrders,
    persons,
    blacklist: () => (blacklist ??= c.blacklists.get(c.mmpNetwork)),
  };
}
