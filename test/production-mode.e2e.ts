import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { DEV_PARTNER_KEY } from '../platform/config/auth';
import { gql } from './support/graphql';
import { freePort, spawnService, waitForHttp, type ChildService } from './support/processes';

/**
 * Production mode (issue 9, point 4): with SWITCHBOARD_ENV=production, or any vendor origin that is not a
 * local sandbox, a process refuses to start while a development default is in force — exit code 2,
 * before it listens, naming each offending variable. Real processes, as `npm start` runs them.
 */
const sha = (k: string) => createHash('sha256').update(k).digest('hex');
const PRODUCTION: Record<string, string> = {
  SWITCHBOARD_ENV: 'production',
  PARTNER_KEYS: JSON.stringify([{ id: 'acme', keySha256: sha('a-real-partner-key-from-the-vault'), offices: ['M200'], scopes: ['orders:read'] }]),
  GATEWAY_SIGNING_SECRET: 'production-signing-secret-from-the-vault',
  CARSYS_DEALER_SECRETS: 'dealer-nl-1:production-dealer-secret-0001',
  VITEC_PASSWORD: 'production-connect-password',
  VITEC_INTAKE_PASSWORD: 'production-intake-password',
  MMP_CLIENT_SECRET: 'production-mmp-client-secret',
  MMP_PASSWORD: 'production-mmp-password',
  CUSTOMERCONNECT_CLIENT_SECRET: 'production-cc-secret',
  CUSTOMERCONNECT_READER_CLIENT_SECRET: 'production-cc-reader-secret',
  OZMAP_API_KEY: 'production-ozmap-api-key',
};
const without = (name: string): Record<string, string> => {
  const { [name]: _dropped, ...rest } = PRODUCTION;
  return rest;
};

const started: ChildService[] = [];
afterAll(() => Promise.all(started.map((s) => s.stop('SIGKILL'))));

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** Starts `entry` on a free port with `env` (in place of the developer's own variables) and waits for it to exit. */
async function refusal(entry: string, portVar: string, env: Record<string, string>) {
  const port = await freePort();
  const blank = Object.fromEntries(Object.keys(PRODUCTION).map((k) => [k, ''])); // unset = '' for the config
  const svc = spawnService(entry, entry, { ...blank, ...env, [portVar]: String(port), DATA_DIR: '/nonexistent-switchboard-data' });
  started.push(svc);
  const code = await new Promise<number | null>((resolve) => {
    if (svc.child.exitCode !== null) return resolve(svc.child.exitCode);
    const timer = setTimeout(() => resolve(null), 60_000);
    svc.child.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  return { code, output: svc.output(), listening: await listening(port) };
}

describe('production mode refuses every development default', () => {
  it.each([
    ['PARTNER_KEYS', { ...PRODUCTION, PARTNER_KEYS: `acme:${sha('x')}:M200,dev:${sha(DEV_PARTNER_KEY)}:M123` }, /PARTNER_KEYS: holds the development partner key/],
    ['GATEWAY_SIGNING_SECRET', without('GATEWAY_SIGNING_SECRET'), /GATEWAY_SIGNING_SECRET: still the development default/],
    ['CARSYS_DEALER_SECRETS', { ...PRODUCTION, CARSYS_DEALER_SECRETS: 'dealer-nl-1:production-dealer-secret-0001,sandbox-dealer:sandbox-dealer-secret' }, /CARSYS_DEALER_SECRETS: dealer sandbox-dealer uses the sandbox dealer secret/],
    ['VITEC_INTAKE_PASSWORD', without('VITEC_INTAKE_PASSWORD'), /VITEC_INTAKE_PASSWORD: still the development default/],
    ['VITEC_PASSWORD', without('VITEC_PASSWORD'), /VITEC_PASSWORD: still the development default/],
  ])('the gateway exits 2 before listening when %s is a development default, naming it', async (name, env, message) => {
    const r = await refusal('gateway/main.ts', 'GATEWAY_PORT', env);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toMatch(/refusing to start in production mode \(SWITCHBOARD_ENV=production\)/);
    expect(r.output).toMatch(message);
    // only that variable is named
    const named = [...r.output.matchAll(/ {2}- ([A-Z_]+):/g)].map((m) => m[1]);
    expect(new Set(named)).toEqual(new Set([name]));
    expect(r.listening).toBe(false);
    expect(r.output).not.toMatch(/listening/);
  });

  it('a subgraph and a sandbox refuse too, and the embedded defaults are all named at once', async () => {
    const [order, sandbox] = await Promise.all([
      refusal('subgraphs/order/main.ts', 'ORDER_PORT', { SWITCHBOARD_ENV: 'production' }),
      refusal('vendors/carsys/sandbox/main.ts', 'CARSYS_SANDBOX_PORT', { SWITCHBOARD_ENV: 'production' }),
    ]);
    for (const r of [order, sandbox]) {
      expect(r.code, r.output).toBe(2);
      for (const v of ['PARTNER_KEYS', 'GATEWAY_SIGNING_SECRET', 'CARSYS_DEALER_SECRETS', 'VITEC_INTAKE_PASSWORD', 'VITEC_PASSWORD', 'MMP_PASSWORD', 'OZMAP_API_KEY']) expect(r.output).toContain(`- ${v}:`);
      expect(r.listening).toBe(false);
    }
  });

  it('a vendor origin that is not a local sandbox is production mode, whatever SWITCHBOARD_ENV says', async () => {
    const r = await refusal('subgraphs/capacity/main.ts', 'CAPACITY_PORT', { CUSTOMERCONNECT_BASE_URL: 'https://api.customerconnect.example' });
    expect(r.code, r.output).toBe(2);
    expect(r.output).toMatch(/production mode \(CUSTOMERCONNECT_BASE_URL is not a local sandbox\)/);
    expect(r.output).toMatch(/GATEWAY_SIGNING_SECRET: still the development default/);
    expect(r.listening).toBe(false);
  });
});

describe('production mode with production values', () => {
  it('starts; introspection (gateway and subgraphs) and the explorer page are off unless set explicitly', async () => {
    const start = async (extra: Record<string, string>) => {
      const port = await freePort();
      const svc = spawnService('gateway', 'gateway/main.ts', { ...PRODUCTION, ...extra, GATEWAY_PORT: String(port) });
      started.push(svc);
      await waitForHttp(`http://127.0.0.1:${port}/healthz`, 60_000, svc.child);
      return `http://127.0.0.1:${port}`;
    };
    const [closed, open] = await Promise.all([start({}), start({ GATEWAY_INTROSPECTION: 'true', GATEWAY_EXPLORER: 'true' })]);
    const introspection = '{ __schema { queryType { name } } }';
    expect((await gql(`${closed}/graphql`, introspection)).errors?.[0]?.message).toMatch(/introspection/i);
    expect((await fetch(`${closed}/`, { headers: { accept: 'text/html' } })).status).toBe(404);
    expect((await gql(`${open}/graphql`, introspection)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect(await (await fetch(`${open}/graphql`, { headers: { accept: 'text/html' } })).text()).toContain('Switchboard GraphiQL');
    // a subgraph in production mode does not answer introspection either
    const port = await freePort();
    const capacity = spawnService('capacity', 'subgraphs/capacity/main.ts', { ...PRODUCTION, CAPACITY_PORT: String(port) });
    started.push(capacity);
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, 60_000, capacity.child);
    expect((await gql(`http://127.0.0.1:${port}/graphql`, introspection)).errors?.[0]?.message).toMatch(/introspection/i);
    // the development partner key is not a credential here
    expect((await fetch(`${closed}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': DEV_PARTNER_KEY }, body: '{"query":"{ __typename }"}' })).status).toBe(401);
  });
});
