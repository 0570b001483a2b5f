import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { DEV_PARTNER_KEY, type PartnerKey } from '../../platform/config/auth';

/**
 * The developer explorer: GraphiQL (the GraphQL Yoga build the Hive runtime renders) at `GET /graphql` in a
 * browser, with `/` redirecting to it. Every byte comes from the installed `@graphql-yoga/render-graphiql`
 * package and is served by the gateway itself under `/explorer/` — no CDN, so it works offline and under a
 * strict network policy. The page says what went wrong and shows a working curl when JavaScript is off or
 * the explorer cannot start.
 */

/** What `main.ts` decides from the configuration: the explorer off, or on with an optional preloaded key. */
export type ExplorerSetting = false | { apiKey?: string };

/**
 * On in development, off in production unless `GATEWAY_EXPLORER=true`. The development key is preloaded
 * only in development and only when the configured partner keys still accept it.
 */
export function explorerSetting(config: { SWITCHBOARD_ENV: 'development' | 'production'; GATEWAY_EXPLORER?: boolean; PARTNER_KEYS: PartnerKey[] }): ExplorerSetting {
  const production = config.SWITCHBOARD_ENV === 'production';
  if (!(config.GATEWAY_EXPLORER ?? !production)) return false;
  const devKeyHash = createHash('sha256').update(DEV_PARTNER_KEY).digest('hex');
  const devKeyWorks = !production && config.PARTNER_KEYS.some((p) => p.keyHash === devKeyHash);
  return devKeyWorks ? { apiKey: DEV_PARTNER_KEY } : {};
}

const ASSETS = '/explorer/';
const README_QUERY = `# Switchboard: one GraphQL supergraph over the vendor sandboxes. Run with the ▶ button (Ctrl-Enter).
#
# Live order status: subscription { orderStatusChanged(afterEventId: "41") { eventId status orderId } }
# A stream can end while replicas restart (error EVENTS_INTERRUPTED with extensions.resumeAfterEventId, a
# WebSocket closed with 1012, an SSE stream that ends): subscribe again with afterEventId = the last eventId
# you received, and every event after it arrives once, in order.
query Vehicle {
  vehicle(plate: "ABC123") {
    plate
    information { vin lastVisitMileage }
    forecasts { label }
  }
}
`;

/** The options handed to the runtime's `graphiql` setting (Yoga GraphiQL options). */
export function explorerGraphiQLOptions(setting: Exclude<ExplorerSetting, false>) {
  const headers = JSON.stringify(setting.apiKey ? { 'x-api-key': setting.apiKey } : {}, null, 2);
  return {
    title: 'Switchboard GraphiQL',
    endpoint: '/graphql',
    defaultQuery: README_QUERY,
    // Shown in the headers editor of every tab: the key is visible, editable and sent with queries,
    // mutations and subscriptions alike (subscriptions use SSE, so they carry the same HTTP headers).
    headers,
    defaultHeaders: headers,
    subscriptionsProtocol: 'SSE' as const,
    shouldPersistHeaders: false,
  };
}

interface Asset {
  type: string;
  body: Buffer<ArrayBuffer>;
  gzipped?: Promise<Buffer<ArrayBuffer>>;
}
interface Bundle {
  version: string;
  favicon: string;
  assets: Map<string, Asset>;
}
let bundle: Promise<Bundle> | undefined;

/** The GraphiQL build (9 MB of JavaScript), loaded the first time a browser asks for it, never otherwise. */
function loadBundle(): Promise<Bundle> {
  bundle ??= import('@graphql-yoga/render-graphiql/graphiql').then((g) => {
    const version = createHash('sha256').update(g.js).digest('hex').slice(0, 12);
    const js = 'application/javascript; charset=utf-8';
    const entries: [string, string, string][] = [
      ['graphiql.js', js, g.js],
      ['graphiql.css', 'text/css; charset=utf-8', g.css],
      ['worker/editorWorkerService.js', js, g.editorWorkerService],
      ['worker/json.js', js, g.jsonWorker],
      ['worker/graphql.js', js, g.graphqlWorker],
    ];
    return { version, favicon: g.favicon, assets: new Map(entries.map(([name, type, text]) => [name, { type, body: Buffer.from(text) as Buffer<ArrayBuffer> }])) };
  });
  return bundle;
}

const gzipAsync = promisify(gzip);
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** JSON inside a <script>: `</script>` and friends cannot end the element early. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

/** The explorer page: small HTML, the GraphiQL build from `/explorer/`, and a fallback that explains itself. */
export async function renderExplorerPage(options: Record<string, unknown>): Promise<string> {
  const { version, favicon } = await loadBundle();
  const v = `?v=${version}`;
  const headers = JSON.parse(String(options.headers ?? '{}')) as Record<string, string>;
  const curlHeaders = Object.entries(headers)
    .map(([k, val]) => ` -H '${k}: ${val}'`)
    .join('');
  const curl = `curl -s __URL__ -H 'content-type: application/json'${curlHeaders} \\\n  -d '{"query":"{ vehicle(plate: \\"ABC123\\") { plate information { vin } } }"}'`;
  const title = esc(String(options.title ?? 'GraphiQL'));
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>${title}</title>
  <link rel="icon" href="${esc(String(options.favicon ?? favicon))}" />
  <link rel="stylesheet" href="${ASSETS}graphiql.css${v}" />
  <style>
    html, body, #root { height: 100%; margin: 0; }
    .explorer-help { font: 15px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 1rem 1.5rem; border: 1px solid #d33; border-radius: 6px; }
    .explorer-help pre { background: #f4f4f4; padding: .75rem; overflow-x: auto; white-space: pre-wrap; }
  </style>
</head>
<body id="body" class="no-focus-outline">
  <noscript>
    <div class="explorer-help"><h1>${title} needs JavaScript</h1>
    <p>The explorer runs in the browser. Without it, query the gateway directly:</p>
    <pre>${esc(curl.replace('__URL__', '<this URL>'))}</pre></div>
  </noscript>
  <div id="explorer-error" class="explorer-help" role="alert" hidden>
    <h1>The explorer could not start</h1>
    <p id="explorer-error-what"></p>
    <p>The GraphQL endpoint itself may still work. Query it with curl:</p>
    <pre id="explorer-curl"></pre>
  </div>
  <div id="root"></div>
  <script>
    (function () {
      var curl = ${scriptJson(curl)}.replace('__URL__', location.origin + location.pathname);
      var reasons = [];
      window.explorerFailed = function (what) {
        if (document.querySelector('#root .graphiql-container') || reasons.indexOf(what) >= 0) return;
        reasons.push(what);
        document.getElementById('explorer-error-what').textContent = reasons.join(' ');
        document.getElementById('explorer-curl').textContent = curl;
        document.getElementById('explorer-error').hidden = false;
      };
      window.addEventListener('error', function (e) {
        var src = e.target && e.target.src;
        window.explorerFailed(src ? 'Could not load ' + src + ' from the gateway.' : 'Script error: ' + e.message);
      }, true);
      setTimeout(function () { window.explorerFailed('GraphiQL did not render within 20 seconds.'); }, 20000);
      var base = location.origin + ${scriptJson(ASSETS)};
      var workers = {
        editorWorkerService: base + 'worker/editorWorkerService.js${v}',
        json: base + 'worker/json.js${v}',
        graphql: base + 'worker/graphql.js${v}'
      };
      self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: function (moduleId, label) { return workers[label] || workers.editorWorkerService; } };
    })();
  </script>
  <script src="${ASSETS}graphiql.js${v}" onerror="explorerFailed('Could not load ${ASSETS}graphiql.js from the gateway.')"></script>
  <script>
    try {
      YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), ${scriptJson(options)});
    } catch (e) {
      explorerFailed('GraphiQL failed: ' + (e && e.message ? e.message : e));
    }
  </script>
</body>
</html>`;
}

/**
 * Serves the explorer's assets under `/explorer/` (immutable, gzip when accepted) and sends a browser
 * that opens `/` to the explorer. Nothing at all when the explorer is off.
 */
export function useExplorer(setting: ExplorerSetting): GatewayPlugin {
  if (!setting) return {};
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET') return;
      if (url.pathname === '/') return endResponse(new fetchAPI.Response(null, { status: 302, headers: { location: '/graphql' } }));
      if (!url.pathname.startsWith(ASSETS)) return;
      return loadBundle().then(async ({ assets }) => {
        const asset = assets.get(url.pathname.slice(ASSETS.length));
        if (!asset) return endResponse(new fetchAPI.Response('not found', { status: 404 }));
        const zipped = (request.headers.get('accept-encoding') ?? '').includes('gzip');
        const body = zipped ? await (asset.gzipped ??= gzipAsync(asset.body) as Promise<Buffer<ArrayBuffer>>) : asset.body;
        endResponse(
          new fetchAPI.Response(body, {
            status: 200,
            headers: { 'content-type': asset.type, 'cache-control': 'public, max-age=31536000, immutable', vary: 'accept-encoding', ...(zipped ? { 'content-encoding': 'gzip' } : {}) },
          }),
        );
      });
    },
  };
}
