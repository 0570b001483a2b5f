import { localUrl, type Config } from '../../platform/config';
import { createHttpClient, upstreamOptionsFromConfig, type HttpClient } from '../../platform/http-client';
import type { Logger } from '../../platform/logger';
import type { RedisClient } from '../../platform/redis';
import { tokenProviderFromConfig } from '../../platform/tokens';
import { createMmpClient, type MmpClient } from './client';

/**
 * The MMP client of a process, from configuration. Every process builds it the same way, so every
 * process uses the same token key: with Redis, Vehicle and Customer share one MMP token.
 */
export function mmpClientFromConfig(config: Config, log: Logger, redis?: RedisClient): { mmp: MmpClient; http: HttpClient } {
  const http = createHttpClient({
    vendor: 'mmp',
    baseUrl: config.MMP_BASE_URL ?? localUrl(config.MMP_SANDBOX_PORT),
    ...upstreamOptionsFromConfig(config),
    log,
  });
  const mmp = createMmpClient({
    http,
    tokens: tokenProviderFromConfig(config, log, redis),
    version: config.MMP_VERSION,
    reseau: config.MMP_RESEAU,
    lang: config.MMP_LANG,
    credentials: { clientId: config.MMP_CLIENT_ID, clientSecret: config.MMP_CLIENT_SECRET, username: config.MMP_USERNAME, password: config.MMP_PASSWORD },
  });
  return { mmp, http };
}
