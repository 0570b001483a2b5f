import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gql, sandboxFaults, sandboxReset, sandboxStats } from './support/graphql';
import { startStack, type Stack } from './support/stack';

/** Gateway → Vehicle subgraph → MMP sandbox, each its own process, over HTTP. */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ sandboxes: ['mmp'], subgraphs: ['vehicle'], gateway: true, env: { UPSTREAM_TIMEOUT_MS: '1500', GATEWAY_MAX_DEPTH: '3' } });
});
afterAll(() => stack?.stop());
beforeEach(() => sandboxReset(stack.sandboxUrl('mmp')));

const vision360 = 'POST /api/v1/trif/service-external-client/vehicule/vision360';

describe('Vehicle through the gateway', () => {
  it('serves the README query from sandbox data', async () => {
    const res = await gql(stack.gatewayUrl, '{ vehicle(plate: "ABC123") { plate information { vin lastVisitMileage } forecasts { label } } }');
    expect(res.errors).toBeUndefined();
    expect(res.data).toMatchObject({ vehicle: { plate: 'ABC123', information: { vin: 'VF7RDRFJC9L554165' } } });
    expect(res.data!.vehicle.forecasts.length).toBeGreaterThan(0);
  });

  it('a fleet query of 10 plates × 5 facets costs 10 data calls and at most 1 token call', async () => {
    const plates = ['ABC123', 'DEF123', 'MJ-006-CV', 'QA-771-XD', 'KE-502-WJ'];
    const more = await gql(stack.gatewayUrl, '{ __typename }');
    expect(more.data).toEqual({ __typename: 'Query' });
    const { buildFleet } = await import('../vendors/mmp/sandbox/fleet');
    const ten = [...plates, ...buildFleet().plates.slice(5, 10)];
    const res = await gql(
      stack.gatewayUrl,
      'query Fleet($p: [String!]!) { vehicles(plates: $p) { plate information { vin } forecasts { label } invoices { dmsId } operations { date } campaignReminders { label } } }',
      { p: ten },
    );
    expect(res.errors).toBeUndefined();
    const stats = await sandboxStats(stack.sandboxUrl('mmp'));
    expect(stats.dataRequests).toBe(10);
    expect(stats.byPath[vision360]).toBe(10);
    expect(stats.tokenRequests).toBeLessThanOrEqual(1);
  });

  it('bad plates and vendor faults come back as coded errors with the subgraph still serving', async () => {
    const bad = await gql(stack.gatewayUrl, '{ vehicle(plate: "not a plate!") { plate } }');
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // without `sources` (which needs the Customer subgraph, not started here) the MMP facet says it
    const unknown = await gql(stack.gatewayUrl, '{ vehicle(plate: "ZZ-999-ZZ") { plate information { vin } } }');
    expect(unknown.data).toEqual({ vehicle: { plate: 'ZZ999ZZ', information: null } });
    expect(unknown.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['vehicle', 'information'], 'NOT_FOUND']]);

    await sandboxFaults(stack.sandboxUrl('mmp'), { errorRate: 1 });
    expect((await gql(stack.gatewayUrl, '{ vehicle(plate: "ABC123") { plate information { vin } } }')).errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    await sandboxFaults(stack.sandboxUrl('mmp'), { errorRate: 0, malformedRate: 1 });
    expect((await gql(stack.gatewayUrl, '{ vehicle(plate: "ABC123") { plate information { vin } } }')).errors?.[0]?.extensions?.code).toBe('UPSTREAM_BAD_RESPONSE');
    await sandboxFaults(stack.sandboxUrl('mmp'), { malformedRate: 0, latencyMs: 2_000 });
    expect((await gql(stack.gatewayUrl, '{ vehicle(plate: "DEF123") { plate information { vin } } }')).errors?.[0]?.extensions?.code).toBe('UPSTREAM_TIMEOUT');
    await sandboxFaults(stack.sandboxUrl('mmp'), { latencyMs: 0, expireTokens: true });
    const afterExpiry = await gql(stack.gatewayUrl, '{ vehicle(plate: "ABC123") { plate information { vin } } }');
    expect(afterExpiry.errors).toBeUndefined();
    expect((await sandboxStats(stack.sandboxUrl('mmp'))).tokenRequests).toBe(1);
  });

  it('answers health, readiness, the explorer and CORS for the hosted Sandbox', async () => {
    const base = stack.gatewayUrl.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    const body = (await ready.json()) as { subgraphs: { name: string; ready: boolean }[] };
    expect(body.subgraphs.find((s) => s.name === 'vehicle')?.ready).toBe(true);
    // `/` leads a browser to GraphiQL at /graphql, served from the gateway's own assets (test/explorer.e2e.ts drives it).
    const page = await fetch(`${base}/`, { headers: { accept: 'text/html' } });
    const html = await page.text();
    expect(page.url).toBe(stack.gatewayUrl);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(html).toContain('<script src="/explorer/graphiql.js?v=');
    expect(html).not.toMatch(/(src|href)="https?:/);
    const preflight = await fetch(stack.gatewayUrl, {
      method: 'OPTIONS',
      headers: { origin: 'https://studio.apollographql.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://studio.apollographql.com');
    const foreign = await fetch(stack.gatewayUrl, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses an operation deeper than the limit (3 here) before calling any subgraph', async () => {
    expect((await gql(stack.gatewayUrl, '{ vehicle(plate: "ABC123") { invoices { dmsId } } }')).errors).toBeUndefined();
    await sandboxReset(stack.sandboxUrl('mmp'));
    const tooDeep = await gql(stack.gatewayUrl, '{ vehicle(plate: "ABC123") { invoices { lines { jobId } } } }');
    expect(tooDeep.errors?.[0]).toMatchObject({ message: 'operation depth 4 exceeds the limit of 3', extensions: { code: 'BAD_USER_INPUT' } });
    const viaFragment = await gql(stack.gatewayUrl, 'fragment F on Invoice { lines { jobId } } { vehicle(plate: "ABC123") { invoices { ...F } } }');
    expect(viaFragment.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await sandboxStats(stack.sandboxUrl('mmp'))).dataRequests).toBe(0);
    // Introspection is exempt (Apollo Sandbox needs it).
    const introspection = '{ __schema { types { fields { type { ofType { ofType { name } } } } } } }';
    expect((await gql(stack.gatewayUrl, introspection)).errors).toBeUndefined();
  });

  it('stops cleanly on SIGTERM and on SIGINT', async () => {
    const gateway = stack.services.find((s) => s.name === 'gateway')!;
    expect(await gateway.stop('SIGTERM')).toBe(0);
    await stack.restart('gateway');
    const again = stack.services.find((s) => s.name === 'gateway')!;
    expect((await gql(stack.gatewayUrl, '{ vehicle(plate: "ABC123") { plate } }')).data).toEqual({ vehicle: { plate: 'ABC123' } });
    expect(await again.stop('SIGINT')).toBe(0);
    await stack.restart('gateway');
  });
});
