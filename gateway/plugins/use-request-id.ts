import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
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
  const withId = (result: ExecutionResult, requestId: string): ExecutionResult =>
    result.errors?.length
      ? {
          ...result,
          errors: result.errors.map((e) => {
            const json = typeof (e as { toJSON?: () => object }).toJSON === 'function' ? (e as unknown as { toJSON(): Record<string, unknown> }).toJSON() : (e as unknown as Record<string, unknown>);
            return { ...json, extensions: { ...(json.extensions as object | undefined), requestId } } as never;
          }),
        }
      : result;
  return {
    onRequest({ request }) {
      const requestId = requestIdFrom(request.headers.get(REQUEST_ID_HEADER));
      ids.set(request, requestId);
      // for the rest of this request's asynchronous flow: plugins, execution, subgraph fetches
      enterRequestContext({ requestId });
    },
    onFetch({ context, options, setOptions }) {
      const request = (context as { request?: Request } | undefined)?.request;
      const requestId = request && ids.get(request);
      if (requestId) setOptions({ ...options, headers: { ...(options.headers as Record<string, string> | undefined), [REQUEST_ID_HEADER]: requestId } });
    },
    onResultProcess({ request, result, setResult }) {
      const requestId = ids.get(request);
      if (!requestId) return;
      if (Array.isArray(result)) setResult(result.map((r) => withId(r as ExecutionResult, requestId)) as never);
      else if (result && typeof result === 'object' && 'errors' in result) setResult(withId(result as ExecutionResult, requestId) as never);
    },
    onResponse({ request, response }) {
      const requestId = ids.get(request);
      if (requestId) response.headers.set(REQUEST_ID_HEADER, requestId);
    },
  };
}
