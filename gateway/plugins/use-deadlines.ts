import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { getOperationAST } from 'graphql';
import { BUDGET_HEADER } from '../../platform/call-scope';

export interface DeadlineOptions {
  /** budget of a query (every subgraph call of it, end to end), ms */
  queryBudgetMs: number;
  /** budget of a mutation: long enough for the slowest vendor chain a mutation runs (MMP ZIP import, capacity publishing) */
  mutationBudgetMs: number;
}

/** The abort reason's message when an operation's budget is spent. */
export const DEADLINE_REASON = 'the operation ran out of its budget of';

/** Contexts of operations whose budget is spent: `use-subgraph-errors` codes their aborted calls UPSTREAM_TIMEOUT. */
const expired = new WeakSet<object>();
export const deadlineExpired = (context: unknown) => typeof context === 'object' && context !== null && expired.has(context);

interface Deadline {
  controller: AbortController;
  deadline: number;
}

/**
 * What the subgraph is told it has: the remaining budget less a margin, so that a subgraph whose vendor is
 * slow answers with its partial data and coded errors before the gateway stops waiting for it.
 */
export const subgraphBudget = (remainingMs: number) => Math.max(0, Math.floor(remainingMs - Math.min(1_000, Math.max(100, remainingMs * 0.05))));

/**
 * One deadline per operation instead of the runtime's per-subgraph-call `upstreamTimeout` (whose
 * `AbortSignal.timeout` + `AbortSignal.any` + race per call cost a quarter of the gateway's throughput):
 * when the operation starts, one AbortController, one timer and one listener on the client's request;
 * every subgraph fetch of the operation gets that controller's signal (in place of the executor's own,
 * which only serves disposal) and the remaining budget in `x-switchboard-budget-ms`. The signal aborts when the budget is spent (reason `TimeoutError`, coded
 * UPSTREAM_TIMEOUT by `use-subgraph-errors`) or when the client goes away (the subgraph sees its request
 * closed and aborts its vendor calls). Subscriptions get no deadline; the entity fetches their events
 * make get the query budget each.
 */
export function useDeadlines(opts: DeadlineOptions): GatewayPlugin {
  const byContext = new WeakMap<object, Deadline>();
  return {
    onExecute({ args }) {
      const operation = getOperationAST(args.document, args.operationName)?.operation;
      if (!operation || operation === 'subscription') return;
      const budget = operation === 'mutation' ? opts.mutationBudgetMs : opts.queryBudgetMs;
      const controller = new AbortController();
      const clientSignal = (args.contextValue as { request?: Request }).request?.signal;
      const onClientGone = () => controller.abort(clientSignal?.reason ?? new DOMException('the client closed the request', 'AbortError'));
      clientSignal?.addEventListener('abort', onClientGone, { once: true });
      const context = args.contextValue as object;
      const timer = setTimeout(() => {
        expired.add(context);
        controller.abort(new DOMException(`${DEADLINE_REASON} ${budget} ms`, 'TimeoutError'));
      }, budget);
      byContext.set(context, { controller, deadline: Date.now() + budget });
      return {
        onExecuteDone() {
          clearTimeout(timer);
          clientSignal?.removeEventListener('abort', onClientGone);
          byContext.delete(context);
        },
      };
    },
    // At the fetch, not per subgraph execution: executor-http combines an execution request's signal with its
    // own (AbortSignal.any with listeners and weak refs, per call); here the operation's signal simply takes
    // the place of the executor's, and the header goes into the headers object it already built.
    onFetch({ context, options, executionRequest }) {
      if (executionRequest?.operationType === 'subscription' || options.headers?.accept === 'text/event-stream') return;
      const d = context ? byContext.get(context as object) : undefined;
      let remaining: number;
      if (d) {
        options.signal = d.controller.signal;
        remaining = d.deadline - Date.now();
      } else {
        // An entity fetch for a subscription event (no operation deadline): a budget of its own.
        const timeout = AbortSignal.timeout(opts.queryBudgetMs);
        options.signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
        remaining = opts.queryBudgetMs;
      }
      const headers = (options.headers ??= {}) as Record<string, string>;
      headers[BUDGET_HEADER] = String(subgraphBudget(remaining));
    },
  };
}
