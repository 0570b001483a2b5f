import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { RateLimiter } from '../../platform/rate-limit';
import { clientAddress } from '../client-address';
import { declaredLengthProblem, forwardToService, socketAddressOf } from '../forward';

/** Per office (`customerId`) and per source address: a forged link cannot make us store or verify without bound. */
export interface IntakeRateLimits {
  limiter: RateLimiter;
  perOffice: number;
  perAddress: number;
  /** reverse proxies in front that append to X-Forwarded-For (see client-address.ts) */
  trustedProxyHops?: number;
}

/**
 * Makes the Order service's Vitec order URL reachable on the gateway's host too (`/vitec/order`), so one
 * public origin serves both the supergraph and the URL registered with Vitec. The request is passed on as
 * is (query string, Authorization for basic-auth customers, body) and the Order service's answer returned
 * unchanged; when the Order service is down Vitec gets a 503 and opens the URL again later.
 */
export function useVitecOrderIntake(opts: { orderServiceOrigin: string; path?: string; timeoutMs?: number; limits?: IntakeRateLimits; maxBodyBytes?: number }): GatewayPlugin {
  const path = opts.path ?? '/vitec/order';
  const origin = new URL(opts.orderServiceOrigin).origin;
  const pass = ['authorization', 'accept', 'content-type', 'user-agent'];
  const back = ['content-type', 'cache-control', 'www-authenticate', 'x-switchboard-order-id', 'allow'];
  return {
    async onRequest({ request, url, serverContext, endResponse, fetchAPI }) {
      if (url.pathname !== path) return;
      const text = (status: number, body: string, headers: Record<string, string> = {}) =>
        endResponse(new fetchAPI.Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers } }));
      if (opts.limits) {
        // Counted before the Order service is asked: a refused open stores nothing and verifies nothing.
        const address = clientAddress(request.headers, socketAddressOf(serverContext), opts.limits.trustedProxyHops ?? 0);
        const office = (url.searchParams.get('customerId') ?? '').slice(0, 64);
        const byAddress = await opts.limits.limiter.hit(`addr:${address}`, opts.limits.perAddress);
        const byOffice = byAddress.allowed ? await opts.limits.limiter.hit(`office:${office}`, opts.limits.perOffice) : byAddress;
        if (!byAddress.allowed || !byOffice.allowed) {
          const retry = String(Math.max(byAddress.retryAfterS, byOffice.retryAfterS));
          return text(429, 'Too many order requests; please try again later.', { 'retry-after': retry });
        }
      }
      const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
      const problem = hasBody ? declaredLengthProblem(request, opts.maxBodyBytes ?? 64 * 1024) : undefined;
      if (problem?.status === 411) return text(411, 'Send the order request with a Content-Length header.');
      if (problem?.status === 400) return text(400, 'The Content-Length of the order request is not a byte count.');
      if (problem) return text(413, 'The order request is too large.');
      try {
        endResponse(await forwardToService(fetchAPI, request, `${origin}${path}${url.search}`, { body: hasBody ? await request.text() : undefined, pass, back, timeoutMs: opts.timeoutMs ?? 15_000 }));
      } catch {
        endResponse(new fetchAPI.Response('Order service unavailable; please try again.', { status: 503, headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' } }));
      }
    },
  };
}
