import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The budget of the request a subgraph is serving, visible to every vendor call made on its behalf
 * without threading a signal through each resolver, loader and client: the subgraph server runs the
 * request inside `runInCallScope`, and `platform/http-client` reads `currentCallScope()`.
 *
 * - `signal` aborts when the caller is gone (the gateway closed the connection because its client left)
 *   or when the budget is spent (reason: a `TimeoutError` DOMException).
 * - `deadline` is the epoch ms by which the answer must be out; vendor calls never wait past it.
 */
export interface CallScope {
  signal: AbortSignal;
  deadline?: number;
}

/**
 * The remaining budget of the operation, in milliseconds, sent by the gateway with every subgraph call
 * (relative like gRPC's `grpc-timeout`, so the hosts' clocks need not agree).
 */
export const BUDGET_HEADER = 'x-switchboard-budget-ms';

const storage = new AsyncLocalStorage<CallScope>();

export const currentCallScope = (): CallScope | undefined => storage.getStore();
export const runInCallScope = <T>(scope: CallScope, fn: () => T): T => storage.run(scope, fn);

const neverAborted = new AbortController().signal;

/**
 * Runs `fn` outside the current caller's abort: for work shared by several requests (a token fetch, a
 * cache refresh) that must not fail them all because the one that started it went away. The deadline is
 * kept when `keepDeadline` is set (a write that should finish for the caller's retry, within its budget).
 */
export function detachedFromCaller<T>(fn: () => T, keepDeadline = false): T {
  const scope = storage.getStore();
  if (!scope) return fn();
  if (!keepDeadline || scope.deadline === undefined) return storage.run({ signal: neverAborted }, fn);
  const left = Math.max(0, scope.deadline - Date.now());
  return storage.run({ signal: AbortSignal.timeout(left), deadline: scope.deadline }, fn);
}

/** Milliseconds left before the scope's deadline (Infinity without one). */
export const remainingMs = (scope: CallScope | undefined, now = Date.now()): number => (scope?.deadline === undefined ? Infinity : scope.deadline - now);

export const isTimeoutReason = (reason: unknown) => (reason as { name?: string } | null)?.name === 'TimeoutError';

/**
 * The scope of one incoming HTTP request: aborted when the response closes before it was finished
 * (the caller went away) or when the budget from `BUDGET_HEADER` runs out. `maxBudgetMs` bounds what a
 * caller may ask for. Call `dispose()` when the response is done (it clears the timer).
 */
export function callScopeForRequest(req: IncomingMessage, res: ServerResponse, maxBudgetMs: number): { scope: CallScope; dispose(): void } {
  const controller = new AbortController();
  const raw = req.headers[BUDGET_HEADER];
  const asked = typeof raw === 'string' ? Number(raw) : NaN;
  let timer: NodeJS.Timeout | undefined;
  let deadline: number | undefined;
  if (Number.isFinite(asked) && asked >= 0) {
    const budget = Math.min(asked, maxBudgetMs);
    deadline = Date.now() + budget;
    timer = setTimeout(() => controller.abort(new DOMException(`budget of ${budget} ms spent`, 'TimeoutError')), budget);
    timer.unref();
  }
  const onClose = () => {
    if (!res.writableFinished) controller.abort(new DOMException('the caller closed the request', 'AbortError'));
  };
  res.once('close', onClose);
  return {
    scope: { signal: controller.signal, deadline },
    dispose() {
      if (timer) clearTimeout(timer);
    },
  };
}
