import { localUrl, type Config } from '../../platform/config';
import type { DomainClients } from '../../platform/domain-clients';
import { createHttpClient, upstreamOptionsFromConfig } from '../../platform/http-client';
import type { Logger } from '../../platform/logger';
import type { RedisClient } from '../../platform/redis';
import { tokenProviderFromConfig } from '../../platform/tokens';
import { createOzmapClient, type OzmapClient } from '../../vendors/ozmap/client';

export interface CoverageVendorClients {
  ozmap: OzmapClient;
}

/** The Coverage domain's vendor clients from configuration: OZmap, by API key or by login (when both are set). */
export function createCoverageClients(config: Config, log: Logger, redis?: RedisClient): DomainClients<CoverageVendorClients> & { auth: 'login' | 'api key' } {
  const http = createHttpClient({
    vendor: 'ozmap',
    baseUrl: config.OZMAP_BASE_URL ?? localUrl(config.OZMAP_SANDBOX_PORT),
    ...upstreamOptionsFromConfig(config),
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
  return { clients: { ozmap }, origins: { ozmap: ozmap.baseUrl }, auth: useLogin ? 'login' : 'api key', close: () => http.close() };
}
