import type DataLoader from 'dataloader';
import { MeasuredDataLoader } from '../../platform/measured-dataloader';
import { ErrorCode, VendorError } from '../../platform/errors';
import { displayPlate } from '../../platform/plates';
import type { CarsysWorkOrderStore, DealerRangeKey, PersonKey, StoredPerson, StoredWorkOrder, WorkOrderNumberKey } from './carsys-store';
import { dealerRangeKeyOf, personKeyOf, workOrderNumberKeyOf } from './carsys-store';
import type { WorkshopLink } from '../../platform/config/workshop-links';
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
  /** configured workshop ↔ Carsys dealer ↔ MMP point of sale links (WORKSHOP_LINKS) */
  workshopLinks: WorkshopLink[];
  /** MMP vehicle reads shared across requests (raw MMP answers; access is checked per field, per request) */
  vendorCache?: VendorCache<unknown>;
}

/** Most work orders one person or one workshop range lists (newest / earliest first). */
export const PERSON_WORK_ORDERS_MAX = 100;
export const WORKSHOP_APPOINTMENTS_MAX = 200;

export interface CustomerLoaders {
  /** MMP `client` records of a plate: one call per distinct plate per request; unknown plate → [] */
  mmpClients: DataLoader<string, MmpClientRecord[]>;
  /** Carsys work orders of a plate, newest first: every plate asked in one tick → one database round */
  workOrders: DataLoader<string, StoredWorkOrder[]>;
  /** Carsys persons: every key asked in one tick → one database round */
  persons: DataLoader<PersonKey, StoredPerson | null, string>;
  /** Work orders by (dealer, WO number): every key asked in one tick → one database round */
  workOrderByNumber: DataLoader<WorkOrderNumberKey, StoredWorkOrder | null, string>;
  /** The newest work orders naming a person: every person asked in one tick → one database round */
  workOrdersOfPerson: DataLoader<PersonKey, StoredWorkOrder[], string>;
  /** A dealer's work orders in a date range: every (dealer, range) asked in one tick → one database round */
  workOrdersInRange: DataLoader<DealerRangeKey, StoredWorkOrder[], string>;
  /** The MMP network's blacklist (process-wide cache, TTL) */
  blacklist(): Promise<BlacklistIndex>;
}

/**
 * A loader over a store read that answers every key of a batch at once (one database round), as a Map
 * keyed by `keyOf`: each key gets its entry, or `missing()` when the store has none.
 */
function keyedLoader<K, V>(name: string, read: (keys: readonly K[]) => Promise<Map<string, V>>, keyOf: (key: K) => string, missing: () => V, maxBatchSize?: number) {
  return new MeasuredDataLoader<K, V, string>(
    name,
    async (keys) => {
      const found = await read(keys);
      return keys.map((k) => found.get(keyOf(k)) ?? missing());
    },
    { cacheKeyFn: keyOf, ...(maxBatchSize ? { maxBatchSize } : {}) },
  );
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
  const workOrders = keyedLoader('customer.workOrders', (plates: readonly string[]) => c.carsys.workOrdersByPlates(plates), (plate) => plate, () => []);
  const persons = keyedLoader('customer.persons', (keys: readonly PersonKey[]) => c.carsys.personsByKeys(keys), personKeyOf, () => null as StoredPerson | null);
  const workOrderByNumber = keyedLoader('customer.workOrderByNumber', (keys: readonly WorkOrderNumberKey[]) => c.carsys.workOrdersByNumbers(keys), workOrderNumberKeyOf, () => null as StoredWorkOrder | null, 100);
  const workOrdersOfPerson = keyedLoader('customer.workOrdersOfPerson', (keys: readonly PersonKey[]) => c.carsys.workOrdersByPersons(keys, PERSON_WORK_ORDERS_MAX), personKeyOf, (): StoredWorkOrder[] => [], 100);
  const workOrdersInRange = keyedLoader('customer.workOrdersInRange', (keys: readonly DealerRangeKey[]) => c.carsys.workOrdersByDealerRanges(keys, WORKSHOP_APPOINTMENTS_MAX), dealerRangeKeyOf, (): StoredWorkOrder[] => [], 50);
  let blacklist: Promise<BlacklistIndex> | undefined;
  return {
    mmpClients,
    workOrders,
    persons,
    workOrderByNumber,
    workOrdersOfPerson,
    workOrdersInRange,
    blacklist: () => (blacklist ??= c.blacklists.get(c.mmpNetwork)),
  };
}
