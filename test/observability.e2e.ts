import { readFileSync } from 'node:fs';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import YAML from 'yaml';
import { DEV_PARTNER, gql, sandboxFaults, sandboxReset } from './support/graphql';
import { metricsUrlOf, scrape, type Scrape } from './support/metrics';
import { repoRoot } from './support/processes';
import { metricNamesIn } from './support/promql';
import { promtool } from './support/promtool';
import { startStack, type Stack } from './support/stack';

/**
 * What an operator sees of one request, across processes: gateway → Vehicle subgraph → MMP sandbox, each
 * its own process. Prometheus text on every /metrics that moves when a query runs; one request id from
 * the client's error back to the log lines of the gateway and the subgraph.
 */
let stack: Stack;
beforeAll(async () => {
  // Order too: it is the process that exports the job queue gauges the alert rules use.
  stack = await startStack({ sandboxes: ['mmp', 'vitec'], subgraphs: ['vehicle', 'order'], gateway: true, env: { LOG_LEVEL: 'info' } });
});
afterAll(() => stack?.stop());

const VISION360 = '/service-external-client/vehicule/vision360';
/** The JSON log lines a process wrote under one request id. */
const linesOf = (name: string, requestId: string) =>
  stack.services
    .find((s) => s.name === name)!
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, any>)
    .filter((l) => l.requestId === requestId);
const gatewayMetrics = () => scrape(metricsUrlOf(stack.gatewayUrl));
const vehicleMetrics = () => scrape(metricsUrlOf(stack.subgraphUrl('vehicle')));
const query = (plate: string) => gql(stack.gatewayUrl, `query VehicleInfo($p: String!) { vehicle(plate: $p) { plate information { vin } } }`, { p: plate });

const tool = promtool();
/** promtool's own parser accepts the exposition. */
function expectValidExposition(s: Scrape) {
  expect(s.contentType).toContain('text/plain');
  expect(s.families.length).toBeGreaterThan(10);
  if (!tool.available) return;
  const r = tool.run(['check', 'metrics'], s.text);
  expect(r.output).not.toMatch(/error while linting|text format parsing error/i);
  // our own metrics follow the naming rules too (the runtime's graphql_* and prom-client's nodejs_* predate them)
  expect(r.output.split('\n').filter((l) => l.startsWith('switchboard_'))).toEqual([]);
}

describe('Prometheus metrics', () => {
  it('the gateway and a subgraph serve Prometheus text that moves when a query runs (requests, vendor calls by route, token miss then hit)', async () => {
    const [g0, v0] = await Promise.all([gatewayMetrics(), vehicleMetrics()]);
    for (const s of [g0, v0]) {
      expectValidExposition(s);
      expect(s.value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(s.value('nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    }
    expect(g0.value('switchboard_subgraph_up', { subgraph: 'vehicle' })).toBe(1);
    expect(v0.value('switchboard_token_cache_misses_total', { vendor: 'mmp' })).toBe(0);

    const first = await query('ABC123');
    expect(first.errors).toBeUndefined();
    const [g1, v1] = await Promise.all([gatewayMetrics(), vehicleMetrics()]);
    expect(g1.value('graphql_envelop_request', { operationName: 'VehicleInfo' }) - g0.value('graphql_envelop_request', { operationName: 'VehicleInfo' })).toBe(1);
    expect(g1.value('graphql_envelop_request_duration', { operationName: 'VehicleInfo' })).toBe(g0.value('graphql_envelop_request_duration', { operationName: 'VehicleInfo' }) + 1);
    expect(g1.value('graphql_gateway_subgraph_execute_duration', { subgraphName: 'vehicle' })).toBeGreaterThan(g0.value('graphql_gateway_subgraph_execute_duration', { subgraphName: 'vehicle' }));
    expect(v1.value('switchboard_subgraph_request_duration_seconds', { subgraph: 'vehicle', type: 'query' })).toBeGreaterThan(v0.value('switchboard_subgraph_request_duration_seconds', { subgraph: 'vehicle', type: 'query' }));
    const vision360Calls = (s: Scrape) => s.value('switchboard_vendor_request_duration_seconds', { vendor: 'mmp', route: VISION360, method: 'POST', status_class: '2xx' });
    expect(vision360Calls(v1) - vision360Calls(v0)).toBe(1);
    expect(v1.labelValues('switchboard_vendor_request_duration_seconds', 'route')).toEqual(expect.arrayContaining([VISION360, '/service-authentification/token']));
    expect(v1.labelValues('switchboard_vendor_request_duration_seconds', 'route')).not.toContain('other');
    // the first call of the process missed the token cache and fetched one
    expect(v1.value('switchboard_token_cache_misses_total', { vendor: 'mmp' })).toBe(1);
    expect(v1.value('switchboard_token_fetches_total', { vendor: 'mmp' })).toBe(1);
    expect(v1.value('switchboard_token_cache_hits_total', { vendor: 'mmp' })).toBe(0);
    expect(v1.value('switchboard_dataloader_batch_size', { loader: 'vehicle.vision360' })).toBeGreaterThan(v0.value('switchboard_dataloader_batch_size', { loader: 'vehicle.vision360' }));

    // the second one is served from the cache
    expect((await query('DEF123')).errors).toBeUndefined();
    const v2 = await vehicleMetrics();
    expect(v2.value('switchboard_token_cache_hits_total', { vendor: 'mmp' })).toBe(1);
    expect(v2.value('switchboard_token_cache_misses_total', { vendor: 'mmp' })).toBe(1);
    expect(v2.value('switchboard_token_fetches_total', { vendor: 'mmp' })).toBe(1);
  });

  it('a sandbox serves its process metrics too', async () => {
    const s = await scrape(`${stack.sandboxUrl('mmp')}/__sandbox/metrics`);
    expectValidExposition(s);
    expect(s.value('process_resident_memory_bytes', { service: 'mmp-sandbox' })).toBeGreaterThan(0);
  });
});

describe('one request id from the client to every log line', () => {
  it('a failing resolver logs its stack with the request id the client gets back in the error and the header', async () => {
    await sandboxReset(stack.sandboxUrl('mmp'));
    await sandboxFaults(stack.sandboxUrl('mmp'), { errorRate: 1 });
    try {
      const requestId = `obs-${Date.now()}`;
      const res = await fetch(stack.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': requestId },
        body: JSON.stringify({ query: 'query Broken { vehicle(plate: "ABC123") { plate information { vin } } }' }),
      });
      expect(res.headers.get('x-request-id')).toBe(requestId);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { errors?: Array<{ extensions?: Record<string, unknown> }> };
      expect(body.errors?.length).toBeGreaterThan(0);
      for (const e of body.errors!) expect(e.extensions?.requestId).toBe(requestId);
      expect(body.errors![0]!.extensions?.code).toMatch(/^UPSTREAM_/);

      const vendorErrors = await vehicleMetrics();
      expect(vendorErrors.value('switchboard_vendor_request_duration_seconds', { vendor: 'mmp', route: VISION360, status_class: '5xx' })).toBeGreaterThan(0);
      // the gateway passes the client's operation name on to the subgraph
      expect(vendorErrors.value('switchboard_subgraph_request_errors_total', { subgraph: 'vehicle', operation: 'Broken', code: String(body.errors![0]!.extensions?.code) })).toBeGreaterThan(0);

      await expect.poll(() => linesOf('vehicle', requestId).length).toBeGreaterThan(0);
      const vehicle = linesOf('vehicle', requestId);
      const failed = vehicle.find((l) => l.msg === 'vendor call failed');
      expect(failed, stack.services.find((s) => s.name === 'vehicle')!.output()).toBeDefined();
      expect(failed!.err.stack).toMatch(/at .*vendors\/mmp\/client\.ts/);
      expect(failed!.code).toBe(body.errors![0]!.extensions?.code);
      // the vendor call itself is logged with the route and the same id
      expect(vehicle.find((l) => l.msg === 'vendor call answered with a server error')).toMatchObject({ vendor: 'mmp', route: VISION360, status: 500 });
      // and the gateway says which operation failed, under the same id
      await expect.poll(() => linesOf('gateway', requestId).find((l) => l.msg === 'operation answered with errors')).toMatchObject({ operation: 'Broken', service: 'gateway' });
    } finally {
      await sandboxFaults(stack.sandboxUrl('mmp'), { errorRate: 0 });
    }
  });

  it('adding the id keeps the HTTP status the runtime gives each kind of error (401 refused, 200 invalid under application/json); a 401 for wrong credentials carries it too', async () => {
    const refused = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'refused-1' },
      body: JSON.stringify({ query: 'mutation { failOrder(id: "x", description: "y") { id } }' }),
    });
    expect(refused.status).toBe(401);
    const body = (await refused.json()) as { errors: Array<{ extensions: Record<string, unknown> }> };
    expect(body.errors[0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED', requestId: 'refused-1' });
    // wrong credentials are refused before GraphQL runs, by the caller-identity plugin: the same id in the body
    const wrongKey = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'refused-2', 'x-api-key': 'not-a-key' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.headers.get('x-request-id')).toBe('refused-2');
    expect(((await wrongKey.json()) as { errors: Array<{ extensions: Record<string, unknown> }> }).errors[0]!.extensions).toEqual({ code: 'UNAUTHENTICATED', requestId: 'refused-2' });
    const invalid = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'invalid-1' },
      body: JSON.stringify({ query: '{ noSuchField }' }),
    });
    expect(invalid.status).toBe(200);
    expect(((await invalid.json()) as { errors: Array<{ extensions: Record<string, unknown> }> }).errors[0]!.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', requestId: 'invalid-1' });
  });

  it('an insane incoming id is replaced by a fresh one, which still reaches the error', async () => {
    await sandboxFaults(stack.sandboxUrl('mmp'), { errorRate: 1 });
    try {
      const res = await fetch(stack.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'forged"\tline' },
        body: JSON.stringify({ query: '{ vehicle(plate: "ABC123") { information { vin } } }' }),
      });
      const id = res.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      const body = (await res.json()) as { errors: Array<{ extensions: Record<string, unknown> }> };
      expect(body.errors[0]!.extensions.requestId).toBe(id);
    } finally {
      await sandboxFaults(stack.sandboxUrl('mmp'), { errorRate: 0 });
    }
  });
});

describe("a subscription's request id reaches the subgraph over the gateway's graphql-ws", () => {
  const FOLLOW = 'subscription FollowOrders($after: ID) { orderStatusChanged(afterEventId: $after) { eventId status } }';
  type Next = { data?: unknown; errors?: { extensions?: Record<string, unknown> }[] };

  /** Follows one subscription at the Order subgraph: started, then ended once the client leaves, both under `requestId`. */
  async function expectFollowedUnder(requestId: string, leave: () => Promise<unknown>) {
    await expect.poll(() => linesOf('order', requestId).find((l) => l.msg === 'subscription started'), { timeout: 10_000 }).toMatchObject({ service: 'order' });
    // a second subscription is under its own id, never this one
    expect(linesOf('order', requestId).filter((l) => l.msg === 'subscription started')).toHaveLength(1);
    await leave();
    await expect.poll(() => linesOf('order', requestId).find((l) => l.msg === 'subscription ended'), { timeout: 10_000 }).toMatchObject({ events: 0, durationMs: expect.any(Number) });
  }

  it('graphql-ws client: its subscribe message names the id; the subgraph logs the subscription and answers its errors under it', async () => {
    const client = createWsClient({ url: stack.gatewayUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: DEV_PARTNER, retryAttempts: 0 });
    try {
      const requestId = `ws-sub-${Date.now()}`;
      const other = `${requestId}-other`;
      const sub = client.iterate<Next>({ query: FOLLOW, extensions: { requestId } });
      // another operation (the gateway shares one upstream subscription among identical ones of a caller, so
      // an identical second one would live under the first one's id: gateway/plugins/use-shared-subscriptions.ts)
      const otherSub = client.iterate<Next>({ query: FOLLOW.replace('{ eventId status }', '{ eventId }'), extensions: { requestId: other } });
      void sub.next();
      void otherSub.next();
      await expectFollowedUnder(requestId, () => sub.return!());
      // the other subscription shares the gateway's socket to the subgraph, yet lives on under its own id
      expect(linesOf('order', other).map((l) => l.msg)).toEqual(['subscription started']);
      await otherSub.return!();

      // an error raised by the subgraph's subscribe resolver leaves it with the id the gateway sent
      const bad = client.iterate<Next>({ query: FOLLOW, variables: { after: 'not-an-event' }, extensions: { requestId: `${requestId}-bad` } });
      const first = (await bad.next()).value as Next;
      expect(first.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', requestId: `${requestId}-bad` });
    } finally {
      await client.dispose();
    }
  });

  it('graphql-ws client: a query (to its subgraph over HTTP) is logged there under the id of its subscribe message', async () => {
    await sandboxFaults(stack.sandboxUrl('mmp'), { errorRate: 1 });
    const client = createWsClient({ url: stack.gatewayUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const requestId = `ws-query-${Date.now()}`;
      const answer = (await client.iterate<Next>({ query: '{ vehicle(plate: "ABC123") { information { vin } } }', extensions: { requestId } }).next()).value as Next;
      expect(answer.errors?.[0]?.extensions?.code).toMatch(/^UPSTREAM_/);
      await expect.poll(() => linesOf('vehicle', requestId).find((l) => l.msg === 'vendor call failed')).toMatchObject({ vendor: 'mmp' });
    } finally {
      await client.dispose();
      await sandboxFaults(stack.sandboxUrl('mmp'), { errorRate: 0 });
    }
  });

  it('SSE client: the x-request-id of its request is the id the subgraph logs the subscription under', async () => {
    const requestId = `sse-sub-${Date.now()}`;
    const client = createSseClient({ url: stack.gatewayUrl, headers: { ...DEV_PARTNER, 'x-request-id': requestId }, retryAttempts: 0 });
    const sub = client.iterate<Next>({ query: FOLLOW });
    void sub.next().catch(() => undefined);
    await expectFollowedUnder(requestId, async () => {
      await sub.return!();
      client.dispose();
    });
  });
});

describe('ops/: alert rules and dashboard', () => {
  /** Every sample name the running processes export (a histogram `x` exports x_bucket, x_sum, x_count). */
  async function exportedNames(): Promise<Set<string>> {
    const scrapes = await Promise.all([
      gatewayMetrics(),
      vehicleMetrics(),
      scrape(metricsUrlOf(stack.subgraphUrl('order'))),
      scrape(`${stack.sandboxUrl('mmp')}/__sandbox/metrics`),
    ]);
    const names = new Set(['up']); // written by Prometheus itself for every target
    for (const f of scrapes.flatMap((s) => s.families)) {
      if (f.type === 'HISTOGRAM') for (const suffix of ['_bucket', '_sum', '_count']) names.add(f.name + suffix);
      else if (f.type === 'SUMMARY') for (const suffix of ['', '_sum', '_count']) names.add(f.name + suffix);
      else names.add(f.name);
    }
    return names;
  }

  it('every alert expression parses, passes promtool and names only metrics the processes export', async () => {
    const path = `${repoRoot}/ops/prometheus/alerts.yml`;
    const rules = YAML.parse(readFileSync(path, 'utf8')) as { groups: Array<{ name: string; rules: Array<{ alert: string; expr: string }> }> };
    const exported = await exportedNames();
    const all = rules.groups.flatMap((g) => g.rules);
    expect(all.length).toBeGreaterThanOrEqual(10);
    for (const rule of all) {
      const names = metricNamesIn(rule.expr);
      expect(names.length, rule.alert).toBeGreaterThan(0);
      expect(names.filter((n) => !exported.has(n)), `${rule.alert} names metrics no process exports`).toEqual([]);
    }
    if (tool.available) {
      const r = tool.run(['check', 'rules', path]);
      expect(r.status, r.output).toBe(0);
    }
  });

  it('the Grafana dashboard parses and each of its queries names only exported metrics', async () => {
    const dashboard = JSON.parse(readFileSync(`${repoRoot}/ops/grafana/switchboard.json`, 'utf8')) as { uid: string; panels: Array<{ title: string; targets?: Array<{ expr: string }> }> };
    expect(dashboard.uid).toBe('switchboard');
    const exported = await exportedNames();
    const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
    expect(queries.length).toBeGreaterThanOrEqual(15);
    for (const q of queries) {
      // Grafana substitutes $__rate_interval before the query reaches Prometheus
      const names = metricNamesIn(q.expr.replaceAll('$__rate_interval', '5m'));
      expect(names.length, q.panel).toBeGreaterThan(0);
      expect(names.filter((n) => !exported.has(n)), `panel "${q.panel}" names metrics no process exports`).toEqual([]);
    }
  });
});
