import type { AccessContext } from '../../platform/access-directives';
import type { VehicleLoaders } from './loaders';

/** Per request: loaders never outlive the request that made them, so no vehicle data leaks across callers. */
export interface VehicleContext extends AccessContext {
  loaders: VehicleLoaders;
}
