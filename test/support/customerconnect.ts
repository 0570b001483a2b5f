import { createHttpClient } from '../../platform/http-client';
import { silentLogger } from '../../platform/logger';
import { createMemoryTokenCache, createTokenProvider, type TokenCache } from '../../platform/tokens';
import { createCustomerConnectClient, type CustomerConnectCredentials } from '../../vendors/customerconnect/client';

/** A client against a sandbox URL with its own token provider, as a process would build it (tests and bench). */
export function customerConnectClientFor(
  baseUrl: string,
  opts: { publisher?: CustomerConnectCredentials; reader?: CustomerConnectCredentials; cache?: TokenCache } = {},
) {
  const http = createHttpClient({ vendor: 'customerconnect', baseUrl, timeoutMs: 5_000 });
  const tokens = createTokenProvider({ cache: opts.cache ?? createMemoryTokenCache(), log: silentLogger, expiryMarginS: 60, lockTtlMs: 5_000, lockWaitMs: 5_000 });
  const client = createCustomerConnectClient({
    http,
    tokens,
    publisher: opts.publisher ?? { clientId: 'Autoflex', clientSecret: 'geheim' },
    reader: opts.reader ?? { clientId: 'Garagevergelijker', clientSecret: 'sandbox-reader-secret' },
  });
  return { client, tokens, http, close: () => http.close() };
}
