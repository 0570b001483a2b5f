import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildFleet } from '../vendors/mmp/sandbox/fleet';
import { DEV_PARTNER, gql, sandboxFaults, sandboxReset, sandboxStats } from './support/graphql';
import { parseMetrics } from './support/metrics';
import { startStack, type Stack } from './support/stack';
import { buildZip } from './support/zip';

/**
 * Vendor and subgraph faults through the whole wire: gateway → Vehicle and Customer subgraphs → MMP sandbox,
 * as separate processes. The MMP sandbox injects 429 + Retry-After, 503, connection resets, slow bodies,
 * 500s and latency; the Customer process is stopped (SIGSTOP) and killed (SIGKILL). Vendor calls are
 * counted by the sandbox itself. Each test records a figure; the table is printed at the end.
 */
const VISION360 = 'POST /api/v1/trif/service-external-client/vehicule/vision360';
const IMPORT = 'POST /api/v1/trif/service-external-client/import-fichier/clients-factures';
const QUERY_BUDGET_MS = 3_000;
const HALF_OPEN_MS = 1_000;
const plates = buildFleet().plates.slice(0, 20);
const VEHICLE = 'query ($plate: String!) { vehicle(plate: $plate) { plate information { vin } } }';
const VEHICLE_AND_CUSTOMERS = 'query ($plate: String!) { vehicle(plate: $plate) { plate information { vin } customers { id } } }';

let stack: Stack;
let mmp: string;
const figures: { fault: string; vendorCalls: string; retries: string; latencyMs: number; outcome: string }[] = [];

const timed = async <T>(fn: () => Promise<T>) => {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: Math.round(performance.now() - t0) };
};
// a domain event counter of a subgraph's Prometheus /metrics (switchboard_events_total{event})
const metrics = async (service: string) => {
  const scrape = parseMetrics(await (await fetch(stack.subgraphUrl(service).replace(/\/graphql$/, '/metrics'))).text());
  return (event: string) => scrape.value('switchboard_events_total', { event });
};
const vehicleRetries = async () => (await metrics('vehicle'))('upstream.mmp.retries');
const service = (name: string) => stack.services.find((s) => s.name === name)!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  stack = await startStack({
    sandboxes: ['mmp'],
    subgraphs: ['vehicle', 'customer'],
    gateway: true,
    env: {
      GATEWAY_QUERY_BUDGET_MS: String(QUERY_BUDGET_MS),
      UPSTREAM_RETRIES: '2',
      UPSTREAM_RETRY_BASE_MS: '50',
      UPSTREAM_RETRY_MAX_DELAY_MS: '500',
      UPSTREAM_BREAKER_THRESHOLD: '5',
      UPSTREAM_BREAKER_HALF_OPEN_MS: String(HALF_OPEN_MS),
    },
  });
  mmp = stack.sandboxUrl('mmp');
  // Warm both processes' MMP tokens, so that the counts below are data calls only.
  expect((await gql(stack.gatewayUrl, VEHICLE_AND_CUSTOMERS, { plate: plates[0] }, DEV_PARTNER)).errors).toBeUndefined();
}, 90_000);
afterAll(async () => {
  if (figures.length) console.table(figures);
  await stack?.stop();
});
beforeEach(() => sandboxReset(mmp));

describe('vendor faults, retried within the budget', () => {
  it('429 with Retry-After: the read waits the asked second and is served', async () => {
    await sandboxFaults(mmp, { rateLimitRate: 0.5, retryAfterS: 1 });
    const before = await vehicleRetries();
    // Faults are spread evenly: the first call passes, the second gets the 429.
    expect((await gql(stack.gatewayUrl, VEHICLE, { plate: plates[1] })).errors).toBeUndefined();
    const { value, ms } = await timed(() => gql(stack.gatewayUrl, VEHICLE, { plate: plates[2] }));
    expect(value.errors).toBeUndefined();
    expect(value.data!.vehicle.information.vin).toMatch(/^[A-Z0-9]{17}$/);
    expect(ms).toBeGreaterThanOrEqual(1_000);
    expect(ms).toBeLessThan(QUERY_BUDGET_MS);
    const stats = await sandboxStats(mmp);
    expect(stats.byPath[VISION360]).toBe(3);
    expect(stats.injected).toEqual({ rateLimited: 1 });
    expect((await vehicleRetries()) - before).toBe(1);
    figures.push({ fault: '429 Retry-After: 1 (every 2nd call)', vendorCalls: '3 for 2 queries', retries: '1', latencyMs: ms, outcome: 'served' });
  });

  it('429 with a Retry-After longer than the budget: no wait, RATE_LIMITED at once', async () => {
    await sandboxFaults(mmp, { rateLimitRate: 1, retryAfterS: 60 });
    const { value, ms } = await timed(() => gql(stack.gatewayUrl, VEHICLE, { plate: plates[3] }));
    expect(value.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(ms).toBeLessThan(1_000);
    expect((await sandboxStats(mmp)).byPath[VISION360]).toBe(1);
    figures.push({ fault: '429 Retry-After: 60 (> budget)', vendorCalls: '1', retries: '0', latencyMs: ms, outcome: 'RATE_LIMITED' });
  });

  it('connection resets: the read is sent again and served', async () => {
    await sandboxFaults(mmp, { resetRate: 0.5 });
    const before = await vehicleRetries();
    // One after the other, so the evenly spread faults are deterministic: the first call passes, then every
    // query's first call is reset and its retry served.
    const { value, ms } = await timed(async () => {
      const out = [];
      for (const plate of plates.slice(4, 10)) out.push(await gql(stack.gatewayUrl, VEHICLE, { plate }));
      return out;
    });
    for (const r of value) expect(r.errors).toBeUndefined();
    const stats = await sandboxStats(mmp);
    expect(stats.injected).toEqual({ reset: 5 });
    expect(stats.byPath[VISION360]).toBe(11);
    expect((await vehicleRetries()) - before).toBe(5);
    figures.push({ fault: 'connection reset (every 2nd call)', vendorCalls: '11 for 6 queries', retries: '5', latencyMs: ms, outcome: 'all served' });
  });

  it('503 on every call: two retries with backoff, then UPSTREAM_UNAVAILABLE well within the budget', async () => {
    await sandboxFaults(mmp, { unavailableRate: 1, retryAfterS: 0 });
    const before = await vehicleRetries();
    const { value, ms } = await timed(() => gql(stack.gatewayUrl, VEHICLE, { plate: plates[10] }));
    expect(value.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(value.errors?.[0]?.extensions).not.toHaveProperty('vendor'); // named in the subgraph's log only
    expect(ms).toBeLessThan(QUERY_BUDGET_MS);
    expect((await sandboxStats(mmp)).byPath[VISION360]).toBe(3);
    expect((await vehicleRetries()) - before).toBe(2);
    figures.push({ fault: '503 on every call', vendorCalls: '3', retries: '2', latencyMs: ms, outcome: 'UPSTREAM_UNAVAILABLE' });
    // A good answer closes the streak, so the breaker test below starts from zero failures.
    await sandboxFaults(mmp, { unavailableRate: 0 });
    expect((await gql(stack.gatewayUrl, VEHICLE, { plate: plates[10] })).errors).toBeUndefined();
  });

  it('a slow body within the budget is served; one slower than the budget is UPSTREAM_TIMEOUT at the budget', async () => {
    await sandboxFaults(mmp, { slowBodyMs: 500 });
    const slow = await timed(() => gql(stack.gatewayUrl, VEHICLE, { plate: plates[11] }));
    expect(slow.value.errors).toBeUndefined();
    expect(slow.ms).toBeGreaterThanOrEqual(500);
    await sandboxFaults(mmp, { slowBodyMs: 10_000 });
    const hung = await timed(() => gql(stack.gatewayUrl, VEHICLE, { plate: plates[12] }));
    expect(hung.value.errors?.[0]?.extensions?.code).toBe('UPSTREAM_TIMEOUT');
    expect(hung.ms).toBeLessThan(QUERY_BUDGET_MS + 500);
    figures.push({ fault: 'slow body 500 ms', vendorCalls: '1', retries: '0', latencyMs: slow.ms, outcome: 'served' });
    figures.push({ fault: 'slow body 10 s (budget 3 s)', vendorCalls: '1', retries: '0', latencyMs: hung.ms, outcome: 'UPSTREAM_TIMEOUT' });
    // The timed-out attempt counted against the breaker: close the streak again.
    await sandboxFaults(mmp, { slowBodyMs: 0 });
    expect((await gql(stack.gatewayUrl, VEHICLE, { plate: plates[12] })).errors).toBeUndefined();
  });
});

describe('circuit breaker per vendor', () => {
  it('opens after 5 failures, fails fast without calling MMP, and closes after a good half-open probe', async () => {
    await sandboxFaults(mmp, { errorRate: 1 });
    for (let i = 0; i < 5; i++) expect((await gql(stack.gatewayUrl, VEHICLE, { plate: plates[13] })).errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    expect((await sandboxStats(mmp)).byPath[VISION360]).toBe(5);

    const open = await timed(() => gql(stack.gatewayUrl, VEHICLE, { plate: plates[14] }));
    expect(open.value.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', circuit: 'open' });
    expect(open.value.errors?.[0]?.extensions).not.toHaveProperty('vendor'); // named in the log only
    expect((await sandboxStats(mmp)).byPath[VISION360]).toBe(5);
    const m = await metrics('vehicle');
    expect(m('upstream.mmp.breaker.open')).toBe(1);
    expect(m('upstream.mmp.short_circuited')).toBeGreaterThanOrEqual(1);

    await sandboxFaults(mmp, { errorRate: 0 });
    await sleep(HALF_OPEN_MS + 100);
    const probe = await timed(() => gql(stack.gatewayUrl, VEHICLE, { plate: plates[14] }));
    expect(probe.value.errors).toBeUndefined();
    expect((await gql(stack.gatewayUrl, VEHICLE, { plate: plates[15] })).errors).toBeUndefined();
    expect((await sandboxStats(mmp)).byPath[VISION360]).toBe(7);
    const after = await metrics('vehicle');
    expect(after('upstream.mmp.breaker.half-open')).toBe(1);
    expect(after('upstream.mmp.breaker.closed')).toBe(1);
    figures.push({ fault: 'MMP 500 ×5 → circuit open', vendorCalls: '0 while open', retries: '0', latencyMs: open.ms, outcome: 'UPSTREAM_UNAVAILABLE (fail fast)' });
    figures.push({ fault: 'half-open probe after 1 s', vendorCalls: '1', retries: '0', latencyMs: probe.ms, outcome: 'served, circuit closed' });
  });
});

describe('deadlines and callers that leave', () => {
  it('a client that disconnects aborts the subgraph request and the vendor call', async () => {
    await sandboxFaults(mmp, { latencyMs: 2_500 });
    const gone = new AbortController();
    const t0 = performance.now();
    const req = fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: VEHICLE, variables: { plate: plates[16] } }),
      signal: gone.signal,
    }).catch((e: Error) => e.name);
    await sleep(300);
    gone.abort();
    expect(await req).toBe('AbortError');
    // The sandbox sees its request closed long before its 2.5 s latency is over.
    let aborted = 0;
    while (performance.now() - t0 < 2_000 && !(aborted = (await sandboxStats(mmp)).abortedRequests)) await sleep(50);
    const ms = Math.round(performance.now() - t0);
    expect(aborted).toBe(1);
    expect(ms).toBeLessThan(2_000);
    expect((await sandboxStats(mmp)).byPath[VISION360]).toBe(1);
    figures.push({ fault: 'client disconnects after 300 ms (vendor 2.5 s)', vendorCalls: '1, aborted', retries: '0', latencyMs: ms, outcome: 'vendor saw the request closed' });
  });

  it('a mutation may outlast the query budget, and its idempotency key makes a retry cost no second import', async () => {
    const zip = buildZip([{ name: 'clients.csv', content: 'clientDmsId;lastName\n1;Durand\n' }]);
    const mutation = 'mutation ($org: String!, $file: Upload!, $key: String) { importMmpClientsAndInvoices(organizationId: $org, file: $file, idempotencyKey: $key) { success entries replayed } }';
    const post = (key: string, content: Buffer, signal?: AbortSignal) => {
      const form = new FormData();
      form.append('operations', JSON.stringify({ query: mutation, variables: { org: '57525', key, file: null } }));
      form.append('map', JSON.stringify({ 0: ['variables.file'] }));
      form.append('0', new Blob([new Uint8Array(content)], { type: 'application/zip' }), 'clients.zip');
      return fetch(stack.gatewayUrl, { method: 'POST', body: form, headers: { 'apollo-require-preflight': 'true', ...DEV_PARTNER }, signal }).then(
        async (r) => (await r.json()) as { data?: any; errors?: { extensions?: Record<string, any> }[] },
      );
    };
    // MMP takes longer than a query may: the mutation's own budget holds.
    await sandboxFaults(mmp, { latencyMs: QUERY_BUDGET_MS + 500 });
    const slow = await timed(() => post('import-key-0001', zip));
    expect(slow.value.errors).toBeUndefined();
    expect(slow.value.data!.importMmpClientsAndInvoices).toEqual({ success: true, entries: 1, replayed: false });
    expect(slow.ms).toBeGreaterThan(QUERY_BUDGET_MS);

    // The client gives up while the import runs, then retries with the same key: the import went on and
    // ran once; the retry during it is told to come back, the retry after it gets the first result.
    await sandboxReset(mmp);
    await sandboxFaults(mmp, { latencyMs: 1_500 });
    const gone = new AbortController();
    const first = post('import-key-0002', zip, gone.signal).catch((e: Error) => e.name);
    await sleep(400);
    gone.abort();
    expect(await first).toBe('AbortError');
    const during = await post('import-key-0002', zip);
    expect(during.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', retryable: true });
    await sleep(1_800);
    const retry = await post('import-key-0002', zip);
    expect(retry.errors).toBeUndefined();
    expect(retry.data!.importMmpClientsAndInvoices).toEqual({ success: true, entries: 1, replayed: true });
    const otherFile = await post('import-key-0002', buildZip([{ name: 'other.csv', content: 'x;y\n' }]));
    expect(otherFile.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const stats = await sandboxStats(mmp);
    expect(stats.byPath[IMPORT]).toBe(1);
    expect(stats.abortedRequests).toBe(0);
    figures.push({ fault: 'ZIP import: client leaves, retries ×3 with one key', vendorCalls: '1 import', retries: '0', latencyMs: slow.ms, outcome: 'one import, replayed result' });
  });
});

describe('subgraph faults', () => {
  it('a hung Customer subgraph costs only customers: UPSTREAM_TIMEOUT naming it, within the budget', async () => {
    const customer = service('customer');
    customer.child.kill('SIGSTOP');
    try {
      const { value, ms } = await timed(() => gql(stack.gatewayUrl, VEHICLE_AND_CUSTOMERS, { plate: plates[17] }, DEV_PARTNER));
      expect(value.data!.vehicle.information.vin).toMatch(/^[A-Z0-9]{17}$/);
      expect(value.data!.vehicle.customers).toBeNull();
      expect(value.errors).toHaveLength(1);
      expect(value.errors![0]!.extensions).toEqual({ code: 'UPSTREAM_TIMEOUT', subgraph: 'customer', requestId: expect.any(String) });
      expect(value.errors![0]!.path).toEqual(['vehicle', 'customers']);
      expect(ms).toBeLessThan(QUERY_BUDGET_MS + 500);
      figures.push({ fault: 'Customer subgraph hung (SIGSTOP)', vendorCalls: '-', retries: '0', latencyMs: ms, outcome: 'vehicle served, customers UPSTREAM_TIMEOUT' });
    } finally {
      customer.child.kill('SIGCONT');
    }
    expect(service('gateway').output()).toMatch(/"subgraph":"customer","code":"UPSTREAM_TIMEOUT".*"msg":"subgraph call failed"/);
  });

  it('a killed Customer subgraph costs only customers: UPSTREAM_UNAVAILABLE naming it, and it comes back', async () => {
    const customer = service('customer');
    customer.child.kill('SIGKILL');
    await new Promise((r) => (customer.child.exitCode !== null || customer.child.signalCode !== null ? r(null) : customer.child.once('exit', r)));
    const { value, ms } = await timed(() => gql(stack.gatewayUrl, VEHICLE_AND_CUSTOMERS, { plate: plates[18] }, DEV_PARTNER));
    expect(value.data!.vehicle.plate).toBe(plates[18]);
    expect(value.data!.vehicle.information.vin).toMatch(/^[A-Z0-9]{17}$/);
    expect(value.data!.vehicle.customers).toBeNull();
    expect(value.errors).toHaveLength(1);
    expect(value.errors![0]!.extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', subgraph: 'customer', requestId: expect.any(String) });
    expect(value.errors![0]!.path).toEqual(['vehicle', 'customers']);
    expect(value.errors![0]!.message).not.toMatch(/127\.0\.0\.1|http:/);
    expect(ms).toBeLessThan(1_000);
    expect(service('gateway').output()).toMatch(/"subgraph":"customer","code":"UPSTREAM_UNAVAILABLE".*"msg":"subgraph call failed"/);
    figures.push({ fault: 'Customer subgraph killed (SIGKILL)', vendorCalls: '-', retries: '0', latencyMs: ms, outcome: 'vehicle served, customers UPSTREAM_UNAVAILABLE' });

    await stack.restart('customer');
    const back = await gql(stack.gatewayUrl, VEHICLE_AND_CUSTOMERS, { plate: plates[18] }, DEV_PARTNER);
    expect(back.errors).toBeUndefined();
    expect(Array.isArray(back.data!.vehicle.customers)).toBe(true);
  }, 60_000);
});
