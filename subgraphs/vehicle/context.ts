import type { AccessContext } from '../../platform/access-directives';
import type { VehicleLoaders } from './loaders';

/**
 * Per client operation: loaders never outlive the operation (and caller) that made them, so no vehicle data
 * leaks across callers or requests; the gateway's fetches of one operation share them (see createRequestLoaders).
 * The cross-request vendor cache below them holds raw MMP answers only; every field's access rule is
 * checked per request whether its data came from MMP or from that cache.
 */
export interface VehicleContext extends AccessContext {
  loaders: VehicleLoaders;
}
