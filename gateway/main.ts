import { createServer } from 'node:http';
import { getGraphQLWSOptions } from '@graphql-hive/gateway-runtime';
import { WebSocketServer } from 'ws';
import { createDrain } from '../platform/drain';
import { bootstrap, fatal, onShutdown, shutdownSettings } from '../platform/process';
import { subgraphs } from '../platform/topology';
import { createSwitchboardGateway, readSupergraph, subgraphsIn } from './create-gateway';
import { serveGraphQLWS, type Extra } from './graphql-ws-server';
import { enabledUnlessProduction } from '../platform/config/production';
import { useAccessDirectives } from './plugins/use-access-directives';
import { useCallerIdentity } from './plugins/use-caller-identity';
import { explorerSetting } from './plugins/use-explorer';
import { traceGraphQLWS, useTracing } from './plugins/use-tracing';
import { useVitecOrderIntake } from './plugins/use-vitec-order-intake';
import { useCarsysPush } from './plugins/use-carsys-push';
import { closeRedis, connectRedis, type RedisClient } from '../platform/redis';
import { createRateLimiter } from '../platform/rate-limit';
import { useBodyLimits } from './plugins/use-body-limits';
import { useDemandControl } from './plugins/use-demand-control';
import { useRateLimit } from './plugins/use-rate-limit';
import { useDrain } from './plugins/use-drain';
import { useTrustedDocuments } from './plugins/use-trusted-documents';
import { maxDepthRule } from './plugins/use-max-depth';
import { loadTrustedDocuments, type TrustedDocuments } from './trusted-documents';

const { config, log } = bootstrap('gateway', process.env);

let redis: RedisClient | undefined;
// SIGTERM: /readyz 503 at once, live subscriptions end with a resume hint, then the port closes and
// WebSockets get 1012 (platform/drain.ts)
const drain = createDrain(shutdownSettings(), log);
try {
  const supergraphSdl = readSupergraph(config.SUPERGRAPH_PATH);
  // Rate-limit counters are shared by every gateway instance through Redis when it is configured.
  if (config.REDIS_URL) redis = await connectRedis(config.REDIS_URL, log, 'redis (rate limits)');
  const rateLimiter = (prefix: string) =>
    createRateLimiter({ redis, prefix: `${config.GATEWAY_RATE_LIMIT_PREFIX}:${prefix}`, windowMs: config.GATEWAY_RATE_WINDOW_S * 1000, maxKeys: config.GATEWAY_RATE_LIMIT_MAX_KEYS, log });
  const composed = subgraphsIn(supergraphSdl);
  // loaded once the served schema is known (below), before the port opens
  let trustedDocuments: TrustedDocuments | undefined;
  const trustedDocumentsOnly = new Set(config.PARTNER_KEYS.filter((p) => p.trustedDocumentsOnly).map((p) => p.partnerId));
  if (trustedDocumentsOnly.size && !config.GATEWAY_TRUSTED_DOCUMENTS) {
    throw new Error(`partners ${[...trustedDocumentsOnly].join(', ')} run registered operations only (trustedDocumentsOnly), but GATEWAY_TRUSTED_DOCUMENTS is not set`);
  }
  const gateway = createSwitchboardGateway({
    supergraphSdl,
    subgraphs: subgraphs.filter((s) => composed.has(s.name)).map((s) => ({ name: s.name, url: s.url(config) })),
    log,
    corsOrigins: config.CORS_ORIGINS,
    maxDepth: config.GATEWAY_MAX_DEPTH,
    introspection: enabledUnlessProduction(config, config.GATEWAY_INTROSPECTION),
    explorer: explorerSetting(config),
    budgets: { queryBudgetMs: config.GATEWAY_QUERY_BUDGET_MS, mutationBudgetMs: config.GATEWAY_MUTATION_BUDGET_MS },
    // loaded only when chosen: the native addon exists for linux and macOS only
    unifiedGraphHandler: config.GATEWAY_QUERY_PLANNER === 'rust' ? (await import('@graphql-hive/router-runtime')).unifiedGraphHandler : undefined,
    deduplicateSubgraphRequests: config.GATEWAY_DEDUPLICATE_SUBGRAPH_REQUESTS,
    subscriptions: { share: config.GATEWAY_SHARE_SUBSCRIPTIONS, maxQueuedEvents: config.GATEWAY_SUBSCRIBER_MAX_QUEUED_EVENTS },
    plugins: [
      useDrain(drain),
      ...(await useTracing()),
      useCallerIdentity({
        partners: config.PARTNER_KEYS,
        jwt: { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, secret: config.JWT_SECRET, jwksUrl: config.JWT_JWKS_URL },
        signingSecret: config.GATEWAY_SIGNING_SECRET,
        log,
      }),
      // after useCallerIdentity: checks the supergraph's @authenticated / @requiresScopes against its caller
      useAccessDirectives(),
      ...useTrustedDocuments({ registry: () => trustedDocuments, requiredFor: trustedDocumentsOnly }),
      useRateLimit({ limiter: rateLimiter('gateway'), authenticated: config.GATEWAY_RATE_LIMIT_AUTHENTICATED, anonymous: config.GATEWAY_RATE_LIMIT_ANONYMOUS, trustedProxyHops: config.GATEWAY_TRUSTED_PROXY_HOPS }),
      useBodyLimits({
        maxBodyBytes: config.GATEWAY_MAX_BODY_BYTES,
        maxUploadBodyBytes: config.GATEWAY_MAX_UPLOAD_BODY_BYTES,
        maxFileBytes: config.GATEWAY_MAX_UPLOAD_BYTES,
        maxFiles: config.GATEWAY_MAX_UPLOAD_FILES,
        maxConcurrentUploads: config.GATEWAY_MAX_CONCURRENT_UPLOADS,
      }),
      useDemandControl({
        supergraphSdl,
        maxCost: config.GATEWAY_MAX_COST,
        defaultListSize: config.GATEWAY_DEFAULT_LIST_SIZE,
        maxAliases: config.GATEWAY_MAX_ALIASES,
        maxTokens: config.GATEWAY_MAX_TOKENS,
        maxDirectives: config.GATEWAY_MAX_DIRECTIVES,
        log,
      }),
      useVitecOrderIntake({
        orderServiceOrigin: subgraphs.find((s) => s.name === 'order')!.url(config),
        limits: { limiter: rateLimiter('intake'), perOffice: config.VITEC_INTAKE_RATE_PER_OFFICE, perAddress: config.VITEC_INTAKE_RATE_PER_ADDRESS, trustedProxyHops: config.GATEWAY_TRUSTED_PROXY_HOPS },
      }),
      useCarsysPush({
        customerServiceOrigin: subgraphs.find((s) => s.name === 'customer')!.url(config),
        maxBodyBytes: config.CARSYS_PUSH_MAX_BYTES,
        limits: { limiter: rateLimiter('carsys-push'), perAddress: config.CARSYS_PUSH_RATE_PER_ADDRESS, trustedProxyHops: config.GATEWAY_TRUSTED_PROXY_HOPS },
      }),
    ],
  });

  // Load the supergraph before the first client: graphql-ws never goes through the HTTP request hook that
  // loads it lazily, so a subscription as the very first operation would find no schema.
  const schema = await gateway.getSchema();
  if (config.GATEWAY_TRUSTED_DOCUMENTS) {
    trustedDocuments = loadTrustedDocuments(config.GATEWAY_TRUSTED_DOCUMENTS, schema, [maxDepthRule(config.GATEWAY_MAX_DEPTH)]);
    log.info('trusted documents loaded', { operations: trustedDocuments.size, partnersRestricted: trustedDocumentsOnly.size });
  }
  const server = createServer(drain.wrap(gateway));
  drain.guardUpgrades(server);
  // graphql-ws on the same port and path as HTTP: one URL for queries and subscriptions. graphql-ws's
  // ws adapter, adjusted (graphql-ws-server.ts): an event shared by a channel's subscribers is serialised
  // once, not once per subscriber, and a subscriber's backlog leaves in one write.
  const wss = new WebSocketServer({ server, path: gateway.graphqlEndpoint });
  const ws = serveGraphQLWS(
    traceGraphQLWS(getGraphQLWSOptions<Record<string, unknown>, Extra>(gateway, (ctx) => ({ req: ctx.extra?.request, socket: ctx.extra?.socket }))),
    wss,
    { log },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.GATEWAY_PORT, config.BIND_ADDRESS, () => resolve());
  });
  log.info('gateway listening', { url: `http://localhost:${config.GATEWAY_PORT}/graphql`, supergraph: config.SUPERGRAPH_PATH });

  // The runtime registers its own SIGINT/SIGTERM disposal when embedded; ours drains first (in-flight
  // requests finish within SHUTDOWN_GRACE_MS) and then exits 0, so the process never lingers after Ctrl-C.
  onShutdown(log, async () => {
    await drain.close(server, [wss]);
    await ws.dispose();
    wss.close();
    await gateway.dispose();
    await closeRedis(redis);
  });
} catch (err) {
  fatal(log, err);
}
