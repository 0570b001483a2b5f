import { localUrl, type Config } from '../../platform/config';
import type { DomainClients } from '../../platform/domain-clients';
import { createHttpClient, upstreamOptionsFromConfig } from '../../platform/http-client';
import type { Logger } from '../../platform/logger';
import type { RedisClient } from '../../platform/redis';
import { createVitecClient, type VitecClient } from '../../vendors/vitec/client';

export interface OrderVendorClients {
  vitec: VitecClient;
}

/** The Order domain's vendor clients from configuration: Vitec Express Connect (basic auth, no token cache). */
export function createOrderClients(config: Config, log: Logger, _redis?: RedisClient): DomainClients<OrderVendorClients> {
  const http = createHttpClient({
    vendor: 'vitec',
    baseUrl: config.VITEC_BASE_URL ?? localUrl(config.VITEC_SANDBOX_PORT),
    ...upstreamOptionsFromConfig(config),
    log,
  });
  const vitec = createVitecClient({ http, username: config.VITEC_USERNAME, password: config.VITEC_PASSWORD });
  return { clients: { vitec }, origins: { vitec: http.baseUrl }, close: () => http.close() };
}
