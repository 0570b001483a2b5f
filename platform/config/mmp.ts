import { z } from 'zod';
import { envVar, url } from './define';

/** Defaults are the MMP sandbox's own test values; a real environment sets every one of these. */
export const mmpEnv = {
  MMP_BASE_URL: envVar(url(), 'MMP Vision 360 origin (https://{url_apl_mmp}). Unset: the local sandbox on MMP_SANDBOX_PORT'),
  MMP_VERSION: envVar(z.string().regex(/^v\d+$/, 'expected v<number>, e.g. v1').default('v1'), 'MMP API version path segment ({version})'),
  MMP_RESEAU: envVar(z.string().regex(/^[a-z0-9-]+$/i, 'expected a network code of letters, digits and dashes').default('trif'), 'MMP network path segment ({reseau})'),
  MMP_CAMPAIGN_CLIENTS_PATH: envVar(
    z
      .string()
      .regex(/^\/[^?#\s]*\{code_pdv\}[^?#\s]*$/, 'expected a path from the origin holding {code_pdv}, e.g. /api/{reseau}/service-external-client/adherents/{code_pdv}/campagnes-clients')
      .default('/api/{reseau}/service-external-client/adherents/{code_pdv}/campagnes-clients'),
    'Path of MMP campaign clients (seed 003 §13), {version}/{reseau}/{code_pdv} filled in. Default: the seed literally, without {version}',
  ),
  MMP_LANG: envVar(z.enum(['en', 'fr']).default('en'), 'lang query parameter of MMP data calls'),
  MMP_CLIENT_ID: envVar(z.string().default('2'), 'MMP OAuth client_id'),
  MMP_CLIENT_SECRET: envVar(z.string().default('sandbox-client-secret'), 'MMP OAuth client_secret', true),
  MMP_USERNAME: envVar(z.string().default('sandbox@switchboard.test'), 'MMP account e-mail (password grant)'),
  MMP_PASSWORD: envVar(z.string().default('sandbox-password'), 'MMP account password', true),
};
