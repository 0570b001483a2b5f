import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { RateLimiter } from '../../platform/rate-limit';
import { PUSH_PATH } from '../../vendors/carsys/paths';
import { clientAddress } from '../client-address';
import { declaredLengthProblem, forwardToService, socketAddressOf } from '../forward';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../vendors/carsys/signature';

/**
 * Makes the Customer service's Carsys push receiver (`/carsys/dealers/{dealerId}/work-orders`) reachable
 * on the gateway's host too, so a dealer is given one public origin, as Vitec is for `/vitec/order`. A thin
 * forward: the body is passed on byte for byte (the HMAC covers the exact bytes) with the content type and
 * the signature and timestamp headers; the receiver checks everything itself and its answer comes back
 * unchanged. The body needs a Content-Length within `maxBodyBytes` (411/413 before it is read) and is read
 * at most that far; the Customer service down or hung is a 503 with Retry-After, so the DMS pushes again
 * (storing is idempotent). Pushes per source address are limited (`perAddress` per window, then 429 with
 * Retry-After) before anything is read or forwarded.
 */
export function useCarsysPush(opts: {
  customerServiceOrigin: string;
  maxBodyBytes: number;
  timeoutMs?: number;
  limits?: { limiter: RateLimiter; perAddress: number; trustedProxyHops?: number };
}): GatewayPlugin {
  const origin = new URL(opts.customerServiceOrigin).origin;
  const pass = ['content-type', TIMESTAMP_HEADER, SIGNATURE_HEADER, 'user-agent'];
  const back = ['content-type', 'cache-control', 'retry-after', 'allow'];
  return {
    async onRequest({ request, url, serverContext, endResponse, fetchAPI }) {
      if (!PUSH_PATH.test(url.pathname)) return;
      const json = (status: number, error: string, message: string, headers: Record<string, string> = {}) =>
        endResponse(new fetchAPI.Response(JSON.stringify({ error, message }), { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers } }));
      if (opts.limits) {
        const hit = await opts.limits.limiter.hit(`addr:${clientAddress(request.headers, socketAddressOf(serverContext), opts.limits.trustedProxyHops ?? 0)}`, opts.limits.perAddress);
        if (!hit.allowed) return json(429, 'rate_limited', 'too many pushes from this address; push again later', { 'retry-after': String(hit.retryAfterS) });
      }
      if (request.method !== 'POST') return json(405, 'method_not_allowed', 'use POST', { allow: 'POST' });
      const problem = declaredLengthProblem(request, opts.maxBodyBytes);
      if (problem?.status === 411) return json(411, 'length_required', 'send the work order with a Content-Length header');
      if (problem?.status === 400) return json(400, 'invalid_body', 'Content-Length is not a byte count');
      if (problem) return json(413, 'too_large', `body larger than ${opts.maxBodyBytes} bytes`);
      const body = new Uint8Array(await request.arrayBuffer());
      if (body.byteLength > opts.maxBodyBytes) return json(413, 'too_large', `body larger than ${opts.maxBodyBytes} bytes`);
      try {
        endResponse(await forwardToService(fetchAPI, request, `${origin}${url.pathname}`, { body, pass, back, timeoutMs: opts.timeoutMs ?? 10_000 }));
      } catch {
        json(503, 'store_unavailable', 'the work-order service is unavailable; push it again', { 'retry-after': '5' });
      }
    },
  };
}
