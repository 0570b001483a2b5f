import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { ExecutionResult, GraphQLError } from 'graphql';

/**
 * For Hive Router's query planner (`GATEWAY_QUERY_PLANNER=rust`) only. Its runtime executes a subscription
 * with one execution context for all events (`@graphql-hive/router-runtime` `executeQueryPlan`): an event
 * whose `data` is null (Order's last `EVENTS_INTERRUPTED`) keeps the previous event's data
 * (`executeFetchPlanNode`: `if (!responseData) return`), and every event carries the errors of all the
 * events before it; when the subgraph's stream fails (its socket lost), the error goes out with the previous
 * event's data, which a client takes for that event once more. Here each event the gateway sends is made to
 * match the subgraph's event it comes from: `data` null when the subgraph's was or when there is none (the
 * stream failed), and only the errors not sent before. Placed before the shared
 * subscriptions plugin, so a shared channel's one execution is the one corrected.
 */
export function useSubscriptionEvents(): GatewayPlugin {
  const lastUpstream = new WeakMap<object, ExecutionResult>();
  return {
    onSubgraphExecute({ executionRequest }) {
      const ctx = executionRequest.context as object | undefined;
      if (!ctx || executionRequest.operationType !== 'subscription') return;
      return () => ({
        onNext({ result }) {
          lastUpstream.set(ctx, result as ExecutionResult);
        },
      });
    },
    onSubscribe({ subscribeFn, setSubscribeFn }) {
      setSubscribeFn(async (a) => {
        const source = await subscribeFn(a);
        const ctx = a.contextValue as object | undefined;
        if (!ctx || !source || !(Symbol.asyncIterator in (source as object))) return source;
        const it = (source as AsyncIterable<ExecutionResult>)[Symbol.asyncIterator]();
        const sent = new WeakSet<GraphQLError>();
        const fix = (r: ExecutionResult): ExecutionResult => {
          // the subgraph's event this one comes from; none when the subgraph's stream failed (its socket
          // lost: an Order replica killed), which the runtime reports with the previous event's data
          const upstream = lastUpstream.get(ctx);
          lastUpstream.delete(ctx);
          const errors = r.errors?.filter((e) => !sent.has(e));
          for (const e of errors ?? []) sent.add(e);
          const out: ExecutionResult = { ...r, ...(!upstream || upstream.data == null ? { data: null } : {}) };
          if (errors?.length) out.errors = errors;
          else delete (out as { errors?: unknown }).errors;
          return out;
        };
        const mapped: AsyncIterableIterator<ExecutionResult> = {
          next: () => it.next().then((r) => (r.done ? r : { done: false, value: fix(r.value) })),
          return: (value?: unknown) => (it.return ? it.return(value) : Promise.resolve({ done: true as const, value })),
          throw: (err?: unknown) => (it.throw ? it.throw(err) : Promise.reject(err)),
          [Symbol.asyncIterator]() {
            return this;
          },
        };
        return mapped;
      });
    },
  };
}
