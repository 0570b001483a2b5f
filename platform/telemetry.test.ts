import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hasSubscribers } from 'node:diagnostics_channel';
import { context, propagation, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { createHttpClient } from './http-client';
import { createLogger } from './logger';
import { currentTraceFields, scrubGraphQLLiterals, scrubQueryValues, serveTraced, startTelemetry, tracesExporters, tracingEnabled, withVendorCall } from './telemetry';

describe('tracing is off unless an exporter is configured', () => {
  let server: Server;
  let seen: Record<string, string | string[] | undefined> = {};
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen = req.headers;
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('chooses exporters from the standard variables', () => {
    expect(tracesExporters(loadConfig({}))).toEqual([]);
    expect(tracesExporters(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }))).toEqual(['otlp']);
    expect(tracesExporters(loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }))).toEqual(['otlp']);
    expect(tracesExporters(loadConfig({ OTEL_TRACES_EXPORTER: 'console' }))).toEqual(['console']);
    expect(tracesExporters(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_TRACES_EXPORTER: 'none' }))).toEqual([]);
    expect(tracesExporters(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' }))).toEqual([]);
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/xml' })).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL/);
  });

  it('starts no SDK, registers no instrumentation, and leaves requests and handlers untouched', async () => {
    const lines: string[] = [];
    const log = createLogger({ service: 'test' }, 'debug', (l) => lines.push(l));
    expect(startTelemetry('test', loadConfig({}), log)).toBe(false);
    expect(tracingEnabled()).toBe(false);
    expect(lines).toEqual([]);
    // No tracer provider behind the API's no-op proxy, no context manager, no propagator.
    expect((trace.getTracerProvider() as unknown as { getDelegate(): object }).getDelegate().constructor.name).toBe('NoopTracerProvider');
    expect(propagation.fields()).toEqual([]);
    // Nobody listens on undici's diagnostics channels, so a vendor call costs what it cost before.
    expect(hasSubscribers('undici:request:create')).toBe(false);
    const handler = () => undefined;
    expect(serveTraced(handler)).toBe(handler);
    expect(withVendorCall('mmp', () => '/x', () => context.active())).toBe(context.active());

    const http = createHttpClient({ vendor: 'test', baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 2_000 });
    const res = await http.send({ method: 'GET', path: '/thing/42' });
    await http.close();
    expect(res.status).toBe(200);
    expect(seen.traceparent).toBeUndefined();
    expect(currentTraceFields()).toEqual({});
    log.info('a line');
    expect(Object.keys(JSON.parse(lines[0]!))).not.toContain('trace_id');
  });
});

describe('what a span may carry', () => {
  it('scrubs string literals of GraphQL documents and query values of URLs', () => {
    expect(scrubGraphQLLiterals('mutation { reservePort(boxId: "65a1", prospect: {name: "Ana \\"A\\" Souza", email: """ana@example.com"""}) { id } }')).toBe(
      'mutation { reservePort(boxId: "…", prospect: {name: "…", email: "…"}) { id } }',
    );
    expect(scrubGraphQLLiterals('query($p: String!) { vehicle(plate: $p) { plate } }')).toBe('query($p: String!) { vehicle(plate: $p) { plate } }');
    expect(scrubQueryValues('http://o/api/boxes?lat=-27.59&lng=-48.54&plan=')).toBe('http://o/api/boxes?lat=…&lng=…&plan=…');
    expect(scrubQueryValues('?lang=en')).toBe('?lang=…');
    expect(scrubQueryValues('http://o/a/b')).toBe('http://o/a/b');
  });
});
