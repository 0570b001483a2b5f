import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEV_PARTNER, gql } from './support/graphql';
import { startOtlpReceiver, type ReceivedSpan } from './support/otlp-receiver';
import { startStack, type Stack } from './support/stack';

/**
 * Gateway → Vehicle subgraph → MMP sandbox, each its own process, exporting OTLP/HTTP to a receiver in
 * this test: one query is one trace across the three hops, joined by `traceparent`. A subscription is one
 * trace too: gateway → Order subgraph over the gateway's shared graphql-ws socket.
 */
const SERVER = 2;
const CLIENT = 3;

describe('OpenTelemetry traces (OTLP http/json)', () => {
  let stack: Stack;
  let otlp: Awaited<ReturnType<typeof startOtlpReceiver>>;
  beforeAll(async () => {
    otlp = await startOtlpReceiver();
    stack = await startStack({
      sandboxes: ['mmp', 'vitec'],
      subgraphs: ['vehicle', 'order'],
      gateway: true,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100', LOG_LEVEL: 'info' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await otlp?.close();
  });

  it('one query is one trace: gateway, its subgraph fetch, the subgraph, and the vendor call with vendor, route and status', async () => {
    const res = await gql(stack.gatewayUrl, 'query TracedVehicle { vehicle(plate: "ABC123") { plate information { vin } } }');
    expect(res.errors).toBeUndefined();

    const ofOperation = (spans: ReceivedSpan[]) => spans.find((s) => s.service === 'switchboard-gateway' && s.attributes['graphql.operation.name'] === 'TracedVehicle');
    const traceId = (await otlp.until('gateway span of TracedVehicle', ofOperation)).traceId;
    const inTrace = () => otlp.spans.filter((s) => s.traceId === traceId);
    const vendorCall = await otlp.until('MMP vendor call span', () =>
      inTrace().find((s) => s.service === 'switchboard-vehicle' && s.kind === CLIENT && s.attributes['switchboard.vendor'] === 'mmp' && String(s.attributes['url.template']).endsWith('/vision360')),
    );
    expect(vendorCall.attributes['http.response.status_code']).toBe(200);
    expect(vendorCall.attributes['url.template']).toBe('/service-external-client/vehicule/vision360');
    expect(vendorCall.name).toBe('POST mmp /service-external-client/vehicule/vision360');

    // Parent chain: vendor call ← subgraph SERVER span ← gateway's upstream fetch to the subgraph.
    const byId = new Map(inTrace().map((s) => [s.spanId, s]));

    const subgraphServer = byId.get(vendorCall.parentSpanId!);
    expect(subgraphServer).toMatchObject({ service: 'switchboard-vehicle', kind: SERVER });
    expect(subgraphServer!.attributes['graphql.operation.type']).toBe('query');
    const gatewayFetch = byId.get(subgraphServer!.parentSpanId!);
    expect(gatewayFetch?.service).toBe('switchboard-gateway');
    expect(gatewayFetch?.kind).toBe(CLIENT);
    // …which belongs to the subgraph execution for "vehicle"
    const ancestors: ReceivedSpan[] = [];
    for (let s = gatewayFetch; s; s = s.parentSpanId ? byId.get(s.parentSpanId) : undefined) ancestors.push(s);
    expect(ancestors.some((s) => s.attributes['hive.gateway.upstream.subgraph.name'] === 'vehicle')).toBe(true);
    expect(ancestors.at(-1)).toMatchObject({ service: 'switchboard-gateway', kind: SERVER, parentSpanId: undefined });
    // The subgraph's GraphQL phases are in the same trace.
    expect(inTrace().filter((s) => s.service === 'switchboard-vehicle').map((s) => s.name)).toEqual(expect.arrayContaining(['graphql.parse', 'graphql.validate', 'graphql.execute']));
    // Literals of the document (the plate) and vendor query values are not exported.
    expect(JSON.stringify(inTrace())).not.toContain('ABC123');
    expect(vendorCall.attributes['url.full']).toMatch(/\/vision360\?lang=…$/);
    // One query, one trace: no span of this operation elsewhere.
    expect(new Set(otlp.spans.filter((s) => s.attributes['graphql.operation.name'] === 'TracedVehicle').map((s) => s.traceId))).toEqual(new Set([traceId]));
  });

  it("continues the caller's W3C traceparent", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await gql(stack.gatewayUrl, 'query CallerTraced { vehicle(plate: "DEF123") { plate information { vin } } }', undefined, {
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    });
    expect(res.errors).toBeUndefined();
    const vendorCall = await otlp.until('vendor call in the caller trace', (spans) =>
      spans.find((s) => s.traceId === traceId && s.service === 'switchboard-vehicle' && s.attributes['switchboard.vendor'] === 'mmp'),
    );
    expect(vendorCall.kind).toBe(CLIENT);
    const root = otlp.spans.find((s) => s.traceId === traceId && s.service === 'switchboard-gateway' && s.kind === SERVER);
    expect(root?.parentSpanId).toBe('00f067aa0ba902b7');
  });

  /** The Order subgraph's span of a subscription in `traceId`, its parent in the gateway (exported once the subscription ends). */
  async function orderSubscriptionSpan(traceId: string) {
    const server = await otlp.until('Order subgraph span of the subscription', (spans) =>
      spans.find((s) => s.traceId === traceId && s.service === 'switchboard-order' && s.kind === SERVER),
    );
    const byId = new Map(otlp.spans.filter((s) => s.traceId === traceId).map((s) => [s.spanId, s]));
    const ancestors: ReceivedSpan[] = [];
    for (let s = byId.get(server.parentSpanId!); s; s = s.parentSpanId ? byId.get(s.parentSpanId) : undefined) ancestors.push(s);
    return { server, ancestors };
  }
  const FOLLOW = (name: string) => `subscription ${name} { orderStatusChanged { eventId status } }`;

  it('a subscription over graphql-ws is one trace: the Order subgraph continues the gateway span it was subscribed from', async () => {
    const client = createWsClient({ url: stack.gatewayUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: DEV_PARTNER, retryAttempts: 0 });
    try {
      const sub = client.iterate({ query: FOLLOW('TracedOrders') });
      void sub.next();
      const op = await otlp.until('gateway span of TracedOrders', (spans) => spans.find((s) => s.service === 'switchboard-gateway' && s.attributes['graphql.operation.name'] === 'TracedOrders'));
      await new Promise((r) => setTimeout(r, 300)); // the subscription reaches the subgraph
      await sub.return!();
      // the gateway's span of the graphql-ws operation is the root, and the Order subgraph's span is in its trace
      expect(op).toMatchObject({ kind: SERVER, parentSpanId: undefined, name: 'graphql-ws TracedOrders' });
      const { server, ancestors } = await orderSubscriptionSpan(op.traceId);
      expect(server.attributes['graphql.operation.name']).toBeDefined();
      expect(ancestors.at(-1)?.spanId).toBe(op.spanId);
    } finally {
      await client.dispose();
    }
  });

  it("a subscription over SSE continues the caller's traceparent down to the Order subgraph", async () => {
    const traceId = '5c0e1f3d2b4a69788796a5b4c3d2e1f0';
    const client = createSseClient({ url: stack.gatewayUrl, headers: { ...DEV_PARTNER, traceparent: `00-${traceId}-00f067aa0ba902b7-01` }, retryAttempts: 0 });
    const sub = client.iterate({ query: FOLLOW('CallerTracedOrders') });
    void sub.next().catch(() => undefined);
    await otlp.until('gateway span in the caller trace', (spans) => spans.some((s) => s.traceId === traceId && s.service === 'switchboard-gateway'));
    await new Promise((r) => setTimeout(r, 300));
    await sub.return!();
    client.dispose();
    const { ancestors } = await orderSubscriptionSpan(traceId);
    expect(ancestors.at(-1)).toMatchObject({ service: 'switchboard-gateway', kind: SERVER, parentSpanId: '00f067aa0ba902b7' });
  });

  it('writes the trace id on the log lines of the request, in the subgraph and in the gateway', async () => {
    // The first query of this file fetched the MMP token, which the Vehicle subgraph logs.
    const first = otlp.spans.find((s) => s.attributes['graphql.operation.name'] === 'TracedVehicle')!;
    const lines = (name: string) =>
      stack.services
        .find((s) => s.name === name)!
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    const tokenLine = lines('vehicle').find((l) => l.msg === 'fetching vendor token');
    expect(tokenLine).toMatchObject({ trace_id: first.traceId, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });

    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const res = await gql(stack.gatewayUrl, 'mutation { cancelReservation(id: "x") { status } }', undefined, {
      'x-api-key': 'not-a-key',
      traceparent: `00-${traceId}-b7ad6b7169203331-01`,
    });
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await otlp.until('the refused request', (spans) => spans.some((s) => s.traceId === traceId));
    expect(lines('gateway').find((l) => l.msg === 'caller refused')).toMatchObject({ trace_id: traceId });
  });
});

describe('OpenTelemetry traces (OTLP http/protobuf)', () => {
  let stack: Stack;
  let otlp: Awaited<ReturnType<typeof startOtlpReceiver>>;
  beforeAll(async () => {
    otlp = await startOtlpReceiver();
    stack = await startStack({
      sandboxes: ['mmp'],
      subgraphs: ['vehicle'],
      gateway: true,
      env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${otlp.url}/v1/traces`, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_BSP_SCHEDULE_DELAY: '100' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await otlp?.close();
  });

  it('exports protobuf spans of the gateway and of the subgraph with its vendor call, in the caller trace', async () => {
    const traceId = 'a3ce929d0e0e47364bf92f3577b34da6';
    const res = await gql(stack.gatewayUrl, '{ vehicle(plate: "ABC123") { plate } }', undefined, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    expect(res.errors).toBeUndefined();
    const id = Buffer.from(traceId, 'hex');
    const exported = (service: string, ...words: string[]) =>
      otlp.bodies.some((b) => b.contentType === 'application/x-protobuf' && b.body.includes(id) && [service, ...words].every((w) => b.body.includes(w)));
    await otlp.until('protobuf spans of both processes', () => exported('switchboard-gateway', 'subgraph.execute (vehicle)') && exported('switchboard-vehicle', 'switchboard.vendor', 'mmp', 'http.response.status_code'));
  });

  it('a collector that goes away costs no request and no process', async () => {
    await otlp.close();
    for (let i = 0; i < 5; i++) {
      const res = await gql(stack.gatewayUrl, '{ vehicle(plate: "DEF123") { plate information { vin } } }');
      expect(res.errors).toBeUndefined();
    }
    await new Promise((r) => setTimeout(r, 500)); // a few export attempts against the closed port
    expect(stack.services.map((s) => [s.name, s.child.exitCode])).toEqual(stack.services.map((s) => [s.name, null]));
    expect((await gql(stack.gatewayUrl, '{ vehicle(plate: "ABC123") { plate } }')).data).toEqual({ vehicle: { plate: 'ABC123' } });
  });
});
