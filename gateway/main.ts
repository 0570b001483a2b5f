import { createServer } from 'node:http';
import { getGraphQLWSOptions } from '@graphql-hive/gateway-runtime';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { bootstrap, fatal, onShutdown } from '../platform/process';
import { subgraphs } from '../platform/topology';
import { createSwitchboardGateway, readSupergraph, subgraphsIn } from './create-gateway';
import { useCallerIdentity } from './plugins/use-caller-identity';
import { explorerSetting } from './plugins/use-explorer';
import { useTracing } from './plugins/use-tracing';
import { useVitecOrderIntake } from './plugins/use-vitec-order-intake';

const { config, log } = bootstrap('gateway', process.env);

try {
  const supergraphSdl = readSupergraph(config.SUPERGRAPH_PATH);
  const composed = subgraphsIn(supergraphSdl);
  const gateway = createSwitchboardGateway({
    supergraphSdl,
    subgraphs: subgraphs.filter((s) => composed.has(s.name)).map((s) => ({ name: s.name, url: s.url(config) })),
    log,
    corsOrigins: config.CORS_ORIGINS,
    maxDepth: config.GATEWAY_MAX_DEPTH,
    introspection: config.GATEWAY_INTROSPECTION,
    upstreamTimeoutMs: config.UPSTREAM_TIMEOUT_MS + 5_000,
    explorer: explorerSetting(config),
    plugins: [
      ...(await useTracing()),
      useCallerIdentity({
        partners: config.PARTNER_KEYS,
        jwt: { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, secret: config.JWT_SECRET, jwksUrl: config.JWT_JWKS_URL },
        signingSecret: config.GATEWAY_SIGNING_SECRET,
        log,
      }),
      useVitecOrderIntake({ orderServiceOrigin: subgraphs.find((s) => s.name === 'order')!.url(config) }),
    ],
  });

  // Load the supergraph before the first client: graphql-ws never goes through the HTTP request hook that
  // loads it lazily, so a subscription as the very first operation would find no schema.
  await gateway.getSchema();
  const server = createServer(gateway);
  // graphql-ws on the same port and path as HTTP: one URL for queries and subscriptions.
  const wss = new WebSocketServer({ server, path: gateway.graphqlEndpoint });
  const ws = useServer(
    getGraphQLWSOptions<Record<string, unknown>, Extra>(gateway, (ctx) => ({ req: ctx.extra?.request, socket: ctx.extra?.socket })),
    wss,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.GATEWAY_PORT, () => resolve());
  });
  log.info('gateway listening', { url: `http://localhost:${config.GATEWAY_PORT}/graphql`, supergraph: config.SUPERGRAPH_PATH });

  // The runtime registers its own SIGINT/SIGTERM disposal when embedded; ours closes sockets first and
  // then exits, so the process never lingers after Ctrl-C.
  onShutdown(log, async () => {
    await ws.dispose();
    wss.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await gateway.dispose();
  });
} catch (err) {
  fatal(log, err);
}
