import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Drain } from '../../platform/drain';
import { ErrorCode } from '../../platform/errors';

const DRAINED = Symbol('drained');

/** The `eventId` of the root field of a subscription payload, when the client selected it (to resume after). */
function eventIdOf(result: ExecutionResult | undefined): string | undefined {
  for (const value of Object.values(result?.data ?? {})) {
    const id = (value as { eventId?: unknown } | null)?.eventId;
    if (typeof id === 'string' || typeof id === 'number') return String(id);
  }
  return undefined;
}

/**
 * The last payload of a subscription cut by a drain: EVENTS_INTERRUPTED, the code a client already
 * handles by subscribing again with `afterEventId` (the last `eventId` it received, named in
 * `extensions.resumeAfterEventId` when the subscription selected it).
 */
export function drainedResult(last: ExecutionResult | undefined, why = 'this gateway instance is restarting'): ExecutionResult {
  const resumeAfterEventId = eventIdOf(last);
  return {
    data: null,
    errors: [
      new GraphQLError(`${why}; subscribe again, with afterEventId = the last eventId you received, to get every event after it`, {
        extensions: { code: ErrorCode.EVENTS_INTERRUPTED, retryable: true, ...(resumeAfterEventId ? { resumeAfterEventId } : {}) },
      }),
    ],
  };
}

/**
 * What each live subscription does when the drain begins, in a Set with ONE listener on the signal: an
 * AbortSignal's own listener list is searched on every add and remove, which made subscribing and leaving
 * cost time in the number of live subscriptions.
 */
const drainWaiters = new WeakMap<AbortSignal, Set<() => void>>();
function onDrain(signal: AbortSignal, fn: () => void): () => void {
  let waiters = drainWaiters.get(signal);
  if (!waiters) {
    const all = (waiters = new Set());
    drainWaiters.set(signal, all);
    const wakeAll = () => {
      for (const f of [...all]) f();
      all.clear();
    };
    signal.addEventListener('abort', wakeAll, { once: true });
  }
  waiters.add(fn);
  return () => void waiters.delete(fn);
}
/** Live subscriptions waiting on a drain (for tests). */
export const drainWaiting = (signal: AbortSignal) => drainWaiters.get(signal)?.size ?? 0;

/**
 * `source` until the drain begins, then one `drainedResult` and the end. The source is returned (its
 * upstream subscription closed) when the stream ends either way, or when the client leaves. A source that
 * fails (the subgraph replica serving it died: gateway/subscription-transport.ts does not retry) ends the
 * same way, so the client resumes from the last event it got.
 */
export function drainable(source: AsyncIterable<ExecutionResult>, signal: AbortSignal): AsyncIterableIterator<ExecutionResult> {
  const it = source[Symbol.asyncIterator]();
  let last: ExecutionResult | undefined;
  let done = false;
  // The drain wakes the one `next` that is waiting. (Not `Promise.race` with a promise of the drain: every
  // race would leave a reaction on that promise, holding its event, for as long as the subscription lives.)
  let wake: ((r: typeof DRAINED) => void) | undefined;
  const stopWaiting = onDrain(signal, () => wake?.(DRAINED));
  const finish = async () => {
    if (done) return;
    done = true;
    stopWaiting();
    await it.return?.();
  };
  return {
    async next(): Promise<IteratorResult<ExecutionResult>> {
      if (done) return { value: undefined, done: true };
      let r: IteratorResult<ExecutionResult> | typeof DRAINED;
      try {
        r = signal.aborted
          ? DRAINED
          : await new Promise<IteratorResult<ExecutionResult> | typeof DRAINED>((resolve, reject) => {
              wake = resolve;
              it.next().then(resolve, reject);
            });
      } catch {
        stopWaiting();
        done = true;
        return { value: drainedResult(last, 'the live stream was lost (a subgraph instance went away)'), done: false };
      }
      if (r === DRAINED) {
        if (done) return { value: undefined, done: true };
        void finish().catch(() => undefined);
        return { value: drainedResult(last), done: false };
      }
      wake = undefined;
      if (r.done) {
        done = true;
        stopWaiting();
      } else last = r.value;
      return r;
    },
    async return() {
      await finish();
      return { value: undefined, done: true };
    },
    async throw(err) {
      await finish();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * During a drain (platform/drain.ts) every live subscription — SSE and graphql-ws alike — ends with
 * `drainedResult` and completes, so an SSE stream closes cleanly and the client knows to resume; the
 * process then closes its WebSockets with 1012. New subscriptions are refused the same way.
 */
export function useDrain(drain: Drain): GatewayPlugin {
  return {
    onSubscribe() {
      return {
        onSubscribeResult({ result, setResult }) {
          if (result && typeof (result as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
            setResult(drainable(result as AsyncIterable<ExecutionResult>, drain.signal));
          }
        },
      };
    },
  };
}
