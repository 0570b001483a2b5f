import { createHttpClient, type HttpClient } from '../../platform/http-client';
import { silentLogger } from '../../platform/logger';
import { startSubgraphServer, type RunningSubgraph } from '../../platform/subgraph-server';
import { createMemoryTokenCache, createTokenProvider } from '../../platform/tokens';
import { createVehicleSubgraph } from '../../subgraphs/vehicle/subgraph';
import { createMmpClient, type MmpClient } from '../../vendors/mmp/client';
import { MMP_SANDBOX_CREDENTIALS } from '../../vendors/mmp/sandbox/server';
import { TEST_SIGNING_SECRET } from './callers';

/** An MMP client on a running MMP sandbox, with its own in-memory token cache (in-process tests and benches). */
export function mmpOnSandbox(sandboxUrl: string, timeoutMs = 2_000): { mmp: MmpClient; http: HttpClient } {
  const http = createHttpClient({ vendor: 'mmp', baseUrl: sandboxUrl, timeoutMs });
  const mmp = createMmpClient({
    http,
    tokens: createTokenProvider({ cache: createMemoryTokenCache(), log: silentLogger, expiryMarginS: 60, lockTtlMs: 1000, lockWaitMs: 1000 }),
    version: 'v1',
    reseau: 'trif',
    lang: 'en',
    credentials: MMP_SANDBOX_CREDENTIALS,
  });
  return { mmp, http };
}

/** The Vehicle subgraph served on a free port against a running MMP sandbox; `close` stops both it and its client. */
export async function startVehicleOnSandbox(
  sandboxUrl: string,
  opts: { timeoutMs?: number; signingSecret?: string } = {},
): Promise<{ subgraph: RunningSubgraph; mmp: MmpClient; close(): Promise<void> }> {
  const { mmp, http } = mmpOnSandbox(sandboxUrl, opts.timeoutMs);
  const subgraph = await startSubgraphServer({ name: 'vehicle', log: silentLogger, ...createVehicleSubgraph({ mmp, signingSecret: opts.signingSecret ?? TEST_SIGNING_SECRET, log: silentLogger }) }, 0);
  return {
    subgraph,
    mmp,
    async close() {
      await subgraph.close();
      await http.close();
    },
  };
}
