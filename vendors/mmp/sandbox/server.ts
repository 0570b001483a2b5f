import { normalisePlate } from '../../../platform/plates';
import {
  bearerOf,
  createSandboxTokenStore,
  route,
  startSandbox,
  type Faults,
  type Route,
  type RunningSandbox,
  type SandboxRequest,
  type SandboxResponse,
} from '../../../platform/sandbox';
import type { MmpVehicleService, MmpVision360 } from '../types';
import { mmpVehicleServices } from '../types';
import { buildFleet, type MmpFleet } from './fleet';

/**
 * The MMP Vision 360 sandbox: seed 003's contract — JSON password grant on
 * `/api/{version}/service-authentification/token` (7200 s tokens, `{error, error_description, message}`
 * on failure), bearer data calls on `/api/{version}/{reseau}/service-external-client/vehicule/{service}`
 * answering the `{success, data, message, errors}` envelope, `success: false` with HTTP 404 for an
 * unknown plate. Credentials are the sandbox's own test values unless given.
 */
export interface MmpSandboxOptions {
  port: number;
  host?: string;
  faults?: Partial<Faults>;
  credentials?: { clientId: string; clientSecret: string; username: string; password: string };
  tokenLifetimeS?: number;
  fleet?: MmpFleet;
  /** extra vendor routes (adherent services) mounted on the same server */
  extraRoutes?: (ctx: MmpSandboxContext) => Route[];
}

export interface MmpSandboxContext {
  fleet: MmpFleet;
  /** answers 401 with the vendor's error body unless the request carries a valid bearer token */
  authorize(req: SandboxRequest): SandboxResponse | undefined;
  envelope<T>(data: T, message?: string): SandboxResponse;
  failure(status: number, message: string, errors?: Record<string, string[]>): SandboxResponse;
}

export const MMP_SANDBOX_CREDENTIALS = { clientId: '2', clientSecret: 'sandbox-client-secret', username: 'sandbox@switchboard.test', password: 'sandbox-password' };

const tokenError = (status: number, error: string, description: string, message: string): SandboxResponse => ({
  status,
  body: { error, error_description: description, message },
});

const envelope = <T>(data: T, message = 'OK'): SandboxResponse => ({ status: 200, body: { success: true, data, message, errors: [] } });
const failure = (status: number, message: string, errors: Record<string, string[]> = {}): SandboxResponse => ({
  status,
  body: { success: false, data: [], message, errors },
});

/** Each vehicle service answers its slice of the vehicle's full Vision 360 record. */
const slices: { [S in MmpVehicleService]: (v: MmpVision360) => unknown } = {
  'import-client': (v) => v.clientList,
  client: (v) => v.relanceClientList,
  historiques: (v) => v.vehiculeHistoriqueList,
  previsions: (v) => v.vehiculePrevisionList,
  'import-factures': (v) => v.importFactureList,
  factures: (v) => v.vehiculeFactureList,
  relances: (v) => v.vehiculeRelanceList,
  vision360: (v) => v,
};

export async function startMmpSandbox(opts: MmpSandboxOptions): Promise<RunningSandbox> {
  const creds = opts.credentials ?? MMP_SANDBOX_CREDENTIALS;
  const tokens = createSandboxTokenStore<string>(opts.tokenLifetimeS ?? 7200);
  const fleet = opts.fleet ?? buildFleet();

  // The fleet never changes, so each answer is serialised once: benchmarks then measure Switchboard,
  // not the sandbox's JSON.stringify of a 70 kB vision360 record.
  const answers = new Map<string, SandboxResponse>();
  const serialised = (service: MmpVehicleService, plate: string, vehicle: MmpVision360): SandboxResponse => {
    const key = `${service}|${plate}`;
    let answer = answers.get(key);
    if (!answer) {
      answer = { status: 200, text: JSON.stringify(envelope(slices[service](vehicle)).body), headers: { 'content-type': 'application/json; charset=utf-8' } };
      answers.set(key, answer);
    }
    return answer;
  };

  const authorize = (req: SandboxRequest): SandboxResponse | undefined => {
    if (tokens.verify(bearerOf(req.headers.authorization))) return undefined;
    return tokenError(401, 'invalid_token', 'The access token provided is expired, revoked, malformed, or invalid for other reasons.', 'Unauthenticated.');
  };
  const ctx: MmpSandboxContext = { fleet, authorize, envelope, failure };

  const issueToken = route('POST', '/api/:version/service-authentification/token', 'token', (req) => {
    const body = req.json<Record<string, unknown>>() ?? {};
    if (body.grant_type !== 'password') return tokenError(400, 'unsupported_grant_type', 'The authorization grant type is not supported by the authorization server.', 'Check the `grant_type` parameter');
    if (String(body.client_id) !== creds.clientId || body.client_secret !== creds.clientSecret) {
      return tokenError(401, 'invalid_client', 'Client authentication failed', 'Client authentication failed');
    }
    if (body.username !== creds.username || body.password !== creds.password) {
      return tokenError(400, 'invalid_grant', 'The user credentials were incorrect.', 'The user credentials were incorrect.');
    }
    return { status: 200, body: { token_type: 'Bearer', expires_in: tokens.lifetimeS, access_token: tokens.issue(String(body.username)) } };
  });

  const vehicleRoutes = mmpVehicleServices.map((service) =>
    route('POST', `/api/:version/:reseau/service-external-client/vehicule/${service}`, 'data', (req) => {
      const denied = authorize(req);
      if (denied) return denied;
      const body = req.json<{ immatriculation?: unknown }>();
      if (typeof body?.immatriculation !== 'string' || !body.immatriculation.trim()) {
        return failure(422, 'The given data was invalid.', { immatriculation: ["Le champ immatriculation est obligatoire."] });
      }
      let plate: string;
      try {
        plate = normalisePlate(body.immatriculation);
      } catch {
        return failure(422, 'The given data was invalid.', { immatriculation: ["Le format de l'immatriculation est invalide."] });
      }
      const vehicle = fleet.vehicles.get(plate);
      if (!vehicle) return failure(404, 'Aucun véhicule trouvé pour cette immatriculation', { immatriculation: ['Vehicle not found'] });
      return serialised(service, plate, vehicle);
    }),
  );

  return startSandbox(
    {
      name: 'mmp',
      routes: [issueToken, ...vehicleRoutes, ...(opts.extraRoutes?.(ctx) ?? [])],
      faults: opts.faults,
      errorResponse: (status, message) => (status === 404 ? failure(404, message) : failure(status, status >= 500 ? 'Server Error' : message, status >= 500 ? {} : { request: [message] })),
      expireTokens: () => tokens.expireAll(),
    },
    opts.port,
    opts.host,
  );
}
