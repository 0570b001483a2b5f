import { enabledUnlessProduction } from '../../platform/config/production';
import { openStore } from '../../platform/db';
import { dependencyReadiness } from '../../platform/readiness';
import { bootstrap, fatal, onShutdown } from '../../platform/process';
import { startRetention } from '../../platform/retention';
import { pruneCarsysRows } from './carsys-store';
import { closeRedis, connectRedis } from '../../platform/redis';
import { startSubgraphServer } from '../../platform/subgraph-server';
import { createVendorCache, vendorCacheStoreFromConfig } from '../../platform/vendor-cache';
import { customerMigrations } from './store';
import { createCustomerClients } from './clients';
import { createCustomerSubgraph } from './subgraph';

const { config, log } = bootstrap('customer', process.env);

try {
  const redis = config.REDIS_URL ? await connectRedis(config.REDIS_URL, log) : undefined;
  const store = await openStore(config, 'customer', { migrations: customerMigrations, log });
  const vendors = createCustomerClients(config, log, redis);
  const subgraph = createCustomerSubgraph({
    ...vendors.clients,
    store,
    log,
    signingSecret: config.GATEWAY_SIGNING_SECRET,
    blacklistTtlMs: config.CUSTOMER_BLACKLIST_TTL_S * 1000,
    blacklistStaleMs: config.CUSTOMER_BLACKLIST_STALE_S * 1000,
    // the same store, key scheme and TTL as the Vehicle subgraph's: with Redis, a Carsys push here drops what Vehicle cached
    vendorCache: createVendorCache<unknown>(
      vendorCacheStoreFromConfig(config, log, redis),
      { vendor: 'mmp', resource: 'vehicle', ttlMs: config.MMP_VEHICLE_CACHE_TTL_S * 1000, staleMs: config.MMP_VEHICLE_CACHE_STALE_S * 1000 },
      log,
    ),
    importLimits: {
      maxBytes: config.CUSTOMER_IMPORT_MAX_BYTES,
      maxEntries: config.CUSTOMER_IMPORT_MAX_ENTRIES,
      maxUncompressedBytes: config.CUSTOMER_IMPORT_MAX_UNCOMPRESSED_BYTES,
      maxRatio: config.CUSTOMER_IMPORT_MAX_RATIO,
    },
    importIdempotency: { retentionMs: config.CUSTOMER_IMPORT_IDEMPOTENCY_RETENTION_S * 1000, pendingLeaseMs: config.CUSTOMER_IMPORT_IDEMPOTENCY_LEASE_S * 1000 },
    workshopLinks: config.WORKSHOP_LINKS,
    carsys: { dealerSecrets: config.CARSYS_DEALER_SECRETS, replayWindowS: config.CARSYS_PUSH_REPLAY_WINDOW_S, maxBodyBytes: config.CARSYS_PUSH_MAX_BYTES },
  });
  const server = await startSubgraphServer(
    { name: 'customer', log, ...subgraph, ready: dependencyReadiness({ store, redis }), introspection: enabledUnlessProduction(config, config.SUBGRAPH_INTROSPECTION) },
    config.CUSTOMER_PORT,
    config.BIND_ADDRESS,
  );
  const retention = startRetention({
    log,
    intervalMs: config.RETENTION_SWEEP_INTERVAL_MS,
    tasks: [{ name: 'carsys', run: () => pruneCarsysRows(store, config.CARSYS_RETENTION_DAYS) }],
  });
  log.info('Customer subgraph listening', { url: server.url, ...vendors.origins, store: store.engine, carsysDealers: Object.keys(config.CARSYS_DEALER_SECRETS) });
  onShutdown(log, async () => {
    void server.drain.begin(); // not ready at once (platform/drain.ts), while the background work stops
    await retention.stop();
    await server.close();
    await vendors.close();
    await store.close();
    await closeRedis(redis);
  });
} catch (err) {
  fatal(log, err);
}
