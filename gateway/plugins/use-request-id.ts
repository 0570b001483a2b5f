import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { isSubscription, withHeaders } from '../subscription-transport';
import type { ExecutionResult } from 'graphql';
import { REQUEST_ID_HEADER, enterRequestContext, requestIdFrom } from '../../platform/request-context';

/**
 * One request id per client request, followed through every process: a sane incoming `x-request-id` is
 * kept (anything else is replaced by a UUID, so a caller cannot forge log lines or headers), every log
 * line the gateway writes for the request carries it (request context), it is forwarded to every
 * subgraph fetch in `x-request-id`, returned in the response header and in every error's
 * `extensions.requestId`. Replaces the runtime's built-in request id (`requestId: false` in
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
    onFetch({ context, options, setOptions }) {
      const request = (context as { request?: Request } | undefined)?.request;
      const requestId = request && ids.get(request);
      if (requestId) setOptions({ ...options, headers: { ...(options.headers as Record<string, string> | undefined), [REQUEST_ID_HEADER]: requestId } });
    },
    // An HTTP request's subgraph fetches get the header above, added after the runtime merged identical
    // in-flight queries (an id per request would keep them apart). A subscription, on a graphql-ws socket
    // shared by many, and every operation of a graphql-ws client (no HTTP request) carry it in
    // `extensions.headers` instead, like the caller header: the subscribe message, or headers over HTTP.
    onSubgraphExecute({ executionRequest, setExecutionRequest }) {
      const ctx = executionRequest.context as { request?: Request; requestId?: string } | undefined;
      if (!ctx?.requestId || (ctx.request && !isSubscription(executionRequest))) return;
      setExecutionRequest(withHeaders(executionRequest, { [REQUEST_ID_HEADER]: ctx.requestId }));
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
