import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';

/**
 * `GET /` in a browser: Apollo Sandbox embedded and pointed at this gateway's HTTP and WebSocket
 * endpoints, so a developer can explore the supergraph and try subscriptions without installing anything.
 */
export function renderSandboxPage(httpUrl: string, wsUrl: string): string {
  const config = JSON.stringify({ initialEndpoint: httpUrl, initialSubscriptionEndpoint: wsUrl });
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>Switchboard — Apollo Sandbox</title>
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <style>html, body, #sandbox { height: 100%; margin: 0; } body { font-family: system-ui, sans-serif; }
  noscript { display: block; padding: 2rem; }</style>
</head>
<body>
  <noscript>Switchboard's GraphQL endpoint is <code>${httpUrl}</code> (subscriptions: <code>${wsUrl}</code>).</noscript>
  <div id="sandbox"></div>
  <script src="https://embeddable-sandbox.cdn.apollographql.com/_latest/embeddable-sandbox.umd.production.min.js"></script>
  <script>
    const cfg = ${config};
    new window.EmbeddedSandbox({
      target: '#sandbox',
      initialEndpoint: cfg.initialEndpoint,
      initialSubscriptionEndpoint: cfg.initialSubscriptionEndpoint,
      runtime: 'graphql-ws',
      includeCookies: false,
    });
  </script>
</body>
</html>`;
}

export function useSandboxLandingPage(opts: { publicUrl: (request: Request) => string }): GatewayPlugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET' || url.pathname !== '/') return;
      const base = opts.publicUrl(request).replace(/\/+$/, '');
      const httpUrl = `${base}/graphql`;
      const wsUrl = httpUrl.replace(/^http/, 'ws');
      endResponse(new fetchAPI.Response(renderSandboxPage(httpUrl, wsUrl), { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' } }));
    },
  };
}
