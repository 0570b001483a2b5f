import { EventEmitter } from 'node:events';
import {
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  circuitBreaker,
  handleWhen,
  retry,
  type CircuitBreakerPolicy,
  type IBackoff,
  type IBackoffFactory,
  type IRetryBackoffContext,
  type RetryPolicy,
} from 'cockatiel';

/**
 * Retry and circuit-breaker policies for vendor calls, built on cockatiel (retry with decorrelated-jitter
 * exponential backoff, a consecutive-failure breaker with a half-open probe). Only the parts cockatiel
 * does not know are ours: which answers are transient, `Retry-After`, and the caller's budget.
 */

export interface RetryOptions {
  /** retries after the first attempt (0 = never retry) */
  maxRetries: number;
  /** first backoff delay, ms (cockatiel's decorrelated jitter grows it from there) */
  initialDelayMs: number;
  /** ceiling of one backoff delay, ms (a longer `Retry-After` is still honoured within the budget) */
  maxDelayMs: number;
}

export interface BreakerOptions {
  /** consecutive failures (connection errors, timeouts, 5xx) that open the circuit */
  threshold: number;
  /** how long the circuit stays open before one probe call is let through (half-open) */
  halfOpenAfterMs: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';
export interface BreakerStateChange {
  vendor: string;
  baseUrl: string;
  state: BreakerState;
}

const stateName: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};
export const breakerStateName = (s: CircuitState) => stateName[s];

/**
 * Every breaker's state changes, process-wide (`'state'` events with a BreakerStateChange), for whoever
 * exports them as a gauge; each client's `onBreakerStateChange` option gets its own as well.
 */
export const breakerEvents = new EventEmitter<{ state: [BreakerStateChange] }>();

/** Statuses worth another try for an idempotent read. 500 is the vendor's own answer to this request, not retried. */
export const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
/** Statuses that count against the vendor's breaker (rate limiting does not: the vendor is there). */
export const isBreakerFailureStatus = (status: number) => status >= 500;

/** `Retry-After` in ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\s*\d+\s*$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * cockatiel's exponential backoff, but never shorter than the vendor's `Retry-After` and never past
 * `deadline` (the caller's budget; the predicate has already refused a retry whose wait would not fit).
 */
export function retryAfterAwareBackoff(exp: IBackoffFactory<unknown>, headersOf: (value: unknown) => Record<string, string | string[] | undefined> | undefined, deadline: number): IBackoffFactory<IRetryBackoffContext<unknown>> {
  const from = (prev: IBackoff<unknown> | undefined): IBackoffFactory<IRetryBackoffContext<unknown>> => ({
    next(ctx) {
      const e = prev ? prev.next(ctx) : exp.next(ctx);
      const asked = 'value' in ctx.result ? retryAfterMs(headersOf(ctx.result.value)?.['retry-after']) : undefined;
      const duration = Math.max(0, Math.min(Math.max(e.duration, asked ?? 0), deadline - Date.now()));
      return { duration, next: from(e).next };
    },
  });
  return from(undefined);
}

/** One breaker per vendor client: shared by every call, reporting its state changes. */
export function createBreaker(opts: BreakerOptions, isFailure: (err: unknown) => boolean, isFailureResult: (value: unknown) => boolean, onState: (s: BreakerState) => void): CircuitBreakerPolicy {
  const breaker = circuitBreaker(handleWhen(isFailure).orWhenResult(isFailureResult), {
    halfOpenAfter: opts.halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(opts.threshold),
  });
  breaker.onStateChange((s) => onState(stateName[s]));
  return breaker;
}

/**
 * A retry policy for one call (it closes over that call's deadline, so it is built per call; cockatiel
 * policies are a few small objects). `retryResult` decides whether an HTTP answer is retried.
 */
export function createRetry(opts: RetryOptions, retryError: (err: unknown) => boolean, retryResult: (value: unknown) => boolean, headersOf: (value: unknown) => Record<string, string | string[] | undefined> | undefined, deadline: number): RetryPolicy {
  return retry(handleWhen(retryError).orWhenResult(retryResult), {
    maxAttempts: opts.maxRetries,
    backoff: retryAfterAwareBackoff(new ExponentialBackoff({ initialDelay: opts.initialDelayMs, maxDelay: opts.maxDelayMs }), headersOf, deadline),
  });
}
