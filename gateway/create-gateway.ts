import { readFileSync } from 'node:fs';
import { createGatewayRuntime, type GatewayConfigSupergraph, type GatewayPlugin, type GatewayRuntime } from '@graphql-hive/gateway-runtime';
import httpTransport from '@graphql-mesh/transport-http';
import subscriptionTransport from './subscription-transport';
import { createSubgraphFetch } from './subgraph-fetch';
import type { Logger } from '../platform/logger';
import { createSubgraphReadiness, useHealthChecks, type SubgraphReadiness, type SubgraphTarget } from './plugins/use-health-checks';
import { useDeadlines, type DeadlineOptions } from './plugins/use-deadlines';
import { useErrorLog } from './plugins/use-error-log';
import { useMaxDepth } from './plugins/use-max-depth';
import { usePrometheus } from './plugins/use-prometheus';
import { useRequestId } from './plugins/use-request-id';
import { useSubgraphErrors } from './plugins/use-subgraph-errors';
import { useFieldErrorPaths } from './plugins/use-field-error-paths';
import { useRequiredNulls } from './plugins/use-required-nulls';
import { useOperationNames } from './plugins/use-operation-names';
import { useSubscriptionEvents } from './plugins/use-subscription-events';
import { useSharedSubscriptions, type SharedSubscriptionOptions } from './plugins/use-shared-subscriptions';
import { explorerGraphiQLOptions, renderExplorerPage, useExplorer, type ExplorerSetting } from './plugins/use-explorer';

/** Origins of Apollo's hosted Sandbox and Studio, so a developer can explore this gateway from them. */
export const APOLLO_SANDBOX_ORIGINS = ['https://studio.apollographql.com', 'https://sandbox.embed.apollographql.com'];

export interface GatewayOptions {
  /** supergraph SDL (composed by `npm run compose`) */
  supergraphSdl: string;
  /** where each subgraph actually listens (overrides the URLs recorded in the supergraph) */
  subgraphs: SubgraphTarget[];
  log: Logger;
  corsOrigins: string[];
  maxDepth: number;
  introspection: boolean;
  /** per operation, in ms, across all its subgraph calls; a stalled subgraph answers UPSTREAM_TIMEOUT instead of hanging the client */
  budgets: DeadlineOptions;
  /** GraphiQL at GET /graphql from installed assets (false: off, as in production unless GATEWAY_EXPLORER=true) */
  explorer?: ExplorerSetting;
  /** policies added by domains (caller identity, …) */
  plugins?: GatewayPlugin[];
  /** the query planner and executor: the runtime's JS one (undefined) or Hive Router's Rust planner (`@graphql-hive/router-runtime`; main.ts's default) */
  unifiedGraphHandler?: GatewayConfigSupergraph['unifiedGraphHandler'];
  /** merge identical in-flight subgraph queries (same URL, headers and body) into one call; default on */
  deduplicateSubgraphRequests?: boolean;
  /** subscription fan-out: one subscription per channel, bounded queue per subscriber (default: shared, 1,000 events) */
  subscriptions?: SharedSubscriptionOptions;
  /** the HTTP client of subgraph calls: undici's `request` on a keep-alive pool (default), or the runtime's own fetch (node:http) */
  subgraphFetch?: 'undici' | 'runtime';
}

export const readSupergraph = (path: string) => readFileSync(path, 'utf8');

/** Names of the subgraphs a supergraph was composed from (its `join__Graph` values). */
export const subgraphsIn = (supergraphSdl: string) => new Set([...supergraphSdl.matchAll(/@join__graph\(name: "([^"]+)"/g)].map((m) => m[1]!));

/**
 * The Hive Gateway runtime with Switchboard's policies, as a value (no listening, no env): `main.ts`
 * serves it on node:http, tests can call `gateway.fetch` directly.
 */
export function createSwitchboardGateway(opts: GatewayOptions): GatewayRuntime & { subgraphReadiness: () => SubgraphReadiness[]; checkSubgraphReadiness: () => Promise<SubgraphReadiness[]> } {
  const allowed = new Set([...APOLLO_SANDBOX_ORIGINS, ...opts.corsOrigins]);
  const transportEntries = Object.fromEntries(
    opts.subgraphs.map((s) => [
      s.name,
      {
        location: s.url,
        // Subscriptions go to subgraphs over graphql-ws at the same URL; queries and mutations over HTTP.
        options: { subscriptions: { kind: 'ws', location: s.url.replace(/^http/, 'ws') } },
      },
    ]),
  );
  const readiness = createSubgraphReadiness(opts.subgraphs);
  const subgraphFetch = (opts.subgraphFetch ?? 'undici') === 'undici' ? createSubgraphFetch() : undefined;
  const runtime: GatewayRuntime = createGatewayRuntime({
    ...(subgraphFetch ? { fetchAPI: { fetch: subgraphFetch as never } } : {}),
    supergraph: opts.supergraphSdl,
    // graphql-ws to subgraphs without silent re-subscription (see subscription-transport.ts)
    transports: { http: httpTransport, ws: subscriptionTransport },
    // `*` is merged into every subgraph's entry by the runtime
    transportEntries: { ...transportEntries, '*': { options: { deduplicateInflightRequests: opts.deduplicateSubgraphRequests ?? true } } },
    unifiedGraphHandler: opts.unifiedGraphHandler,
    logging: false,
    landingPage: false,
    graphiql: opts.explorer ? explorerGraphiQLOptions(opts.explorer) : false,
    renderGraphiQL: renderExplorerPage,
    graphqlEndpoint: '/graphql',
    multipart: true,
    // No runtime-level `upstreamTimeout` (a timer, AbortSignal.any and a race per subgraph call): one
    // deadline per operation (`use-deadlines`), never applied to subscriptions.
    cors: (request) => {
      const origin = request.headers.get('origin');
      return origin && allowed.has(origin)
        ? { origin, credentials: true, allowedHeaders: ['content-type', 'authorization', 'x-api-key', 'apollo-require-preflight'], methods: ['GET', 'POST', 'OPTIONS'] }
        : false;
    },
    disableIntrospection: opts.introspection ? undefined : { disableIf: () => true },
    // our useRequestId replaces the runtime's (which trusts any incoming x-request-id)
    requestId: false,
    plugins: (ctx) => [
      useRequestId(),
      useHealthChecks({ subgraphs: readiness, supergraphReady: async () => Boolean(await runtime.getSchema()) }),
      ...usePrometheus({ log: ctx.log, subgraphs: readiness }),
      useExplorer(opts.explorer ?? false),
      useMaxDepth(opts.maxDepth),
      useDeadlines(opts.budgets),
      useSubgraphErrors({ log: opts.log }),
      // Hive Router's planner only: a failed subgraph call's errors at its fields' paths, and `null` @requires
      // values kept in representations, the client's operation name on subgraph calls, as the JS planner does
      // and subscription events that match the subgraph's (before useSharedSubscriptions)
      ...(opts.unifiedGraphHandler ? [useFieldErrorPaths(), useRequiredNulls({ supergraphSdl: opts.supergraphSdl }), useOperationNames(), useSubscriptionEvents()] : []),
      // after useSubgraphErrors, so the log shows the codes the client gets
      useErrorLog(opts.log),
      ...(opts.plugins ?? []),
      // last: its onSubscribe runs after every check of the subscriber (identity, access, limits)
      useSharedSubscriptions(opts.subscriptions ?? { share: true, maxQueuedEvents: 1_000 }),
    ],
  });
  // for metrics: the last known state of each subgraph (refreshed by every /readyz), and a fresh check
  return Object.assign(runtime, { subgraphReadiness: () => readiness.snapshot(), checkSubgraphReadiness: () => readiness.check() });
}
