import { z } from 'zod';

/** Faults a sandbox injects into its vendor routes, for tests and benchmarks. */
export const faultsSchema = z
  .object({
    /** added to every vendor call, token calls included */
    latencyMs: z.number().int().min(0).max(120_000).default(0),
    /** share of data calls answered with the vendor's 500 error (0..1), spread evenly, not randomly */
    errorRate: z.number().min(0).max(1).default(0),
    /** share of data calls answered 200 with a truncated, unparsable JSON body (0..1) */
    malformedRate: z.number().min(0).max(1).default(0),
    /** share of token calls that fail with the vendor's 500 error (0..1) */
    tokenErrorRate: z.number().min(0).max(1).default(0),
    /** share of data calls answered 429 with `Retry-After: retryAfterS` (0..1) */
    rateLimitRate: z.number().min(0).max(1).default(0),
    /** the `Retry-After` of an injected 429 or 503, in seconds */
    retryAfterS: z.number().int().min(0).max(3600).default(1),
    /** share of data calls answered 503 with `Retry-After` (0..1) */
    unavailableRate: z.number().min(0).max(1).default(0),
    /** share of data calls whose connection is reset (TCP RST) without an answer (0..1) */
    resetRate: z.number().min(0).max(1).default(0),
    /** every data answer sends its headers and first half, then waits this long before the rest */
    slowBodyMs: z.number().int().min(0).max(120_000).default(0),
  })
  .strict();
export type Faults = z.infer<typeof faultsSchema>;

/**
 * Decides which call gets a fault. Evenly spread (an error accumulator) instead of random, so that a test
 * asking for rate 0.5 sees exactly every second call fail.
 */
export function createFaultGate() {
  const acc = new Map<string, number>();
  return {
    hit(name: string, rate: number): boolean {
      if (rate <= 0) return false;
      const next = (acc.get(name) ?? 0) + rate;
      if (next >= 1 - 1e-9) {
        acc.set(name, next - 1);
        return true;
      }
      acc.set(name, next);
      return false;
    },
    reset() {
      acc.clear();
    },
  };
}
