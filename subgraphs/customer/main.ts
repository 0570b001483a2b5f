import { loadConfig, localUrl } from '../../platform/config';
import { openStore } from '../../platform/db';
import { createHttpClient } from '../../platform/http-client';
import { createLogger } from '../../platform/logger';
import { fatal, onShutdown } from '../../platform/process';
import { closeRedis, connectRedis } from '../../platform/redis';
import { startSubgraphServer } from '../../platform/subgraph-server';
import { tokenProviderFromConfig } from '../../platform/tokens';
import { createMmpClient } from '../../vendors/mmp/client';
import { createCustomerSubgraph } from './subgraph';

const config = (() => {
  try {
    return loadConfig(process.env);
  } catch (err) {
    return fatal(createLogger({ service: 'customer' }), err);
  }
})();
const log = createLogger({ service: 'customer' }, config.LOG_LEVEL);

try {
  const redis = config.REDIS_URL ? await connectRedis(config.REDIS_URL, log) : undefined;
  const store = await openStore(config, 'customer');
  const http = createHttpClient({
    vendor: 'mmp',
    baseUrl: config.MMP_BASE_URL ?? localUrl(config.MMP_SANDBOX_PORT),
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    connections: config.UPSTREAM_CONNECTIONS,
  });
  // Same account and token key as the Vehicle subgraph: with Redis, both processes share one MMP token.
  const mmp = createMmpClient({
    http,
    tokens: tokenProviderFromConfig(config, log, redis),
    version: config.MMP_VERSION,
    reseau: config.MMP_RESEAU,
    lang: config.MMP_LANG,
    credentials: { clientId: config.MMP_CLIENT_ID, clientSecret: config.MMP_CLIENT_SECRET, username: config.MMP_USERNAME, password: config.MMP_PASSWORD },
  });
  const subgraph = createCustomerSubgraph({
    mmp,
    mmpNetwork: config.MMP_RESEAU,
    store,
    log,
    blacklistTtlMs: config.CUSTOMER_BLACKLIST_TTL_S * 1000,
    importLimits: { maxBytes: config.CUSTOMER_IMPORT_MAX_BYTES, maxEntries: config.CUSTOMER_IMPORT_MAX_ENTRIES },
    carsys: { dealerSecrets: config.CARSYS_DEALER_SECRETS, replayWindowS: config.CARSYS_PUSH_REPLAY_WINDOW_S, maxBodyBytes: config.CARSYS_PUSH_MAX_BYTES },
  });
  const server = await startSubgraphServer(
    { name: 'customer', log, ...subgraph, ready: () => store.query('SELECT 1').then(() => true) },
    config.CUSTOMER_PORT,
  );
  log.info('Customer subgraph listening', { url: server.url, mmp: http.baseUrl, store: store.engine, carsysDealers: Object.keys(config.CARSYS_DEALER_SECRETS) });
  onShutdown(log, async () => {
    await server.close();
    await http.close();
    await store.close();
    await closeRedis(redis);
  });
} catch (err) {
  fatal(log, err);
}
