import type { AccessContext } from '../../platform/access-directives';
import type { VehicleLoaders } from './loaders';

/**
 * Per request: loaders (and what they resolved for this caller) never outlive the request that made them.
 * The cross-request vendor cache below them holds raw MMP answers only; every field's access rule is
 * checked per request whether its data came from MMP or from that cache.
 */
export interface VehicleContext extends AccessContext {
  loaders: VehicleLoaders;
}
