import { z } from 'zod';
import { envVar, url } from './define';

const path = (fallback: string) => z.string().regex(/^\/[^\s?#]*$/, 'expected an absolute path such as /connect/token').default(fallback);

/**
 * CustomerConnect (OEC) platform. Defaults are the test values of the vendor's own documentation (client
 * Autoflex/geheim) and of our sandbox's reader client; production credentials come only from the
 * environment. In production the token server and the platform live on different hosts
 * (auth.customerconnect.nl and api.customerconnect.nl), hence a separate auth origin.
 */
export const customerConnectEnv = {
  CUSTOMERCONNECT_BASE_URL: envVar(url(), 'CustomerConnect platform origin (production https://api.customerconnect.nl). Unset: the local sandbox on CUSTOMERCONNECT_SANDBOX_PORT'),
  CUSTOMERCONNECT_AUTH_URL: envVar(url(), 'CustomerConnect token server origin (production https://auth.customerconnect.nl). Unset: same as CUSTOMERCONNECT_BASE_URL'),
  CUSTOMERCONNECT_TOKEN_PATH: envVar(path('/connect/token'), 'Path of the IdentityServer token endpoint on the auth origin'),
  CUSTOMERCONNECT_CAPACITY_PATH: envVar(path('/ccplatform/api/v1/capacity'), 'Path of the capacity resource on the platform origin'),
  CUSTOMERCONNECT_CLIENT_ID: envVar(z.string().min(1).default('Autoflex'), 'Publishing client id (HTTP Basic user of the token request); one client for every workshop user'),
  CUSTOMERCONNECT_CLIENT_SECRET: envVar(z.string().min(1).default('geheim'), 'Publishing client secret (HTTP Basic password of the token request)', true),
  CUSTOMERCONNECT_READER_CLIENT_ID: envVar(z.string().min(1).default('Garagevergelijker'), 'Reading client id (the booking side reads capacity back with its own credentials)'),
  CUSTOMERCONNECT_READER_CLIENT_SECRET: envVar(z.string().min(1).default('sandbox-reader-secret'), 'Reading client secret', true),
};
