import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildFleet } from '../vendors/mmp/sandbox/fleet';
import { DEV_PARTNER, gql, sandboxReset, sandboxStats } from './support/graphql';
import { metricsUrlOf, scrape } from './support/metrics';
import { startStack, type Stack } from './support/stack';
import { buildZip, postMultipart } from './support/zip';

/**
 * Gateway → Vehicle and Customer subgraphs → MMP sandbox, with the Carsys sandbox pushing work orders into
 * the Customer subgraph: five processes over HTTP, as `npm start` runs them.
 */
const CLIENT = 'POST /api/v1/trif/service-external-client/vehicule/client';
const BLACKLIST = 'GET /api/v1/trif/service-external-client/adherents/relance-clients/blacklist';
const IMPORT = 'POST /api/v1/trif/service-external-client/import-fichier/clients-factures';
const VISION360 = 'POST /api/v1/trif/service-external-client/vehicule/vision360';
const plates = buildFleet().plates.slice(0, 50);
const MAX_IMPORT = 64 * 1024;

let stack: Stack;
// a named domain event of the Customer process, read from its Prometheus /metrics
const metric = async (event: string) => (await scrape(metricsUrlOf(stack.subgraphUrl('customer')))).value('switchboard_events_total', { event });

beforeAll(async () => {
  stack = await startStack({
    sandboxes: ['mmp', 'carsys'],
    subgraphs: ['vehicle', 'customer'],
    gateway: true,
    env: { CUSTOMER_IMPORT_MAX_BYTES: String(MAX_IMPORT), CUSTOMER_IMPORT_MAX_ENTRIES: '10' },
  });
  // The Carsys sandbox pushes (to the Customer subgraph's receiver, signed) one work order per MMP plate,
  // with repeats and late older revisions in the burst.
  const res = await fetch(`${stack.sandboxUrl('carsys')}/__sandbox/push`, { method: 'POST', body: JSON.stringify({ count: 50, duplicates: 12, outOfOrder: 6, plates }) });
  const out = (await res.json()) as { byStatus: Record<string, number> };
  expect(out.byStatus).toEqual({ created: 50, duplicate: 12, stale: 6 });
}, 90_000);
afterAll(() => stack?.stop());
beforeEach(() => sandboxReset(stack.sandboxUrl('mmp')));

describe('Vehicle ↔ Customer through the gateway', () => {
  it('joins a vehicle to its Carsys owner, contact preferences and appointments', async () => {
    const res = await gql(
      stack.gatewayUrl,
      `query ($plate: String!) { vehicle(plate: $plate) { plate information { vin }
        owner { name contactPreferences { sms } }
        appointments { waitingCustomer interventions { title price } }
        customers { id name contactPreferences { sms email blacklisted } } } }`,
      { plate: plates[0] },
      DEV_PARTNER,
    );
    expect(res.errors).toBeUndefined();
    const v = res.data!.vehicle;
    expect(v.plate).toBe(plates[0]);
    expect(v.information.vin).toMatch(/^[A-Z0-9]{17}$/);
    expect(v.owner.name).toMatch(/\w+ \w+/);
    expect(typeof v.owner.contactPreferences.sms).toBe('boolean');
    expect(v.appointments).toHaveLength(1);
    expect(v.appointments[0].interventions.length).toBeGreaterThan(0);
    for (const i of v.appointments[0].interventions) expect(i.price).toMatch(/^\d+\.\d{2}$/);
    expect(v.customers[0].id).toMatch(/^mmp:trif:/);
  });

  it('50 vehicles: one MMP client call per plate, one blacklist fetch, two database rounds', async () => {
    const before = await metric('db.customer.rounds');
    const res = await gql(
      stack.gatewayUrl,
      `query ($p: [String!]!) { vehicles(plates: $p) { plate information { vin }
        customers { name contactPreferences { sms } } owner { name contactPreferences { sms } } driver { name } contractor { company }
        appointments { totalPrice interventions { title price } } } }`,
      { p: [...plates, ...plates.slice(0, 5)] },
      DEV_PARTNER,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.vehicles).toHaveLength(55);
    expect(res.data!.vehicles.every((v: any) => v.owner && v.appointments.length === 1)).toBe(true);
    const stats = await sandboxStats(stack.sandboxUrl('mmp'));
    expect(stats.byPath[CLIENT]).toBe(50);
    expect(stats.byPath[BLACKLIST] ?? 0).toBeLessThanOrEqual(1); // cached per network across requests (TTL)
    expect(stats.byPath[VISION360]).toBe(50);
    expect(await metric('db.customer.rounds')).toBe(before + 2);
  });

  it('uploads a ZIP through the gateway with a real multipart request', async () => {
    const zip = buildZip([
      { name: 'clients.csv', content: 'clientDmsId;nom\n5678;DUPONT\n' },
      { name: 'factures.csv', content: 'invoiceDmsId;invoiceAmount\n26187;297.79\n' },
      { name: 'lignes.csv', content: 'invoiceDmsId;jobCode\n26187;M1\n' },
    ]);
    const mutation = 'mutation ($org: String!, $file: Upload!) { importMmpClientsAndInvoices(organizationId: $org, file: $file) { success message entries bytes } }';
    const ok = await postMultipart(stack.gatewayUrl, mutation, { org: '57525' }, { file: { content: zip, name: 'clients-factures.zip' } }, DEV_PARTNER);
    expect(ok.body.errors).toBeUndefined();
    expect(ok.body.data.importMmpClientsAndInvoices).toEqual({ success: true, message: 'Le fichier a été importé avec succès.', entries: 3, bytes: zip.length });
    expect((await sandboxStats(stack.sandboxUrl('mmp'))).byPath[IMPORT]).toBe(1);

    await sandboxReset(stack.sandboxUrl('mmp'));
    const notZip = await postMultipart(stack.gatewayUrl, mutation, { org: '57525' }, { file: { content: Buffer.from('name;value\nnot;a zip\n'), name: 'clients.csv' } }, DEV_PARTNER);
    expect(notZip.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(notZip.body.errors?.[0]?.message).toMatch(/not a ZIP/);
    const big = buildZip([{ name: 'big.bin', content: Buffer.alloc(MAX_IMPORT + 1024, 1) }]);
    const tooBig = await postMultipart(stack.gatewayUrl, mutation, { org: '57525' }, { file: { content: big, name: 'big.zip' } }, DEV_PARTNER);
    expect(tooBig.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(tooBig.body.errors?.[0]?.message).toMatch(new RegExp(`at most ${MAX_IMPORT} bytes`));
    const stats = await sandboxStats(stack.sandboxUrl('mmp'));
    expect(stats.dataRequests).toBe(0);
    expect(stats.tokenRequests).toBe(0);
  });

  it('keeps the newest revision after out-of-order pushes, and refuses a bad push naming its fields', async () => {
    const res = await fetch(`${stack.sandboxUrl('carsys')}/__sandbox/push`, { method: 'POST', body: JSON.stringify({ count: 3, outOfOrder: 3, invalid: 1, plates: plates.slice(0, 3) }) });
    const out = (await res.json()) as { byStatus: Record<string, number>; refused: { http: number; fields: { field: string }[] }[] };
    expect(out.byStatus).toEqual({ created: 3, stale: 3, invalid_body: 1 });
    expect(out.refused[0]!.http).toBe(400);
    expect(out.refused[0]!.fields.map((f) => f.field)).toEqual(expect.arrayContaining(['dmsNumber', 'modifiedAt', 'vehicle.plate']));
    const v = await gql(stack.gatewayUrl, '{ vehicle(plate: "' + plates[1] + '") { appointments { modifiedAt } } }', {}, DEV_PARTNER);
    expect(v.data!.vehicle.appointments).toHaveLength(2);
  });
});
