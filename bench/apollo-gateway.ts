/**
 * The comparison engine of bench/gateway.bench.ts: `@apollo/gateway` (the JS query planner of Apollo
 * Federation 2) behind `@apollo/server`, serving the same supergraph SDL as the Switchboard gateway and
 * routing to the same subgraph processes. It does the caller work ours does, so both engines make the same
 * subgraph calls: the partner API key (`x-api-key`) is checked against PARTNER_KEYS (SHA-256, constant
 * time) and the identity is signed into `x-switchboard-caller` per subgraph call, exactly as
 * gateway/plugins/use-caller-identity.ts does. No request de-duplication: RemoteGraphQLDataSource has none.
 * Its own process, so its CPU and memory are measured alone.
 *
 *   node --import tsx bench/apollo-gateway.ts <port>     (config from the environment, like every main.ts)
 */
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { CALLER_HEADER, signCallerIdentity, type CallerIdentity } from '../platform/caller-identity';
import { bootstrap, fatal, onShutdown } from '../platform/process';
import { subgraphs } from '../platform/topology';
import { partnerKeyLookup } from './reference-caller';
import { readSupergraph } from '../gateway/create-gateway';

const { config, log } = bootstrap('apollo-gateway', process.env);
const port = Number(process.argv[2]);

interface Context {
  caller: CallerIdentity | null;
}

try {
  if (!Number.isInteger(port) || port <= 0) throw new Error('usage: apollo-gateway.ts <port>');
  const callerOf = partnerKeyLookup(config.PARTNER_KEYS);
  const urls = new Map(subgraphs.map((s) => [s.name, s.url(config)]));
  const gateway = new ApolloGateway({
    // @apollo/gateway refuses a supergraph linking a `for: SECURITY` feature it does not implement
    // (@requiresScopes, @authenticated are Apollo Router features). Unmarked, the link is ignored: the
    // subgraphs still enforce those rules on the signed caller, only our gateway's early refusal is missing.
    supergraphSdl: readSupergraph(config.SUPERGRAPH_PATH).replace(/(@link\(url: "[^"]+"), for: SECURITY\)/g, '$1)'),
    buildService: ({ name, url }) =>
      new RemoteGraphQLDataSource<Context>({
        url: urls.get(name) ?? url,
        willSendRequest({ request, context }) {
          if (context.caller) request.http?.headers.set(CALLER_HEADER, signCallerIdentity(context.caller, config.GATEWAY_SIGNING_SECRET));
        },
      }),
  });
  const server = new ApolloServer<Context>({ gateway, introspection: false });
  const { url } = await startStandaloneServer(server, {
    listen: { port, host: '127.0.0.1' },
    context: async ({ req }) => {
      const key = req.headers['x-api-key'];
      return { caller: callerOf(typeof key === 'string' ? key : undefined) };
    },
  });
  log.info('apollo gateway listening', { url });
  onShutdown(log, () => server.stop());
} catch (err) {
  fatal(log, err);
}
