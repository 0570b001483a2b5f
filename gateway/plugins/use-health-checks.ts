import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';

export interface SubgraphTarget {
  name: string;
  /** the subgraph's GraphQL URL; its `/healthz` is checked */
  url: string;
}

const healthUrl = (graphqlUrl: string) => new URL('/healthz', graphqlUrl).toString();

export interface SubgraphCheck {
  name: string;
  ready: boolean;
  status?: number;
  error?: string;
}

/** Each subgraph's own `/healthz`, all at once, each within the timeout (readiness and the up gauge). */
export function probeSubgraphs(subgraphs: SubgraphTarget[], timeoutMs = 2_000): Promise<SubgraphCheck[]> {
  return Promise.all(
    subgraphs.map(async (s) => {
      try {
        const res = await fetch(healthUrl(s.url), { signal: AbortSignal.timeout(timeoutMs) });
        await res.body?.cancel();
        return { name: s.name, ready: res.ok, status: res.status };
      } catch (err) {
        return { name: s.name, ready: false, error: (err as Error).message };
      }
    }),
  );
}

/**
 * `/healthz`: the gateway process answers (liveness). `/readyz`: every subgraph answers its own
 * `/healthz` within the timeout (readiness), with each subgraph's state in the body, 503 otherwise.
 */
export function useHealthChecks(opts: { subgraphs: SubgraphTarget[]; timeoutMs?: number }): GatewayPlugin {
  const timeoutMs = opts.timeoutMs ?? 2_000;
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET') return;
      const json = (status: number, body: unknown) =>
        endResponse(new fetchAPI.Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
      if (url.pathname === '/healthz') return json(200, { status: 'ok' });
      if (url.pathname !== '/readyz') return;
      const checks = await probeSubgraphs(opts.subgraphs, timeoutMs);
      const ready = checks.every((c) => c.ready);
      json(ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', subgraphs: checks });
    },
  };
}
