import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildFleet } from '../vendors/mmp/sandbox/fleet';
import { sandboxReset, sandboxStats } from './support/graphql';
import { startStack, type Stack } from './support/stack';

/**
 * Demand control through the gateway (gateway → Vehicle → MMP sandbox, separate processes): every refusal
 * is COST_LIMIT_EXCEEDED with the reason in `extensions.limit`, and costs no MMP call at all.
 */
let stack: Stack;
const MAX_COST = 50;
beforeAll(async () => {
  stack = await startStack({ sandboxes: ['mmp'], subgraphs: ['vehicle'], gateway: true, env: { GATEWAY_MAX_COST: String(MAX_COST) } });
});
afterAll(() => stack?.stop());
beforeEach(() => sandboxReset(stack.sandboxUrl('mmp')));

const plates = buildFleet().plates;

async function post(query: string, variables?: Record<string, unknown>) {
  const res = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: { message: string; extensions?: Record<string, any> }[] } };
}

const mmpCalls = async () => {
  const s = await sandboxStats(stack.sandboxUrl('mmp'));
  return s.dataRequests + s.tokenRequests;
};

const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `v${i}: vehicle(plate: "${plates[i % plates.length]}") { plate information { vin } }`).join(' ')} }`;

describe('demand control at the gateway', () => {
  it('refuses 300 aliases of vehicle(plate:) before any MMP call', async () => {
    const { status, body } = await post(aliases(300));
    expect(status).toBe(400);
    expect(body.data ?? null).toBeNull();
    // the query (with facets) is over the token limit too; 200 lean ones are stopped by the alias limit
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'COST_LIMIT_EXCEEDED', limit: 'tokens' });
    const lean = await post(`{ ${Array.from({ length: 200 }, (_, i) => `v${i}: vehicle(plate: "${plates[i]}") { plate }`).join(' ')} }`);
    expect(lean.status).toBe(400);
    expect(lean.body.errors?.[0]?.extensions).toMatchObject({ code: 'COST_LIMIT_EXCEEDED', limit: 'aliases' });
    expect(await mmpCalls()).toBe(0);
  });

  it('refuses 5,000 aliases while parsing (token limit), before any MMP call', async () => {
    const { status, body } = await post(aliases(5_000));
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'COST_LIMIT_EXCEEDED', limit: 'tokens' });
    expect(await mmpCalls()).toBe(0);
  });

  it('counts aliases hidden in fragments', async () => {
    // 21 aliases of a free field, all inside a fragment (aliases of __typename are not counted)
    const q = `query { vehicle(plate: "ABC123") { ...A } } fragment A on Vehicle { ${Array.from({ length: 21 }, (_, i) => `x${i}: plate`).join(' ')} }`;
    const { body } = await post(q);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'COST_LIMIT_EXCEEDED', limit: 'aliases' });
  });

  it('refuses an operation with too many directives', async () => {
    const q = `{ __typename ${Array.from({ length: 21 }, () => '@include(if: true)').join(' ')} }`;
    const { body } = await post(q);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'COST_LIMIT_EXCEEDED', limit: 'directives' });
  });

  it('prices vehicles(plates:) at one vendor call per plate, refusing above the maximum with the estimate', async () => {
    const q = 'query ($p: [String!]!) { vehicles(plates: $p) { plate information { vin } forecasts { label } } }';
    const refused = await post(q, { p: plates.slice(0, MAX_COST + 10) });
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'COST_LIMIT_EXCEEDED', limit: 'cost', cost: { estimated: MAX_COST + 10, max: MAX_COST } });
    expect(await mmpCalls()).toBe(0);

    // within the limit it runs, and the estimate bounds the vendor calls actually made
    const served = await post(q, { p: plates.slice(0, 40) });
    expect(served.body.errors).toBeUndefined();
    expect(served.body.data.vehicles).toHaveLength(40);
    const stats = await sandboxStats(stack.sandboxUrl('mmp'));
    expect(stats.dataRequests).toBe(40);
  });

  it('the 100-plate cap of vehicles(plates:) holds over aliases', async () => {
    // 3 × 40 plates = 120 > 100, though each alias alone is within the cap (cost is checked separately)
    const q = `query ($p: [String!]!) { a: vehicles(plates: $p) { plate } b: vehicles(plates: $p) { plate } c: vehicles(plates: $p) { plate } }`;
    const { status, body } = await post(q, { p: plates.slice(0, 40) });
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'COST_LIMIT_EXCEEDED', limit: 'listSize', listSize: { field: 'Query.vehicles', requested: 120, max: 100 } });
    expect(await mmpCalls()).toBe(0);
  });

  it('20 aliases of vehicle(plate:) within the cost are served: one vision360 call each', async () => {
    const { body } = await post(aliases(20));
    expect(body.errors).toBeUndefined();
    expect(Object.keys(body.data)).toHaveLength(20);
    expect((await sandboxStats(stack.sandboxUrl('mmp'))).dataRequests).toBe(20);
  });
});
