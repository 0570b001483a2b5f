import type { Config } from '../../platform/config';
import type { DomainClients } from '../../platform/domain-clients';
import type { Logger } from '../../platform/logger';
import type { RedisClient } from '../../platform/redis';
import type { MmpClient } from '../../vendors/mmp/client';
import { mmpClientFromConfig } from '../../vendors/mmp/from-config';

export interface VehicleVendorClients {
  mmp: MmpClient;
}

/** The Vehicle domain's vendor clients from configuration: MMP Vision 360 (same account and token key as Customer). */
export function createVehicleClients(config: Config, log: Logger, redis?: RedisClient): DomainClients<VehicleVendorClients> {
  const { mmp, http } = mmpClientFromConfig(config, log, redis);
  return { clients: { mmp }, origins: { mmp: http.baseUrl }, close: () => http.close() };
}
