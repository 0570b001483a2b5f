import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { RateLimiter } from '../../platform/rate-limit';
import { clientAddress } from '../client-address';

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
        const socket = (serverContext as { req?: { socket?: { remoteAddress?: string } } } | undefined)?.req?.socket?.remoteAddress;
        const address = clientAddress(request.headers, socket, opts.limits.trustedProxyHops ?? 0);
        const office = (url.searchParams.get('customerId') ?? '').slice(0, 64);
        const byAddress = await opts.limits.limiter.hit(`addr:${address}`, opts.limits.perAddress);
        const byOffice = byAddress.allowed ? await opts.limits.limiter.hit(`office:${office}`, opts.limits.perOffice) : byAddress;
        if (!byAddress.allowed || !byOffice.allowed) {
          const retry = String(Math.max(byAddress.retryAfterS, byOffice.retryAfterS));
          return text(429, 'Too many order requests; please try again later.', { 'retry-after': retry });
        }
      }
      const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
      const declared = request.headers.get('content-length');
      if (hasBody && declared === null) return text(411, 'Send the order request with a Content-Length header.');
      if (hasBody && Number(declared) > (opts.maxBodyBytes ?? 64 * 1024)) return text(413, 'The order request is too large.');
      const headers: Record<string, string> = {};
      for (const h of pass) {
        const v = request.headers.get(h);
        if (v) headers[h] = v;
      }
      try {
        const res = await fetch(`${origin}${path}${url.search}`, {
          method: request.method,
          headers,
          body: request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.text(),
          redirect: 'manual',
          signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
        });
        const out = new fetchAPI.Headers();
        for (const h of back) {
          const v = res.headers.get(h);
          if (v) out.set(h, v);
        }
        endResponse(new fetchAPI.Response(await res.text(), { status: res.status, headers: out }));
      } catch {
        endResponse(new fetchAPI.Response('Order service unavailable; please try again.', { status: 503, headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' } }));
      }
    },
  };
}
