import { enabledUnlessProduction } from '../../platform/config/production';
import { dependencyReadiness } from '../../platform/readiness';
import { bootstrap, fatal, onShutdown } from '../../platform/process';
import { closeRedis, connectRedis } from '../../platform/redis';
import { startSubgraphServer } from '../../platform/subgraph-server';
import { createCapacityClients } from './clients';
import { createCapacitySubgraph } from './subgraph';

const { config, log } = bootstrap('capacity', process.env);

try {
  const redis = config.REDIS_URL ? await connectRedis(config.REDIS_URL, log) : undefined;
  const vendors = createCapacityClients(config, log, redis);
  const subgraph = createCapacitySubgraph({ ...vendors.clients, signingSecret: config.GATEWAY_SIGNING_SECRET, log });
  const server = await startSubgraphServer({ name: 'capacity', log, ...subgraph, ready: dependencyReadiness({ redis }), introspection: enabledUnlessProduction(config, config.SUBGRAPH_INTROSPECTION) }, config.CAPACITY_PORT, config.BIND_ADDRESS);
  log.info('Capacity subgraph listening', { url: server.url, ...vendors.origins, tokenCache: redis ? 'redis' : 'memory' });
  onShutdown(log, async () => {
    await server.close();
    await vendors.close();
    await closeRedis(redis);
  });
} catch (err) {
  fatal(log, err);
}
