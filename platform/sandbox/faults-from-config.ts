import type { Config } from '../config';
import type { Faults } from './faults';

/** The faults a sandbox process starts with, from SANDBOX_* variables (the admin call changes them later). */
export const sandboxFaultsFromConfig = (c: Config): Partial<Faults> => ({
  latencyMs: c.SANDBOX_LATENCY_MS,
  errorRate: c.SANDBOX_ERROR_RATE,
  malformedRate: c.SANDBOX_MALFORMED_RATE,
  rateLimitRate: c.SANDBOX_RATE_LIMIT_RATE,
  retryAfterS: c.SANDBOX_RETRY_AFTER_S,
  unavailableRate: c.SANDBOX_UNAVAILABLE_RATE,
  resetRate: c.SANDBOX_RESET_RATE,
  slowBodyMs: c.SANDBOX_SLOW_BODY_MS,
});
