import { localUrl, type Config } from '../../platform/config';
import type { DomainClients } from '../../platform/domain-clients';
import { createHttpClient, upstreamOptionsFromConfig } from '../../platform/http-client';
import type { Logger } from '../../platform/logger';
import type { RedisClient } from '../../platform/redis';
import { tokenProviderFromConfig } from '../../platform/tokens';
import { CUSTOMERCONNECT, createCustomerConnectClient, type CustomerConnectClient } from '../../vendors/customerconnect/client';

export interface CapacityVendorClients {
  customerConnect: CustomerConnectClient;
}

/** The Capacity domain's vendor clients from configuration: CustomerConnect (publisher and reader accounts). */
export function createCapacityClients(config: Config, log: Logger, redis?: RedisClient): DomainClients<CapacityVendorClients> {
  const baseUrl = config.CUSTOMERCONNECT_BASE_URL ?? localUrl(config.CUSTOMERCONNECT_SANDBOX_PORT);
  const vendorHttp = (url: string) => createHttpClient({ vendor: CUSTOMERCONNECT, baseUrl: url, ...upstreamOptionsFromConfig(config), log });
  const http = vendorHttp(baseUrl);
  // Production has the token server on its own host; locally both are the sandbox.
  const authHttp = config.CUSTOMERCONNECT_AUTH_URL && config.CUSTOMERCONNECT_AUTH_URL !== baseUrl ? vendorHttp(config.CUSTOMERCONNECT_AUTH_URL) : http;
  const customerConnect = createCustomerConnectClient({
    http,
    authHttp,
    tokens: tokenProviderFromConfig(config, log, redis),
    tokenPath: config.CUSTOMERCONNECT_TOKEN_PATH,
    capacityPath: config.CUSTOMERCONNECT_CAPACITY_PATH,
    publisher: { clientId: config.CUSTOMERCONNECT_CLIENT_ID, clientSecret: config.CUSTOMERCONNECT_CLIENT_SECRET },
    reader: { clientId: config.CUSTOMERCONNECT_READER_CLIENT_ID, clientSecret: config.CUSTOMERCONNECT_READER_CLIENT_SECRET },
  });
  return {
    clients: { customerConnect },
    origins: { customerconnect: http.baseUrl, auth: authHttp.baseUrl },
    async close() {
      await http.close();
      if (authHttp !== http) await authHttp.close();
    },
  };
}
