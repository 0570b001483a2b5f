import type { Config } from '../config';
import type { Faults } from './faults';

/** The faults a sandbox process starts with, from SANDBOX_* variables (the admin call changes them later). */
export const sandboxFaultsFromConfig = (c: Config): Partial<Faults> => ({
  latencyMs: c.SANDBOX_LATENCY_MS,
  errorRate: c.SANDBOX_ERROR_RATE,
  malformedRate: c.SANDBOX_MALFORMED_RATE,
});
