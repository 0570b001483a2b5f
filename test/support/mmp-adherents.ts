import { createHttpClient } from '../../platform/http-client';
import { silentLogger } from '../../platform/logger';
import type { RunningSandbox } from '../../platform/sandbox';
import { createMemoryTokenCache, createTokenProvider } from '../../platform/tokens';
import { createMmpAdherentsClient } from '../../vendors/mmp/adherents-client';
import { createMmpClient } from '../../vendors/mmp/client';
import { buildAdherentData } from '../../vendors/mmp/sandbox/adherents-data';
import { mmpAdherentRoutes } from '../../vendors/mmp/sandbox/adherents-routes';
import { buildFleet } from '../../vendors/mmp/sandbox/fleet';
import { MMP_SANDBOX_CREDENTIALS, startMmpSandbox } from '../../vendors/mmp/sandbox/server';

export interface MmpAdherentsFixture {
  fleet: ReturnType<typeof buildFleet>;
  data: ReturnType<typeof buildAdherentData>;
  sandbox: RunningSandbox;
  adherents: ReturnType<typeof createMmpAdherentsClient>;
  /** another adherents client on the same sandbox (own token cache), e.g. with another campaign-clients path */
  adherentsWith(options: Parameters<typeof createMmpAdherentsClient>[2]): ReturnType<typeof createMmpAdherentsClient>;
  close(): Promise<void>;
}

/**
 * The MMP sandbox with its adherent routes (campaign clients, blacklist) on a free port, and the real
 * adherents client against it (network `trif`, version `v1`, a memory token cache).
 */
export async function startMmpAdherents(fleetSize = 60): Promise<MmpAdherentsFixture> {
  const fleet = buildFleet(fleetSize);
  const data = buildAdherentData(fleet);
  const sandbox = await startMmpSandbox({ port: 0, fleet, extraRoutes: (ctx) => mmpAdherentRoutes(ctx, data) });
  const http = createHttpClient({ vendor: 'mmp', baseUrl: sandbox.url, timeoutMs: 3_000 });
  const adherentsWith = (options?: Parameters<typeof createMmpAdherentsClient>[2]) => {
    const tokens = createTokenProvider({ cache: createMemoryTokenCache(), log: silentLogger, expiryMarginS: 60, lockTtlMs: 5_000, lockWaitMs: 5_000 });
    return createMmpAdherentsClient(createMmpClient({ http, tokens, version: 'v1', reseau: 'trif', lang: 'en', credentials: MMP_SANDBOX_CREDENTIALS }), 'trif', options);
  };
  const adherents = adherentsWith();
  return {
    fleet,
    data,
    sandbox,
    adherents,
    adherentsWith,
    async close() {
      await sandbox.close();
      await http.close();
    },
  };
}
