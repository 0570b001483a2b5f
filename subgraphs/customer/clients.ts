import type { Config } from '../../platform/config';
import type { DomainClients } from '../../platform/domain-clients';
import type { Logger } from '../../platform/logger';
import type { RedisClient } from '../../platform/redis';
import { createMmpAdherentsClient, type MmpAdherentsClient } from '../../vendors/mmp/adherents-client';
import type { MmpClient } from '../../vendors/mmp/client';
import { mmpClientFromConfig } from '../../vendors/mmp/from-config';

export interface CustomerVendorClients {
  mmp: MmpClient;
  /** the MMP network (reseau) the clients address */
  mmpNetwork: string;
  /** MMP's adherent services (seed 003 §13-15) on the same account */
  adherents: MmpAdherentsClient;
}

/**
 * The Customer domain's vendor clients from configuration: MMP (same account and token key as the Vehicle
 * subgraph: with Redis, both processes share one MMP token). Carsys pushes to us: it has no client here.
 */
export function createCustomerClients(config: Config, log: Logger, redis?: RedisClient): DomainClients<CustomerVendorClients> {
  const { mmp, http } = mmpClientFromConfig(config, log, redis);
  const adherents = createMmpAdherentsClient(mmp, config.MMP_RESEAU, { campaignClientsPath: config.MMP_CAMPAIGN_CLIENTS_PATH });
  return { clients: { mmp, mmpNetwork: config.MMP_RESEAU, adherents }, origins: { mmp: http.baseUrl }, close: () => http.close() };
}
