import { dependencyReadiness } from '../../platform/readiness';
import { enabledUnlessProduction } from '../../platform/config/production';
import { bootstrap, fatal, onShutdown } from '../../platform/process';
import { closeRedis, connectRedis } from '../../platform/redis';
import { startSubgraphServer } from '../../platform/subgraph-server';
import { createVendorCache, vendorCacheStoreFromConfig } from '../../platform/vendor-cache';
import { createVehicleClients } from './clients';
import { createVehicleSubgraph } from './subgraph';

const { config, log } = bootstrap('vehicle', process.env);

try {
  const redis = config.REDIS_URL ? await connectRedis(config.REDIS_URL, log) : undefined;
  const vendors = createVehicleClients(config, log, redis);
  const vendorCache = createVendorCache<unknown>(
    vendorCacheStoreFromConfig(config, log, redis),
    { vendor: 'mmp', resource: 'vehicle', ttlMs: config.MMP_VEHICLE_CACHE_TTL_S * 1000, staleMs: config.MMP_VEHICLE_CACHE_STALE_S * 1000 },
    log,
  );
  const subgraph = createVehicleSubgraph({ ...vendors.clients, signingSecret: config.GATEWAY_SIGNING_SECRET, log, vendorCache, requestLoaders: { maxRequests: 1_000, ttlMs: config.GATEWAY_QUERY_BUDGET_MS } });
  const server = await startSubgraphServer({ name: 'vehicle', log, ...subgraph, ready: dependencyReadiness({ redis }), introspection: enabledUnlessProduction(config, config.SUBGRAPH_INTROSPECTION) }, config.VEHICLE_PORT, config.BIND_ADDRESS);
  log.info('Vehicle subgraph listening', { url: server.url, ...vendors.origins, tokenCache: redis ? 'redis' : 'memory', vendorCache: vendorCache.enabled ? (redis ? 'redis' : 'memory') : 'off' });
  onShutdown(log, async () => {
    await server.close();
    await vendors.close();
    await closeRedis(redis);
  });
} catch (err) {
  fatal(log, err);
}
