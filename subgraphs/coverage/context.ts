import type { CallerIdentity, VerifyFailure } from '../../platform/caller-identity';
import type { Feasibility } from './feasibility';
import type { CoverageLoaders } from './loaders';
import type { Reservations } from './reservations';
import type { CoverageStore } from './store';

/** Per request: fresh loaders; the services and the store are shared by every request of the process. */
export interface CoverageContext {
  loaders: CoverageLoaders;
  feasibility: Feasibility;
  reservations: Reservations;
  store: CoverageStore;
  now: () => Date;
  /** the caller the gateway authenticated (signed header); undefined when none or forged */
  caller?: CallerIdentity;
  /** why a present caller header was refused (the request then gets nothing) */
  callerProblem?: VerifyFailure;
}
