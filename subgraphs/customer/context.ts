import type { AccessContext } from '../../platform/access-directives';
import type { MmpAdherentsClient } from '../../vendors/mmp/adherents-client';
import type { ImportIdempotency } from './import-idempotency';
import type { CustomerClients, CustomerLoaders } from './loaders';
import type { ZipLimits } from './zip-inspect';

/** Per request: loaders live and die with the request. */
export interface CustomerContext extends AccessContext {
  loaders: CustomerLoaders;
  clients: CustomerClients;
  adherents: MmpAdherentsClient;
  importLimits: ZipLimits;
  /** idempotency keys of the ZIP import */
  importKeys: ImportIdempotency;
}
