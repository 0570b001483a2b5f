import type { VehicleLoaders } from './loaders';

/** Per request: loaders never outlive the request that made them, so no vehicle data leaks across callers. */
export interface VehicleContext {
  loaders: VehicleLoaders;
}
