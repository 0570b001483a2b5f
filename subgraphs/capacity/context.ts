import type { CustomerConnectClient } from '../../vendors/customerconnect/client';
import type { AccessContext } from '../../platform/access-directives';
import type { CapacityLoaders } from './loaders';

/** Per request: the loaders (so batching and caching never span two callers) and the vendor client for writes. */
export interface CapacityContext extends AccessContext {
  loaders: CapacityLoaders;
  customerConnect: CustomerConnectClient;
}
