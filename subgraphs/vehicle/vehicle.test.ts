import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startVehicleOnSandbox } from '../../test/support/vehicle';
import type { RunningSandbox } from '../../platform/sandbox';
import type { RunningSubgraph } from '../../platform/subgraph-server';
import { gql } from '../../test/support/graphql';
import { startMmpSandbox } from '../../vendors/mmp/sandbox/server';
import { callerHeaders } from '../../test/support/callers';

let sandbox: RunningSandbox;
let subgraph: RunningSubgraph;
let vehicle: Awaited<ReturnType<typeof startVehicleOnSandbox>>;

beforeAll(async () => {
  sandbox = await startMmpSandbox({ port: 0 });
  vehicle = await startVehicleOnSandbox(sandbox.url, { timeoutMs: 2_000 });
  subgraph = vehicle.subgraph;
});
afterAll(async () => {
  await vehicle.close();
  await sandbox.close();
});
beforeEach(async () => {
  await fetch(`${sandbox.url}/__sandbox/reset`, { method: 'POST' });
});

const FIVE_FACETS = 'plate information { vin lastVisitMileage } forecasts { label dueDate } invoices { amount { amount currency } lines { partLabel } } operations { date jobLabel } campaignReminders { label sentAt channels }';
const path = (service: string) => `POST /api/v1/trif/service-external-client/vehicule/${service}`;

describe('Vehicle subgraph over HTTP against the MMP sandbox', () => {
  it('10 plates × 5 facets = 10 vision360 calls and 1 token call', async () => {
    const plates = (await import('../../vendors/mmp/sandbox/fleet')).buildFleet().plates.slice(0, 10);
    const res = await gql(subgraph.url, `query ($p: [String!]!) { vehicles(plates: $p) { ${FIVE_FACETS} } }`, { p: plates });
    expect(res.errors).toBeUndefined();
    expect(res.data!.vehicles).toHaveLength(10);
    expect(sandbox.stats()).toMatchObject({ tokenRequests: 1, dataRequests: 10, byPath: { [path('vision360')]: 10 } });
  });

  it('the seed example: ABC123 information and forecasts', async () => {
    const res = await gql(subgraph.url, '{ vehicle(plate: "ABC123") { plate information { vin lastVisitMileage } forecasts { label } } }');
    expect(res.errors).toBeUndefined();
    expect(res.data!.vehicle.information.vin).toBe('VF7RDRFJC9L554165');
    expect(res.data!.vehicle.information.lastVisitMileage).toBeGreaterThan(0);
    expect(res.data!.vehicle.forecasts.map((f: { label: string }) => f.label)).toContain('Filtre à air');
  });

  it('plates are normalised and duplicates cost one call', async () => {
    const res = await gql(subgraph.url, '{ vehicles(plates: ["mj-006-cv", "MJ 006 CV", "MJ006CV"]) { plate displayPlate forecasts { label } } }');
    expect(res.data!.vehicles.map((v: { plate: string }) => v.plate)).toEqual(['MJ006CV', 'MJ006CV', 'MJ006CV']);
    expect(res.data!.vehicles[0].displayPlate).toBe('MJ-006-CV');
    expect(sandbox.stats().dataRequests).toBe(1);
  });

  it('an invalid plate is BAD_USER_INPUT and reaches no vendor', async () => {
    const res = await gql(subgraph.url, '{ vehicle(plate: "--") { plate } }');
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(sandbox.stats().dataRequests + sandbox.stats().tokenRequests).toBe(0);
  });

  it('a plate MMP does not know fails its MMP facets (NOT_FOUND on each), not the vehicle; an invalid plate in a list fails its entry', async () => {
    const one = await gql(subgraph.url, '{ vehicle(plate: "ZZ-999-ZZ") { plate displayPlate information { vin } operations { date } } }');
    expect(one.data!.vehicle).toEqual({ plate: 'ZZ999ZZ', displayPlate: 'ZZ-999-ZZ', information: null, operations: null });
    expect(one.errors!.map((e) => [e.path, e.extensions?.code, e.message])).toEqual(
      expect.arrayContaining([
        [['vehicle', 'information'], 'NOT_FOUND', 'MMP does not know this plate'],
        [['vehicle', 'operations'], 'NOT_FOUND', 'MMP does not know this plate'],
      ]),
    );
    // two facets of one plate: one vision360 call answers both, even for "not found"
    expect(sandbox.stats().byPath).toEqual({ [path('vision360')]: 1 });
    const many = await gql(subgraph.url, '{ vehicles(plates: ["ABC123", "!"]) { plate } }');
    expect(many.data!.vehicles).toEqual([{ plate: 'ABC123' }, null]);
    expect(many.errors!.map((e) => [e.path, e.extensions?.code])).toEqual([[['vehicles', 1], 'BAD_USER_INPUT']]);
  });

  it('sources: MMP when MMP knows the plate, CARSYS when the Customer subgraph says so, NOT_FOUND when neither', async () => {
    const res = await gql(subgraph.url, 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Vehicle { plate sources } } }', {
      r: [
        { __typename: 'Vehicle', plate: 'ABC123', knownToCarsys: false },
        { __typename: 'Vehicle', plate: 'ABC123', knownToCarsys: true },
        { __typename: 'Vehicle', plate: 'GJG03K', knownToCarsys: true },
        { __typename: 'Vehicle', plate: 'ZZ999ZZ', knownToCarsys: false },
      ],
    });
    expect(res.data!._entities).toEqual([{ plate: 'ABC123', sources: ['MMP'] }, { plate: 'ABC123', sources: ['MMP', 'CARSYS'] }, { plate: 'GJG03K', sources: ['CARSYS'] }, null]);
    expect(res.errors!.map((e) => [e.path, e.extensions?.code, e.message])).toEqual([[['_entities', 3, 'sources'], 'NOT_FOUND', 'no source knows plate ZZ-999-ZZ']]);
    // the Customer subgraph's answer missing (it failed): not "unknown to Carsys", but an upstream failure
    const missing = await gql(subgraph.url, 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Vehicle { sources } ... on Vehicle { facts { make } } } }', { r: [{ __typename: 'Vehicle', plate: 'ZZ999ZZ' }] });
    expect(missing.errors!.map((e) => [e.path, e.extensions?.code])).toEqual(expect.arrayContaining([[['_entities', 0, 'sources'], 'UPSTREAM_UNAVAILABLE'], [['_entities', 0, 'facts'], 'UPSTREAM_UNAVAILABLE']]));
    // one MMP call per distinct plate
    expect(sandbox.stats().byPath).toEqual({ [path('vision360')]: 3 });
  });

  it("the gateway's fetches of one operation share MMP answers (x-switchboard-operation-id); other operations do not", async () => {
    const op = { 'x-switchboard-operation-id': 'op-shared-0001' };
    await gql(subgraph.url, '{ vehicle(plate: "ABC123") { information { vin } } }', {}, op);
    const second = await gql(subgraph.url, 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Vehicle { sources } } }', { r: [{ __typename: 'Vehicle', plate: 'ABC123', knownToCarsys: false }] }, op);
    expect(second.data!._entities).toEqual([{ sources: ['MMP'] }]);
    expect(sandbox.stats().byPath).toEqual({ [path('vision360')]: 1 });
    // another operation, or the same operation id from another caller, asks MMP again
    await gql(subgraph.url, '{ vehicle(plate: "ABC123") { information { vin } } }', {}, { 'x-switchboard-operation-id': 'op-other-0002' });
    await gql(subgraph.url, '{ vehicle(plate: "ABC123") { information { vin } } }', {}, { ...op, ...callerHeaders() });
    await gql(subgraph.url, '{ vehicle(plate: "ABC123") { information { vin } } }');
    expect(sandbox.stats().byPath).toEqual({ [path('vision360')]: 4 });
  });

  it('facts merge MMP first, Carsys where MMP has nothing; factConflicts show what each source says', async () => {
    const carsys = { make: 'peugeot', model: '3008', vin: 'VF7RDRFJC9L554165', fuel: 'benzine', firstRegistrationDate: '2014-01-01' };
    const res = await gql(subgraph.url, 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Vehicle { information { brand model vin energy releaseDate } facts { make makeSource model modelSource vin vinSource fuel fuelSource firstRegistrationDate firstRegistrationDateSource } factConflicts { fact values { source value } } } } }', {
      r: [
        { __typename: 'Vehicle', plate: 'ABC123', carsys },
        { __typename: 'Vehicle', plate: 'GJG03K', carsys },
      ],
    });
    const [both, carsysOnly] = res.data!._entities;
    const info = both.information;
    expect(both.facts).toMatchObject({ make: info.brand, makeSource: 'MMP', vin: info.vin, vinSource: 'MMP', modelSource: 'MMP' });
    const conflicts = Object.fromEntries(both.factConflicts.map((c: { fact: string; values: unknown }) => [c.fact, c.values]));
    // MMP's model and energy differ from what this Carsys push says; the VIN agrees
    expect(conflicts.model).toEqual([{ source: 'MMP', value: info.model }, { source: 'CARSYS', value: '3008' }]);
    expect(conflicts.vin).toBeUndefined();
    expect(carsysOnly.facts).toEqual({ make: 'peugeot', makeSource: 'CARSYS', model: '3008', modelSource: 'CARSYS', vin: 'VF7RDRFJC9L554165', vinSource: 'CARSYS', fuel: 'PETROL', fuelSource: 'CARSYS', firstRegistrationDate: '2014-01-01', firstRegistrationDateSource: 'CARSYS' });
    expect(carsysOnly.factConflicts).toEqual([]);
    // the carsys-only plate's information is null with NOT_FOUND; facts of it are not an error
    expect(res.errors!.map((e) => [e.path, e.extensions?.code])).toEqual([[['_entities', 1, 'information'], 'NOT_FOUND']]);
  });

  it('an entity reference asking one facet uses that facet service, two facets use vision360', async () => {
    const one = await gql(subgraph.url, 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Vehicle { forecasts { label } } } }', {
      r: [{ __typename: 'Vehicle', plate: 'ABC123' }, { __typename: 'Vehicle', plate: 'DEF123' }],
    });
    expect(one.errors).toBeUndefined();
    // (the token was fetched by an earlier test of this file and is still cached)
    expect(sandbox.stats().byPath).toEqual({ [path('previsions')]: 2 });
    await fetch(`${sandbox.url}/__sandbox/reset`, { method: 'POST' });
    const two = await gql(subgraph.url, 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Vehicle { forecasts { label } invoices { dmsId } } } }', {
      r: [{ __typename: 'Vehicle', plate: 'ABC123' }],
    });
    expect(two.errors).toBeUndefined();
    expect(sandbox.stats().byPath).toEqual({ [path('vision360')]: 1 });
  });

  it('money is an exact decimal string, never a float', async () => {
    const res = await gql(subgraph.url, '{ vehicle(plate: "ABC123") { invoices { amount { amount currency } } importedInvoiceLines { invoiceAmount { amount } partQuantity } } }');
    for (const inv of res.data!.vehicle.invoices) {
      expect(typeof inv.amount.amount).toBe('string');
      expect(inv.amount.amount).toMatch(/^\d+(\.\d{1,2})?$/);
      expect(inv.amount.currency).toBe('EUR');
    }
  });

  it('vendor faults become coded errors, not crashes', async () => {
    sandbox.setFaults({ errorRate: 1 });
    const failed = await gql(subgraph.url, '{ vehicle(plate: "ABC123") { plate information { vin } } }');
    expect(failed.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    sandbox.setFaults({ errorRate: 0, malformedRate: 1 });
    const malformed = await gql(subgraph.url, '{ vehicle(plate: "ABC123") { plate information { vin } } }');
    expect(malformed.errors?.[0]?.extensions?.code).toBe('UPSTREAM_BAD_RESPONSE');
    sandbox.setFaults({ malformedRate: 0, latencyMs: 2_500 });
    const slow = await gql(subgraph.url, '{ vehicle(plate: "DEF123") { plate information { vin } } }');
    expect(slow.errors?.[0]?.extensions?.code).toBe('UPSTREAM_TIMEOUT');
  });

  it('every facet of the seed resolves', async () => {
    const res = await gql(
      subgraph.url,
      `{ vehicle(plate: "ABC123") { plate displayPlate
        information { vin brand model energy variant releaseDate lastVisitDate lastVisitMileage currentMileageEstimate monthlyMileageEstimate lastTechnicalControlDate nextTechnicalControlDate }
        importedClients { dmsId lastName firstName email mobile workshopNationalId lastAntipollutionControlDate }
        clients { id firstName lastName remindBySms remindByEmail remindByPost privacy member { id posCode tradeName } }
        operations { date mileage jobId jobLabel description invoiceDmsId workshop }
        forecasts { jobId label lastJobDate mileageBasedDate periodicBasedDate checkBasedDate dueDate information }
        importedInvoiceLines { invoiceId invoiceDmsId invoiceDate invoiceAmount { amount } jobCode jobLabel partQuantity partReference }
        invoices { dmsId date amount { amount } mileage member { tradeName } lines { jobId jobLabel source partBrand partLabel partQuantity } }
        campaignReminders { campaignId label type sentAt channels operations { id label offer } member { posCode } }
        diagnostic { date mileage alerts { code label level } } } }`,
      {},
      callerHeaders(),
    );
    expect(res.errors).toBeUndefined();
    const v = res.data!.vehicle;
    expect(v.importedClients.length).toBeGreaterThan(0);
    expect(v.clients[0].member.tradeName).toBeTruthy();
    expect(v.operations.length).toBeGreaterThan(0);
    expect(v.importedInvoiceLines.length).toBeGreaterThanOrEqual(v.invoices.length);
    expect(v.campaignReminders.every((r: { sentAt: string }) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(r.sentAt))).toBe(true);
    expect(sandbox.stats().dataRequests).toBe(1);
  });
});
