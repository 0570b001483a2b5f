import type { CustomerConnectClient } from '../../vendors/customerconnect/client';
import type { CapacityLoaders } from './loaders';

/** Per request: the loaders (so batching and caching never span two callers) and the vendor client for writes. */
export interface CapacityContext {
  loaders: CapacityLoaders;
  customerConnect: CustomerConnectClient;
}
