import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpClient, type HttpClient } from '../../platform/http-client';
import { silentLogger } from '../../platform/logger';
import type { RunningSandbox } from '../../platform/sandbox';
import { createMemoryTokenCache, createTokenProvider } from '../../platform/tokens';
import { createMmpClient, type MmpClient } from './client';
import { MMP_SANDBOX_CREDENTIALS, startMmpSandbox } from './sandbox/server';
import { mmpVehicleServices } from './types';

let sandbox: RunningSandbox;
let http: HttpClient;
const clients: HttpClient[] = [];

const newClient = (over: Partial<{ password: string; timeoutMs: number }> = {}): MmpClient => {
  const h = over.timeoutMs ? createHttpClient({ vendor: 'mmp', baseUrl: sandbox.url, timeoutMs: over.timeoutMs }) : http;
  if (h !== http) clients.push(h);
  return createMmpClient({
    http: h,
    tokens: createTokenProvider({ cache: createMemoryTokenCache(), log: silentLogger, expiryMarginS: 60, lockTtlMs: 1000, lockWaitMs: 1000 }),
    version: 'v1',
    reseau: 'trif',
    lang: 'en',
    credentials: { ...MMP_SANDBOX_CREDENTIALS, ...(over.password ? { password: over.password } : {}) },
  });
};

beforeAll(async () => {
  sandbox = await startMmpSandbox({ port: 0 });
  http = createHttpClient({ vendor: 'mmp', baseUrl: sandbox.url, timeoutMs: 5_000 });
});
afterAll(async () => {
  await Promise.all([http.close(), ...clients.map((c) => c.close())]);
  await sandbox.close();
});
beforeEach(async () => {
  await fetch(`${sandbox.url}/__sandbox/reset`, { method: 'POST' });
});

describe('MMP client against the sandbox', () => {
  it('serves all eight vehicle services with one token', async () => {
    const mmp = newClient();
    for (const service of mmpVehicleServices) await mmp.vehicle(service, 'ABC123');
    const full = await mmp.vehicle('vision360', 'ABC123');
    expect(full.vehicleInformations.vehicleVIN).toBe('VF7RDRFJC9L554165');
    expect(full.vehiculeFactureList[0]!.invoiceContent.length).toBeGreaterThan(0);
    expect(sandbox.stats().tokenRequests).toBe(1);
    expect(sandbox.stats().dataRequests).toBe(9);
    expect(sandbox.stats().byPath['POST /api/v1/trif/service-external-client/vehicule/import-factures']).toBe(1);
  });

  it('each facet service answers the matching slice of vision360', async () => {
    const mmp = newClient();
    const [full, previsions, factures] = await Promise.all([mmp.vehicle('vision360', 'DEF123'), mmp.vehicle('previsions', 'DEF123'), mmp.vehicle('factures', 'DEF123')]);
    expect(previsions).toEqual(full.vehiculePrevisionList);
    expect(factures).toEqual(full.vehiculeFactureList);
  });

  it('an unknown plate is NOT_FOUND with the vendor message', async () => {
    await expect(newClient().vehicle('vision360', 'ZZ-999-ZZ')).rejects.toMatchObject({ code: 'NOT_FOUND', vendor: 'mmp', status: 404 });
  });

  it('a 500 from MMP is UPSTREAM_ERROR', async () => {
    sandbox.setFaults({ errorRate: 1 });
    await expect(newClient().vehicle('previsions', 'ABC123')).rejects.toMatchObject({ code: 'UPSTREAM_ERROR', status: 500 });
  });

  it('a malformed JSON body is UPSTREAM_BAD_RESPONSE', async () => {
    sandbox.setFaults({ malformedRate: 1 });
    await expect(newClient().vehicle('previsions', 'ABC123')).rejects.toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
  });

  it('a vendor slower than the timeout is UPSTREAM_TIMEOUT', async () => {
    const mmp = newClient({ timeoutMs: 200 });
    sandbox.setFaults({ latencyMs: 400 });
    await expect(mmp.vehicle('previsions', 'ABC123')).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
  });

  it('an unreachable vendor is UPSTREAM_UNAVAILABLE', async () => {
    const dead = createHttpClient({ vendor: 'mmp', baseUrl: 'http://127.0.0.1:1', timeoutMs: 1_000 });
    clients.push(dead);
    const mmp = createMmpClient({
      http: dead,
      tokens: createTokenProvider({ cache: createMemoryTokenCache(), log: silentLogger, expiryMarginS: 60, lockTtlMs: 1000, lockWaitMs: 1000 }),
      version: 'v1',
      reseau: 'trif',
      lang: 'en',
      credentials: MMP_SANDBOX_CREDENTIALS,
    });
    await expect(mmp.vehicle('previsions', 'ABC123')).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });

  it('when the vendor expires every token, the next call refetches once and succeeds', async () => {
    const mmp = newClient();
    await mmp.vehicle('previsions', 'ABC123');
    await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ expireTokens: true }) });
    await Promise.all(Array.from({ length: 20 }, () => mmp.vehicle('previsions', 'ABC123')));
    expect(sandbox.stats().tokenRequests).toBe(2);
  });

  it('wrong credentials are UPSTREAM_UNAUTHENTICATED and the secret never appears in the error', async () => {
    const err = await newClient({ password: 'not-the-password' }).vehicle('previsions', 'ABC123').catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'UPSTREAM_UNAUTHENTICATED' });
    expect(String((err as Error).message)).toContain('invalid_grant');
    expect(JSON.stringify(err)).not.toContain('not-the-password');
  });

  it('the sandbox answers 401 with the documented error body without a bearer token', async () => {
    const res = await fetch(`${sandbox.url}/api/v1/trif/service-external-client/vehicule/vision360?lang=en`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ immatriculation: 'ABC123' }),
    });
    expect(res.status).toBe(401);
    expect(Object.keys((await res.json()) as object).sort()).toEqual(['error', 'error_description', 'message']);
  });

  it('the token endpoint issues 7200 s bearer tokens', async () => {
    const res = await fetch(`${sandbox.url}/api/v1/service-authentification/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', client_id: '2', client_secret: MMP_SANDBOX_CREDENTIALS.clientSecret, username: MMP_SANDBOX_CREDENTIALS.username, password: MMP_SANDBOX_CREDENTIALS.password }),
    });
    const body = (await res.json()) as { expires_in: number; access_token: string; token_type: string };
    expect(body).toMatchObject({ expires_in: 7200, token_type: 'Bearer' });
    expect(body.access_token.length).toBeGreaterThan(20);
  });

  it('the sandbox fleet has at least 200 French vehicles with history, forecasts, invoices and reminders', async () => {
    const { buildFleet } = await import('./sandbox/fleet');
    const fleet = buildFleet();
    expect(fleet.plates.length).toBeGreaterThanOrEqual(200);
    const siv = fleet.plates.filter((p) => /^[A-HJ-NP-TV-Z]{2}\d{3}[A-HJ-NP-TV-Z]{2}$/.test(p));
    expect(siv.length).toBeGreaterThanOrEqual(200);
    const withEverything = [...fleet.vehicles.values()].filter(
      (v) => v.vehiculeHistoriqueList.length && v.vehiculePrevisionList.length && v.vehiculeFactureList.length && v.importFactureList.length,
    );
    expect(withEverything.length).toBe(fleet.plates.length);
    expect([...fleet.vehicles.values()].some((v) => v.vehiculeRelanceList.length > 0)).toBe(true);
    expect(buildFleet().plates).toEqual(fleet.plates);
  });
});
