import { enabledUnlessProduction } from '../../platform/config/production';
import { hostname } from 'node:os';
import { openStore } from '../../platform/db';
import { dependencyReadiness } from '../../platform/readiness';
import { bootstrap, fatal, onShutdown } from '../../platform/process';
import { startRetention } from '../../platform/retention';
import { closeRedis, connectRedis } from '../../platform/redis';
import { startSubgraphServer } from '../../platform/subgraph-server';
import { vendorCacheStoreFromConfig } from '../../platform/vendor-cache';
import { deleteEndedReservations } from './retention';
import { coverageMigrations } from './store';
import { createCoverageClients } from './clients';
import { createCoverageSubgraph } from './subgraph';

const { config, log } = bootstrap('coverage', process.env);

try {
  const redis = config.REDIS_URL ? await connectRedis(config.REDIS_URL, log) : undefined;
  const store = await openStore(config, 'coverage', { migrations: coverageMigrations, log });
  const vendors = createCoverageClients(config, log, redis);
  const subgraph = createCoverageSubgraph({
    ...vendors.clients,
    store,
    log,
    instanceId: `${hostname()}:${process.pid}`,
    signingSecret: config.GATEWAY_SIGNING_SECRET,
    settings: {
      defaultRadiusM: config.COVERAGE_RADIUS_M,
      maxRadiusM: config.COVERAGE_MAX_RADIUS_M,
      reservationDays: config.COVERAGE_RESERVATION_DAYS,
      sweepIntervalMs: config.COVERAGE_SWEEP_INTERVAL_MS,
      leaseMs: config.COVERAGE_SWEEP_LEASE_MS,
      regionCacheS: config.COVERAGE_REGION_CACHE_S,
      boxCacheS: config.COVERAGE_BOX_CACHE_S,
      cacheStaleS: config.OZMAP_CACHE_STALE_S,
    },
    vendorCacheStore: vendorCacheStoreFromConfig(config, log, redis),
  });
  const server = await startSubgraphServer({ name: 'coverage', log, schema: subgraph.schema, context: subgraph.context, ready: dependencyReadiness({ store, redis }), introspection: enabledUnlessProduction(config, config.SUBGRAPH_INTROSPECTION) }, config.COVERAGE_PORT, config.BIND_ADDRESS);
  subgraph.sweeper.start();
  const retention = startRetention({
    log,
    intervalMs: config.RETENTION_SWEEP_INTERVAL_MS,
    tasks: [{ name: 'coverage_reservations', run: () => deleteEndedReservations(store, config.RESERVATION_RETENTION_DAYS) }],
  });
  log.info('Coverage subgraph listening', {
    url: server.url,
    ...vendors.origins,
    auth: vendors.auth,
    store: store.engine,
    reservationDays: config.COVERAGE_RESERVATION_DAYS,
  });
  onShutdown(log, async () => {
    void server.drain.begin(); // not ready at once (platform/drain.ts), while the background work stops
    await retention.stop();
    await subgraph.sweeper.stop();
    await server.close();
    await vendors.close();
    await store.close();
    await closeRedis(redis);
  });
} catch (err) {
  fatal(log, err);
}
