import { createHttpClient } from '../../platform/http-client';
import { silentLogger } from '../../platform/logger';
import { createMemoryTokenCache, createTokenProvider } from '../../platform/tokens';
import { createOzmapClient, type OzmapClientOptions } from '../../vendors/ozmap/client';
import { SANDBOX_API_KEY } from '../../vendors/ozmap/sandbox/server';

/** An OZmap client against a sandbox origin, built as a process builds it (tests and bench). */
export function ozmapClientFor(origin: string, opts: Partial<Pick<OzmapClientOptions, 'apiKey' | 'login' | 'password'>> = {}) {
  const http = createHttpClient({ vendor: 'ozmap', baseUrl: origin, timeoutMs: 5_000 });
  const tokens = createTokenProvider({ cache: createMemoryTokenCache(), log: silentLogger, expiryMarginS: 60, lockTtlMs: 5_000, lockWaitMs: 5_000 });
  const login = opts.login !== undefined;
  const client = createOzmapClient({ http, tokens, apiKey: login ? undefined : (opts.apiKey ?? SANDBOX_API_KEY), login: opts.login, password: opts.password, keyLifetimeS: 3600 });
  return { client, http, tokens, close: () => http.close() };
}
