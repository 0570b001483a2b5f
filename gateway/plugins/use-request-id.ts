import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { ExecutionResult } from 'graphql';
import { REQUEST_ID_HEADER, enterRequestContext, requestIdFrom } from '../../platform/request-context';
import { withSubscriptionHeaders } from '../subscription-transport';

/**
 * One request id per client request, followed through every process: a sane incoming `x-request-id` is
 * kept (anything else is replaced by a UUID, so a caller cannot forge log lines or headers), every log
 * line the gateway writes for the request carries it (request context), it is forwarded to every
 * subgraph call in `x-request-id` (as a header over HTTP, in the subscribe message's `extensions.headers`
 * over graphql-ws), returned in the response header and in every error's `extensions.requestId`.
 * Replaces the runtime's built-in request id (`requestId: false` in
 * create-gateway.ts), which trusts any incoming value and stops at the header.
 */
export function useRequestId(): GatewayPlugin {
  const ids = new WeakMap<Request, string>();
  // The errors keep their identity (GraphQLError instances): the runtime derives the HTTP status from what
  // kind of error each one is, so only their extensions are replaced.
  const withId = (result: ExecutionResult, requestId: string): ExecutionResult => {
    for (const e of result.errors ?? []) {
      const extensions = { ...e.extensions, requestId };
      if (Object.isFrozen(e)) continue;
      Object.defineProperty(e, 'extensions', { value: extensions, enumerable: true, writable: true, configurable: true });
    }
    return result;
  };
  const requestIdOf = (context: unknown) => {
    const ctx = context as { request?: Request; requestId?: string } | undefined;
    return ctx?.requestId ?? (ctx?.request && ids.get(ctx.request));
  };
  return {
    onRequest({ request }) {
      const requestId = requestIdFrom(request.headers.get(REQUEST_ID_HEADER));
      ids.set(request, requestId);
      // for the rest of this request's asynchronous flow: plugins, execution, subgraph fetches
      enterRequestContext({ requestId });
    },
    // Every operation carries its id in its context: an HTTP one the id of its request; a graphql-ws one
    // (no HTTP request of its own, one socket carries many operations) a sane `extensions.requestId` of
    // its subscribe message, otherwise a new UUID.
    onContextBuilding({ context, extendContext }) {
      const ctx = context as { request?: Request; requestId?: string; params?: { extensions?: { requestId?: unknown } } };
      if (ctx.requestId) return;
      const fromClient = ctx.params?.extensions?.requestId;
      extendContext({ requestId: (ctx.request && ids.get(ctx.request)) ?? requestIdFrom(typeof fromClient === 'string' ? fromClient : undefined) } as never);
    },
    // …and every subgraph call carries it: a fetch in its header (added to the fetch itself, after the
    // runtime merged identical in-flight queries, which an id per request would otherwise keep apart);
    // a subscription, on a graphql-ws socket shared by many, in its subscribe message's `extensions.headers`
    // like the caller header (the subgraph: platform/subscription-server.ts).
    onFetch({ context, options, setOptions }) {
      const requestId = requestIdOf(context);
      if (requestId) setOptions({ ...options, headers: { ...(options.headers as Record<string, string> | undefined), [REQUEST_ID_HEADER]: requestId } });
    },
    onSubgraphExecute({ executionRequest, setExecutionRequest }) {
      const requestId = requestIdOf(executionRequest.context);
      const withId = requestId && withSubscriptionHeaders(executionRequest, (headers) => void (headers[REQUEST_ID_HEADER] = requestId));
      if (withId) setExecutionRequest(withId);
    },
    onResultProcess({ request, result }) {
      const requestId = ids.get(request);
      if (!requestId) return;
      if (Array.isArray(result)) for (const r of result) withId(r as ExecutionResult, requestId);
      else if (result && typeof result === 'object' && 'errors' in result) withId(result as ExecutionResult, requestId);
    },
    onResponse({ request, response }) {
      const requestId = ids.get(request);
      if (requestId) response.headers.set(REQUEST_ID_HEADER, requestId);
    },
  };
}
