import { loadConfig, localUrl } from '../../platform/config';
import { createHttpClient } from '../../platform/http-client';
import { createLogger } from '../../platform/logger';
import { fatal, onShutdown } from '../../platform/process';
import { closeRedis, connectRedis } from '../../platform/redis';
import { startSubgraphServer } from '../../platform/subgraph-server';
import { tokenProviderFromConfig } from '../../platform/tokens';
import { createMmpClient } from '../../vendors/mmp/client';
import { createVehicleSubgraph } from './subgraph';

const config = (() => {
  try {
    return loadConfig(process.env);
  } catch (err) {
    return fatal(createLogger({ service: 'vehicle' }), err);
  }
})();
const log = createLogger({ service: 'vehicle' }, config.LOG_LEVEL);

try {
  const redis = config.REDIS_URL ? await connectRedis(config.REDIS_URL, log) : undefined;
  const http = createHttpClient({
    vendor: 'mmp',
    baseUrl: config.MMP_BASE_URL ?? localUrl(config.MMP_SANDBOX_PORT),
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    connections: config.UPSTREAM_CONNECTIONS,
  });
  const mmp = createMmpClient({
    http,
    tokens: tokenProviderFromConfig(config, log, redis),
    version: config.MMP_VERSION,
    reseau: config.MMP_RESEAU,
    lang: config.MMP_LANG,
    credentials: { clientId: config.MMP_CLIENT_ID, clientSecret: config.MMP_CLIENT_SECRET, username: config.MMP_USERNAME, password: config.MMP_PASSWORD },
  });
  const subgraph = createVehicleSubgraph({ mmp });
  const server = await startSubgraphServer({ name: 'vehicle', log, ...subgraph }, config.VEHICLE_PORT);
  log.info('Vehicle subgraph listening', { url: server.url, mmp: http.baseUrl, tokenCache: redis ? 'redis' : 'memory' });
  onShutdown(log, async () => {
    await server.close();
    await http.close();
    await closeRedis(redis);
  });
} catch (err) {
  fatal(log, err);
}
