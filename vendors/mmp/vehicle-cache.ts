import type { VendorCache } from '../../platform/vendor-cache';
import type { MmpClient } from './client';
import { mmpVehicleServices, type MmpVehicleService, type MmpVehicleServices } from './types';

/**
 * The cache key of one MMP vehicle read: the account's data scope, the service and the plate (normalised
 * form, AB123CD). Every process that reads or invalidates MMP vehicle data builds keys here, so a Carsys
 * push received by the Customer subgraph drops what the Vehicle subgraph cached (one Redis, one scheme).
 */
export const mmpVehicleCacheKey = (mmp: Pick<MmpClient, 'dataScope'>, service: MmpVehicleService, plate: string) => `mmp:vehicle:${mmp.dataScope}:${service}:${plate}`;

/** Every cached read of one plate (all eight services). */
export const mmpVehicleCacheKeys = (mmp: Pick<MmpClient, 'dataScope'>, plate: string) => mmpVehicleServices.map((s) => mmpVehicleCacheKey(mmp, s, plate));

/**
 * `mmp.vehicle(service, plate)` through the cache. `plate` is the normalised plate (the key);
 * `wirePlate` is what MMP is sent (displayPlate form).
 */
export function cachedMmpVehicle(mmp: MmpClient, cache: VendorCache<unknown> | undefined) {
  return <S extends MmpVehicleService>(service: S, plate: string, wirePlate: string): Promise<MmpVehicleServices[S]> =>
    cache ? (cache.get(mmpVehicleCacheKey(mmp, service, plate), () => mmp.vehicle(service, wirePlate)) as Promise<MmpVehicleServices[S]>) : mmp.vehicle(service, wirePlate);
}
