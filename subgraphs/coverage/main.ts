import { hostname } from 'node:os';
import { localUrl } from '../../platform/config';
import { openStore } from '../../platform/db';
import { createHttpClient } from '../../platform/http-client';
import { bootstrap, fatal, onShutdown } from '../../platform/process';
import { closeRedis, connectRedis } from '../../platform/redis';
import { startSubgraphServer } from '../../platform/subgraph-server';
import { tokenProviderFromConfig } from '../../platform/tokens';
import { createOzmapClient } from '../../vendors/ozmap/client';
import { createCoverageSubgraph } from './subgraph';

const { config, log } = bootstrap('coverage', process.env);

try {
  const redis = config.REDIS_URL ? await connectRedis(config.REDIS_URL, log) : undefined;
  const store = await openStore(config, 'coverage');
  const http = createHttpClient({
    vendor: 'ozmap',
    baseUrl: config.OZMAP_BASE_URL ?? localUrl(config.OZMAP_SANDBOX_PORT),
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    connections: config.UPSTREAM_CONNECTIONS,
    log,
  });
  const useLogin = Boolean(config.OZMAP_LOGIN && config.OZMAP_PASSWORD);
  const ozmap = createOzmapClient({
    http,
    apiPath: config.OZMAP_API_PATH,
    apiKey: useLogin ? undefined : config.OZMAP_API_KEY,
    login: useLogin ? config.OZMAP_LOGIN : undefined,
    password: useLogin ? config.OZMAP_PASSWORD : undefined,
    tokens: tokenProviderFromConfig(config, log, redis),
    keyLifetimeS: config.OZMAP_KEY_LIFETIME_S,
  });
  const subgraph = createCoverageSubgraph({
    ozmap,
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
    },
  });
  const server = await startSubgraphServer({ name: 'coverage', log, schema: subgraph.schema, context: subgraph.context, ready: subgraph.ready }, config.COVERAGE_PORT, config.BIND_ADDRESS);
  subgraph.sweeper.start();
  log.info('Coverage subgraph listening', {
    url: server.url,
    ozmap: ozmap.baseUrl,
    auth: useLogin ? 'login' : 'api key',
    store: store.engine,
    reservationDays: config.COVERAGE_RESERVATION_DAYS,
  });
  onShutdown(log, async () => {
    await subgraph.sweeper.stop();
    await server.close();
    await http.close();
    await store.close();
    await closeRedis(redis);
  });
} catch (err) {
  fatal(log, err);
}
