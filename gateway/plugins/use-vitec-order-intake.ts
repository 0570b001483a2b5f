import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';

/**
 * Makes the Order service's Vitec order URL reachable on the gateway's host too (`/vitec/order`), so one
 * public origin serves both the supergraph and the URL registered with Vitec. The request is passed on as
 * is (query string, Authorization for basic-auth customers, body) and the Order service's answer returned
 * unchanged; when the Order service is down Vitec gets a 503 and opens the URL again later.
 */
export function useVitecOrderIntake(opts: { orderServiceOrigin: string; path?: string; timeoutMs?: number }): GatewayPlugin {
  const path = opts.path ?? '/vitec/order';
  const origin = new URL(opts.orderServiceOrigin).origin;
  const pass = ['authorization', 'accept', 'content-type', 'user-agent'];
  const back = ['content-type', 'cache-control', 'www-authenticate', 'x-switchboard-order-id', 'allow'];
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== path) return;
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
