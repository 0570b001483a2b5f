import { z } from 'zod';
import { envVar, nonNegativeInt } from './define';

const rate = z.coerce.number().min(0).max(1).default(0);

/** Faults every sandbox process starts with; `POST /__sandbox/faults` changes them at run time. */
export const sandboxEnv = {
  SANDBOX_LATENCY_MS: envVar(nonNegativeInt(0), 'Latency a vendor sandbox adds to every vendor call, in milliseconds'),
  SANDBOX_ERROR_RATE: envVar(rate, 'Share of sandbox data calls answered with the vendor 500 error (0..1)'),
  SANDBOX_MALFORMED_RATE: envVar(rate, 'Share of sandbox data calls answered with a truncated JSON body (0..1)'),
  SANDBOX_RATE_LIMIT_RATE: envVar(rate, 'Share of sandbox data calls answered 429 with Retry-After (0..1)'),
  SANDBOX_RETRY_AFTER_S: envVar(nonNegativeInt(1), 'Retry-After of the sandbox\'s injected 429 and 503 answers, in seconds'),
  SANDBOX_UNAVAILABLE_RATE: envVar(rate, 'Share of sandbox data calls answered 503 with Retry-After (0..1)'),
  SANDBOX_RESET_RATE: envVar(rate, 'Share of sandbox data calls whose connection is reset without an answer (0..1)'),
  SANDBOX_SLOW_BODY_MS: envVar(nonNegativeInt(0), 'The sandbox sends half of every data answer, waits this long, then the rest (milliseconds)'),
};
