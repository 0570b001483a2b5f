import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPgliteStore, createPostgresStore, migrate, type Store } from '../../platform/db';
import { createHttpClient } from '../../platform/http-client';
import { silentLogger } from '../../platform/logger';
import { eventCount } from '../../platform/metrics';
import { startSubgraphServer, type RunningSubgraph } from '../../platform/subgraph-server';
import { createMemoryTokenCache, createTokenProvider } from '../../platform/tokens';
import type { RunningSandbox } from '../../platform/sandbox';
import { pushPathOf } from '../../vendors/carsys/paths';
import { startCarsysSandbox } from '../../vendors/carsys/sandbox/server';
import { createMmpClient } from '../../vendors/mmp/client';
import { buildAdherentData } from '../../vendors/mmp/sandbox/adherents-data';
import { mmpAdherentRoutes } from '../../vendors/mmp/sandbox/adherents-routes';
import { buildFleet } from '../../vendors/mmp/sandbox/fleet';
import { MMP_SANDBOX_CREDENTIALS, startMmpSandbox } from '../../vendors/mmp/sandbox/server';
import { gql as gqlAnonymous, sandboxReset, sandboxStats } from '../../test/support/graphql';
import { callerHeaders, TEST_SIGNING_SECRET } from '../../test/support/callers';
import { createThrowawayDatabase } from '../../test/support/throwaway-postgres';
import { buildZip, postMultipart } from '../../test/support/zip';
import { createCustomerSubgraph } from './subgraph';
import { customerMigrations } from './store';

/** These tests are about the data, not access (see test/access.e2e.ts): they call as a fully trusted partner. */
const gql = <T = Record<string, any>>(url: string, query: string, variables?: Record<string, unknown>) => gqlAnonymous<T>(url, query, variables, callerHeaders());

const SECRET = 'subgraph-test-dealer-secret';
const CLIENT = 'POST /api/v1/trif/service-external-client/vehicule/client';
const BLACKLIST = 'GET /api/v1/trif/service-external-client/adherents/relance-clients/blacklist';
const IMPORT = 'POST /api/v1/trif/service-external-client/import-fichier/clients-factures';
// seed 003 §13 literally: /api/{reseau}/… without {version} (MMP_CAMPAIGN_CLIENTS_PATH's default)
const campaignsPath = (code: string) => `GET /api/trif/service-external-client/adherents/${code}/campagnes-clients`;
const fleet = buildFleet();
const plates = fleet.plates.slice(0, 50);
const rounds = () => eventCount('db.customer.rounds');

const engines = [
  { name: 'PGlite', open: async () => ({ store: await createPgliteStore(), drop: async () => undefined }) },
  {
    name: 'PostgreSQL',
    open: async () => {
      const db = await createThrowawayDatabase();
      return { store: createPostgresStore(db.url, 4) as Store, drop: db.drop };
    },
  },
];

describe.each(engines)('Customer subgraph in process on $name', (engine) => {
  let store: Store;
  let drop: () => Promise<void>;
  let mmpSandbox: RunningSandbox;
  let carsys: Awaited<ReturnType<typeof startCarsysSandbox>>;
  let server: RunningSubgraph;
  let http: ReturnType<typeof createHttpClient>;

  beforeAll(async () => {
    ({ store, drop } = await engine.open());
    await migrate(store, customerMigrations);
    mmpSandbox = await startMmpSandbox({ port: 0, fleet, extraRoutes: mmpAdherentRoutes });
    http = createHttpClient({ vendor: 'mmp', baseUrl: mmpSandbox.url, timeoutMs: 5_000 });
    const tokens = createTokenProvider({ cache: createMemoryTokenCache(), log: silentLogger, expiryMarginS: 60, lockTtlMs: 5_000, lockWaitMs: 5_000 });
    const mmp = createMmpClient({ http, tokens, version: 'v1', reseau: 'trif', lang: 'en', credentials: MMP_SANDBOX_CREDENTIALS });
    const subgraph = createCustomerSubgraph({
      mmp,
      mmpNetwork: 'trif',
      store,
      log: silentLogger,
      signingSecret: TEST_SIGNING_SECRET,
      blacklistTtlMs: 60_000,
      importLimits: { maxBytes: 64 * 1024, maxEntries: 5 },
      carsys: { dealerSecrets: { 'dealer-nl': [SECRET] }, replayWindowS: 300, maxBodyBytes: 256 * 1024 },
    });
    server = await startSubgraphServer({ name: 'customer', log: silentLogger, ...subgraph }, 0);
    carsys = await startCarsysSandbox({ port: 0, receiverUrl: server.url.replace('/graphql', pushPathOf('dealer-nl')), dealerId: 'dealer-nl', secret: SECRET });
    // Work orders for the first 50 MMP plates (so both sources know them), pushed with repeats and late revisions.
    const pushed = await fetch(`${carsys.url}/__sandbox/push`, { method: 'POST', body: JSON.stringify({ count: 50, duplicates: 10, outOfOrder: 5, plates }) });
    expect(((await pushed.json()) as { byStatus: unknown }).byStatus).toEqual({ created: 50, duplicate: 10, stale: 5 });
  });
  afterAll(async () => {
    await carsys?.close();
    await server?.close();
    await mmpSandbox?.close();
    await http?.close();
    await store?.close();
    await drop?.();
  });
  beforeEach(() => sandboxReset(mmpSandbox.url));

  const entities = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Vehicle { plate
      customers { id name contactPreferences { sms email post privacy blacklisted basis } }
      owner { id name company contactPreferences { sms basis } }
      driver { name privateContact { mobile } address { street houseNumber postcode place } }
      contractor { company }
      appointments { dmsNumber workOrderNumber waitingCustomer totalPrice interventions { title price } vehicle { plateAsPushed apkDate fuel } }
    } } }`;

  it('joins 50 vehicles (with repeats) in one DB round per resource, one MMP call per distinct plate and one blacklist fetch', async () => {
    const reps = [...plates, ...plates.slice(0, 10)].map((plate) => ({ __typename: 'Vehicle', plate }));
    const before = await rounds();
    const res = await gql(server.url, entities, { r: reps });
    expect(res.errors).toBeUndefined();
    expect((await rounds()) - before).toBe(2); // work orders, persons
    const stats = await sandboxStats(mmpSandbox.url);
    expect(stats.byPath[CLIENT]).toBe(50);
    expect(stats.byPath[BLACKLIST]).toBe(1);
    expect(stats.tokenRequests).toBe(1);
    expect(stats.dataRequests).toBe(51);

    const vehicles = res.data!._entities as any[];
    expect(vehicles).toHaveLength(60);
    for (const v of vehicles) {
      expect(v.customers.length).toBeGreaterThan(0);
      expect(v.customers[0].id).toMatch(new RegExp(`^mmp:trif:${v.plate}:\\d+$`));
      expect(v.owner.id).toMatch(/^carsys:dealer-nl:K\d+$/);
      expect(v.appointments).toHaveLength(1);
      const a = v.appointments[0];
      expect(a.vehicle.plateAsPushed.replace(/-/g, '')).toBe(v.plate);
      const cents = a.interventions.reduce((s: number, i: { price: string }) => s + Math.round(Number(i.price) * 100), 0);
      expect(Math.round(Number(a.totalPrice) * 100)).toBe(cents);
    }
    // Contact preferences agree with the sandbox's blacklist: blacklisted MMP clients are exactly those listed.
    const listed = new Set(buildAdherentData(fleet).blacklist.map((e) => e.clientId));
    const mmpCustomers = vehicles.flatMap((v) => v.customers);
    for (const c of mmpCustomers) {
      const clientId = Number(c.id.split(':')[3]);
      expect(c.contactPreferences.blacklisted).toBe(listed.has(clientId));
      expect(c.contactPreferences.basis).toBe(listed.has(clientId) ? 'mmp-blacklist' : 'mmp-client');
      if (c.contactPreferences.privacy.includes('MOBILE_PHONE')) expect(c.contactPreferences.sms).toBe(false);
    }
    expect(mmpCustomers.some((c) => c.contactPreferences.blacklisted)).toBe(true);
    expect(mmpCustomers.some((c) => !c.contactPreferences.blacklisted)).toBe(true);

    // A second request: loaders are per request (50 client calls again), the blacklist is cached (no fetch).
    await gql(server.url, entities, { r: reps });
    const again = await sandboxStats(mmpSandbox.url);
    expect(again.byPath[CLIENT]).toBe(100);
    expect(again.byPath[BLACKLIST]).toBe(1);
  });

  it('resolves customers by id for both sources', async () => {
    const res = await gql(server.url, `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Vehicle { customers { id name } owner { id name } } } }`, { r: [{ __typename: 'Vehicle', plate: plates[3] }] });
    const v = res.data!._entities[0];
    for (const c of [v.customers[0], v.owner]) {
      const one = await gql(server.url, 'query ($id: ID!) { customer(id: $id) { id name source } }', { id: c.id });
      expect(one.data!.customer).toMatchObject({ id: c.id, name: c.name });
    }
    expect((await gql(server.url, '{ customer(id: "carsys:dealer-nl:nobody") { id } }')).data!.customer).toBeNull();
    expect((await gql(server.url, '{ customer(id: "nonsense") { id } }')).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('pages campaign clients with cursors, reading only the MMP pages it needs', async () => {
    const data = buildAdherentData(fleet);
    const [code, campaigns] = [...data.campaigns.entries()].find(([, c]) => c.reduce((n, x) => n + x.clientList.length, 0) > 8)!;
    const total = campaigns.reduce((n, c) => n + c.clientList.length, 0);
    const q = 'query ($code: String!, $after: String) { mmpCampaignClients(codePdv: $code, first: 4, after: $after) { totalCampaigns edges { cursor node { campaign { id diffusionDate } lastName vehicle { plate } diffusion { sms } } } pageInfo { hasNextPage endCursor } } }';
    const seen: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 50; guard++) {
      const res: Awaited<ReturnType<typeof gql<Record<string, any>>>> = await gql(server.url, q, { code, after });
      expect(res.errors).toBeUndefined();
      const conn: any = res.data!.mmpCampaignClients;
      expect(conn.totalCampaigns).toBe(campaigns.length);
      for (const e of conn.edges) seen.push(`${e.node.campaign.id}/${e.node.vehicle.plate}/${e.node.lastName}`);
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    const expected = campaigns.flatMap((c) => c.clientList.map((cl) => `${c.id}/${cl.vehicule.immatriculation}/${cl.nom}`));
    expect(seen).toEqual(expected);
    expect(seen).toHaveLength(total);
    // Each request reads the page its cursor is on and, when that page runs out, the next ones only as needed.
    const calls = (await sandboxStats(mmpSandbox.url)).byPath[campaignsPath(code)]!;
    expect(calls).toBeLessThanOrEqual(Math.ceil(total / 4) + Math.ceil(campaigns.length / data.perPage));
    expect((await gql(server.url, '{ mmpCampaignClients(codePdv: "NOPE99") { edges { cursor } } }')).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await gql(server.url, '{ mmpCampaignClients(codePdv: "920150", after: "garbage") { edges { cursor } } }')).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  const upload = 'mutation ($org: String!, $file: Upload!) { importMmpClientsAndInvoices(organizationId: $org, file: $file) { success message entries bytes } }';

  it('imports a ZIP through a multipart request, and refuses bad files before any MMP call', async () => {
    const zip = buildZip([
      { name: 'clients.csv', content: 'clientDmsId;nom\n1;DUPONT\n' },
      { name: 'factures.csv', content: 'invoiceDmsId;montant\n26187;297.79\n' },
    ]);
    const ok = await postMultipart(server.url, upload, { org: '57525' }, { file: { content: zip, name: 'import.zip' } }, callerHeaders());
    expect(ok.body.errors).toBeUndefined();
    expect(ok.body.data.importMmpClientsAndInvoices).toEqual({ success: true, message: 'Le fichier a été importé avec succès.', entries: 2, bytes: zip.length });
    expect((await sandboxStats(mmpSandbox.url)).byPath[IMPORT]).toBe(1);

    await sandboxReset(mmpSandbox.url);
    const notZip = await postMultipart(server.url, upload, { org: '57525' }, { file: { content: Buffer.from('%PDF-1.7 not a zip'), name: 'x.zip' } }, callerHeaders());
    expect(notZip.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(notZip.body.errors?.[0]?.message).toMatch(/not a ZIP/);
    const tooMany = buildZip(Array.from({ length: 6 }, (_, i) => ({ name: `f${i}.csv`, content: 'x' })));
    expect((await postMultipart(server.url, upload, { org: '57525' }, { file: { content: tooMany, name: 'x.zip' } }, callerHeaders())).body.errors?.[0]?.message).toMatch(/6 files; at most 5/);
    const truncated = zip.subarray(0, zip.length - 10);
    expect((await postMultipart(server.url, upload, { org: '57525' }, { file: { content: truncated, name: 'x.zip' } }, callerHeaders())).body.errors?.[0]?.message).toMatch(/end-of-central-directory/);
    const big = buildZip([{ name: 'big.bin', content: Buffer.alloc(70 * 1024, 1) }]);
    const tooBig = await postMultipart(server.url, upload, { org: '57525' }, { file: { content: big, name: 'big.zip' } }, callerHeaders());
    expect(tooBig.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(tooBig.body.errors?.[0]?.message).toMatch(/at most 65536 bytes/);
    const huge = await postMultipart(server.url, upload, { org: '57525' }, { file: { content: Buffer.alloc(300 * 1024, 7), name: 'huge.zip' } }, callerHeaders());
    expect(huge.status).toBe(413);
    expect(huge.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const viaJson = await gql(server.url, upload, { org: '57525', file: 'not a file' });
    expect(viaJson.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const stats = await sandboxStats(mmpSandbox.url);
    expect(stats.dataRequests).toBe(0);
    expect(stats.tokenRequests).toBe(0);
    // MMP's own refusal (unknown adherent) is a coded error too.
    const unknownOrg = await postMultipart(server.url, upload, { org: '1' }, { file: { content: zip, name: 'import.zip' } }, callerHeaders());
    expect(unknownOrg.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
