import { enabledUnlessProduction } from '../../platform/config/production';
import { localUrl } from '../../platform/config';
import { createHttpClient, upstreamOptionsFromConfig } from '../../platform/http-client';
import { dependencyReadiness } from '../../platform/readiness';
import { bootstrap, fatal, onShutdown } from '../../platform/process';
import { closeRedis, connectRedis } from '../../platform/redis';
import { startSubgraphServer } from '../../platform/subgraph-server';
import { tokenProviderFromConfig } from '../../platform/tokens';
import { CUSTOMERCONNECT, createCustomerConnectClient } from '../../vendors/customerconnect/client';
import { createCapacitySubgraph } from './subgraph';

const { config, log } = bootstrap('capacity', process.env);

try {
  const redis = config.REDIS_URL ? await connectRedis(config.REDIS_URL, log) : undefined;
  const baseUrl = config.CUSTOMERCONNECT_BASE_URL ?? localUrl(config.CUSTOMERCONNECT_SANDBOX_PORT);
  const vendorHttp = (url: string) => createHttpClient({ vendor: CUSTOMERCONNECT, baseUrl: url, ...upstreamOptionsFromConfig(config), log });
  const http = vendorHttp(baseUrl);
  // Production has the token server on its own host; locally both are the sandbox.
  const authHttp = config.CUSTOMERCONNECT_AUTH_URL && config.CUSTOMERCONNECT_AUTH_URL !== baseUrl ? vendorHttp(config.CUSTOMERCONNECT_AUTH_URL) : http;
  const customerConnect = createCustomerConnectClient({
    http,
    authHttp,
    tokens: tokenProviderFromConfig(config, log, redis),
    tokenPath: config.CUSTOMERCONNECT_TOKEN_PATH,
    capacityPath: config.CUSTOMERCONNECT_CAPACITY_PATH,
    publisher: { clientId: config.CUSTOMERCONNECT_CLIENT_ID, clientSecret: config.CUSTOMERCONNECT_CLIENT_SECRET },
    reader: { clientId: config.CUSTOMERCONNECT_READER_CLIENT_ID, clientSecret: config.CUSTOMERCONNECT_READER_CLIENT_SECRET },
  });
  const subgraph = createCapacitySubgraph({ customerConnect, signingSecret: config.GATEWAY_SIGNING_SECRET, log });
  const server = await startSubgraphServer({ name: 'capacity', log, ...subgraph, ready: dependencyReadiness({ redis }), introspection: enabledUnlessProduction(config, config.SUBGRAPH_INTROSPECTION) }, config.CAPACITY_PORT, config.BIND_ADDRESS);
  log.info('Capacity subgraph listening', { url: server.url, customerconnect: http.baseUrl, auth: authHttp.baseUrl, tokenCache: redis ? 'redis' : 'memory' });
  onShutdown(log, async () => {
    await server.close();
    await http.close();
    if (authHttp !== http) await authHttp.close();
    await closeRedis(redis);
  });
} catch (err) {
  fatal(log, err);
}
