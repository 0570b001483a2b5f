/**
 * A comparison engine of bench/gateway.bench.ts (`--engines …,bare`): the bare Hive Gateway runtime
 * (`createGatewayRuntime`, its defaults, the same HTTP transport) on the same supergraph and subgraph
 * processes as the Switchboard gateway, with none of Switchboard's plugins — only what the subgraphs need
 * to answer the same data: the partner key (`x-api-key`) checked against PARTNER_KEYS (SHA-256, constant
 * time) and the identity signed into `x-switchboard-caller` per subgraph call, as bench/apollo-gateway.ts
 * does. No request de-duplication (the bench's fairness rule). Served on node:http like gateway/main.ts.
 * What ours costs beyond this is the price of Switchboard's plugins.
 *
 *   node --import tsx bench/bare-gateway.ts <port>     (config from the environment, like every main.ts)
 */
import { createServer } from 'node:http';
import { createGatewayRuntime, type GatewayPlugin } from '@graphql-hive/gateway-runtime';
import httpTransport from '@graphql-mesh/transport-http';
import { CALLER_HEADER, signCallerIdentity, type CallerIdentity } from '../platform/caller-identity';
import { bootstrap, fatal, onShutdown } from '../platform/process';
import { subgraphs } from '../platform/topology';
import { partnerKeyLookup } from './reference-caller';
import { readSupergraph, subgraphsIn } from '../gateway/create-gateway';

const { config, log } = bootstrap('bare-gateway', process.env);
const port = Number(process.argv[2]);

try {
  if (!Number.isInteger(port) || port <= 0) throw new Error('usage: bare-gateway.ts <port>');
  const callerOf = partnerKeyLookup(config.PARTNER_KEYS);
  const callers = new WeakMap<Request, CallerIdentity | null>();
  const caller: GatewayPlugin = {
    onRequest({ request }) {
      callers.set(request, callerOf(request.headers.get('x-api-key')));
    },
    onFetch({ context, options }) {
      const request = (context as { request?: Request } | undefined)?.request;
      const identity = request && callers.get(request);
      if (identity) (options.headers as Record<string, string>)[CALLER_HEADER] = signCallerIdentity(identity, config.GATEWAY_SIGNING_SECRET);
    },
  };
  const supergraph = readSupergraph(config.SUPERGRAPH_PATH);
  const composed = subgraphsIn(supergraph);
  const runtime = createGatewayRuntime({
    supergraph,
    transports: { http: httpTransport },
    transportEntries: {
      ...Object.fromEntries(subgraphs.filter((s) => composed.has(s.name)).map((s) => [s.name, { location: s.url(config) }])),
      '*': { options: { deduplicateInflightRequests: false } },
    },
    logging: false,
    landingPage: false,
    graphiql: false,
    plugins: () => [caller],
  });
  await runtime.getSchema();
  const server = createServer(runtime);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  log.info('bare gateway listening', { url: `http://127.0.0.1:${port}/graphql` });
  onShutdown(log, async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await runtime.dispose();
  });
} catch (err) {
  fatal(log, err);
}
