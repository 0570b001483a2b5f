import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';

export interface SubgraphTarget {
  name: string;
  /** the subgraph's GraphQL URL; its `/readyz` is checked */
  url: string;
}

/** One subgraph as the gateway last saw it: its own `/readyz` answer, with its dependencies. */
export interface SubgraphReadiness {
  name: string;
  ready: boolean;
  status?: number;
  /** the subgraph's own dependencies (database, redis) as its `/readyz` reported them */
  dependencies?: Record<string, string>;
  error?: string;
}

const readyUrl = (graphqlUrl: string) => new URL('/readyz', graphqlUrl).toString();

/**
 * Per-subgraph readiness, checked on demand (`/readyz`) and kept as the last known state so `/metrics`
 * (or a Prometheus gauge: `subgraphReadiness()` is exported for that) can read it without calling out.
 * Each subgraph's `/readyz` covers its own dependencies, so a subgraph whose database is gone is
 * reported not ready even though its process answers.
 */
export function createSubgraphReadiness(subgraphs: SubgraphTarget[], timeoutMs = 2_000) {
  const last = new Map<string, SubgraphReadiness>(subgraphs.map((s) => [s.name, { name: s.name, ready: false, error: 'not checked yet' }]));
  return {
    async check(): Promise<SubgraphReadiness[]> {
      const checks = await Promise.all(
        subgraphs.map(async (s): Promise<SubgraphReadiness> => {
          try {
            const res = await fetch(readyUrl(s.url), { signal: AbortSignal.timeout(timeoutMs) });
            const body = (await res.json().catch(() => ({}))) as { dependencies?: Record<string, string> };
            return { name: s.name, ready: res.ok, status: res.status, ...(body.dependencies ? { dependencies: body.dependencies } : {}) };
          } catch (err) {
            return { name: s.name, ready: false, error: (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : 'unreachable' };
          }
        }),
      );
      for (const c of checks) last.set(c.name, c);
      return checks;
    },
    /** the last known state of every subgraph (1 = ready, 0 = not), for metrics */
    snapshot(): SubgraphReadiness[] {
      return [...last.values()];
    },
  };
}
export type SubgraphReadinessTracker = ReturnType<typeof createSubgraphReadiness>;

/**
 * `/healthz`: the gateway process answers (liveness). `/readyz`: readiness a load balancer can use — the
 * gateway is ready when it can serve its supergraph (the schema is loaded), whatever one subgraph's state:
 * a subgraph that is down costs the fields it serves a coded error, and dropping the whole gateway from a
 * balancer would turn that into a total outage. The body lists every subgraph's own readiness (with its
 * database/Redis) and says `degraded` when any is not ready.
 */
export function useHealthChecks(opts: {
  subgraphs: SubgraphTarget[] | SubgraphReadinessTracker;
  /** resolves when the gateway can serve its supergraph */
  supergraphReady?: () => Promise<boolean>;
  timeoutMs?: number;
}): GatewayPlugin {
  const tracker = Array.isArray(opts.subgraphs) ? createSubgraphReadiness(opts.subgraphs, opts.timeoutMs) : opts.subgraphs;
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET') return;
      const json = (status: number, body: unknown) =>
        endResponse(new fetchAPI.Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
      if (url.pathname === '/healthz') return json(200, { status: 'ok' });
      if (url.pathname !== '/readyz') return;
      const [supergraph, subgraphs] = await Promise.all([(opts.supergraphReady?.() ?? Promise.resolve(true)).catch(() => false), tracker.check()]);
      const allUp = subgraphs.every((c) => c.ready);
      json(supergraph ? 200 : 503, { status: !supergraph ? 'not ready' : allUp ? 'ready' : 'degraded', supergraph: supergraph ? 'loaded' : 'not loaded', subgraphs });
    },
  };
}
