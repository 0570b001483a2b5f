/**
 * OpenTelemetry traces for every Switchboard process: one trace per client request, from the gateway
 * (the Hive runtime's OpenTelemetry plugin, `gateway/plugins/use-tracing.ts`) through each subgraph
 * (`serveTraced` + `graphqlTracingPlugin`) to each vendor call (undici instrumentation), joined by the W3C
 * `traceparent` header.
 *
 * Off unless an exporter is configured (an OTLP endpoint or `OTEL_TRACES_EXPORTER`, see
 * platform/config/telemetry.ts). Off means off: the SDK is never imported, no instrumentation subscribes
 * to undici's diagnostics channels, and the helpers below are a boolean test. `bootstrap` (platform/process.ts),
 * the first line of every entry point, calls `startTelemetry` right after reading the config, and
 * `onShutdown` flushes what is buffered before the process exits.
 *
 * ESM note: nothing here needs import hooks. undici publishes its requests on `node:diagnostics_channel`
 * (the instrumentation subscribes at any time); server spans are started by `serveTraced` around our own
 * node:http handler, and GraphQL spans by an Apollo Server plugin, instead of patching modules at load.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, createContextKey, isSpanContextValid, propagation, trace, type Attributes, type Span } from '@opentelemetry/api';
import type { Span as SdkSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Config } from './config';
import type { Logger } from './logger';

/** Span attributes Switchboard adds to a vendor call (the HTTP status is the standard `http.response.status_code`). */
export const ATTR_VENDOR = 'switchboard.vendor';
/** The route template of a vendor call (semantic conventions' name for a client span's template). */
export const ATTR_URL_TEMPLATE = 'url.template';
export const TRACER_NAME = 'switchboard';

let running: { shutdown(): Promise<void> } | undefined;

/** True once `startTelemetry` started the SDK in this process. */
export const tracingEnabled = () => running !== undefined;

type TelemetryConfig = Pick<
  Config,
  'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' | 'OTEL_TRACES_EXPORTER' | 'OTEL_SERVICE_NAME' | 'OTEL_SDK_DISABLED' | 'OTEL_EXPORTER_OTLP_PROTOCOL' | 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
>;

/** The exporters the configuration asks for; empty means tracing stays off. */
export function tracesExporters(config: TelemetryConfig): string[] {
  if (config.OTEL_SDK_DISABLED) return [];
  const listed = config.OTEL_TRACES_EXPORTER ?? (config.OTEL_EXPORTER_OTLP_ENDPOINT || config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? ['otlp'] : []);
  return listed.includes('none') ? [] : listed;
}

/**
 * Starts the OpenTelemetry SDK for this process when an exporter is configured; otherwise does nothing and
 * returns false. The SDK (`@opentelemetry/sdk-node`) reads the same standard variables from the
 * environment: exporter protocol and endpoint, headers, sampler, batch delays, propagators (W3C trace
 * context and baggage by default). Only traces: metrics are Prometheus' job, logs go to stderr.
 * Synchronous (the SDK is CommonJS, loaded with `require` only when needed) so `bootstrap` stays synchronous.
 */
export function startTelemetry(service: string, config: TelemetryConfig, log: Logger): boolean {
  const exporters = tracesExporters(config);
  if (!exporters.length || running) return running !== undefined;
  const require = createRequire(import.meta.url);
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
  const { BatchSpanProcessor, SimpleSpanProcessor, ConsoleSpanExporter } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const protocol = config.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? config.OTEL_EXPORTER_OTLP_PROTOCOL;
  // Each exporter reads its endpoint, headers, timeout and compression from the standard variables itself.
  const otlpExporter = (): SpanExporter => {
    if (protocol === 'http/json') return new (require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
    if (protocol === 'grpc') return new (require('@opentelemetry/exporter-trace-otlp-grpc') as typeof import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter();
    return new (require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
  };
  const sdk = new NodeSDK({
    serviceName: config.OTEL_SERVICE_NAME ?? `switchboard-${service}`,
    instrumentations: [
      new UndiciInstrumentation({
        // a call some other instrumentation traces already (the gateway runtime's subgraph fetches): no second span, no second traceparent
        ignoreRequestHook: () => context.active().getValue(TRACED_ELSEWHERE) === true,
        // Runs synchronously inside the caller's context, so the vendor call marked by `withVendorCall` is visible.
        requestHook(span, request) {
          const call = context.active().getValue(VENDOR_CALL) as VendorCall | undefined;
          if (!call) return;
          span.setAttributes({ [ATTR_VENDOR]: call.vendor, [ATTR_URL_TEMPLATE]: call.route });
          span.updateName(`${request.method} ${call.vendor} ${call.route}`);
        },
      }),
    ],
    // The batch processor reads OTEL_BSP_* (delay, queue size) itself; its queue is bounded (2048 spans by default).
    spanProcessors: [scrubLiterals, ...exporters.map((e) => (e === 'console' ? new SimpleSpanProcessor(new ConsoleSpanExporter()) : new BatchSpanProcessor(otlpExporter())))],
    // Traces only; an explicit empty list keeps the SDK from starting its OTLP metrics and logs exporters.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  running = { shutdown: () => sdk.shutdown() };
  log.info('tracing on', { exporters, endpoint: config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? config.OTEL_EXPORTER_OTLP_ENDPOINT, protocol });
  return true;
}

/** Exports the spans still buffered and stops the SDK; nothing when tracing is off. */
export async function stopTelemetry(log: Logger): Promise<void> {
  const r = running;
  running = undefined;
  await r?.shutdown().catch((err: unknown) => log.warn('tracing shutdown failed', { err: err as Error }));
}

/**
 * GraphQL documents on spans (the Hive plugin records `graphql.document`) may carry personal data as inline
 * literals — a plate, a prospect's name or e-mail — and vendor URLs carry it in their query strings (a
 * prospect's coordinates). Before a span is exported, string literals and query values are replaced by
 * "…", so a trace shows the shape of a call, never the data in it. Variables and bodies are never recorded.
 */
const STRING_LITERAL = /"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"/g;
export const scrubGraphQLLiterals = (doc: string) => doc.replace(STRING_LITERAL, '"…"');
const QUERY_VALUE = /=[^&#]*/g;
export const scrubQueryValues = (url: string) => {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q) + url.slice(q).replace(QUERY_VALUE, '=…');
};
const scrubLiterals: SpanProcessor = {
  onStart() {},
  onEnding(span: SdkSpan) {
    const doc = span.attributes['graphql.document'];
    if (typeof doc === 'string') span.setAttribute('graphql.document', scrubGraphQLLiterals(doc));
    for (const key of ['url.full', 'url.query', 'http.url']) {
      const url = span.attributes[key];
      if (typeof url === 'string') span.setAttribute(key, scrubQueryValues(url));
    }
  },
  onEnd() {},
  forceFlush: async () => {},
  shutdown: async () => {},
};

/** trace_id / span_id of the active span for a log line; empty when tracing is off or no span is active. */
export function currentTraceFields(): { trace_id?: string; span_id?: string } {
  if (!running) return {};
  const sc = trace.getActiveSpan()?.spanContext();
  return sc && isSpanContextValid(sc) ? { trace_id: sc.traceId, span_id: sc.spanId } : {};
}

interface VendorCall {
  vendor: string;
  route: string;
}
const VENDOR_CALL = createContextKey('switchboard.vendor-call');

/**
 * Runs one vendor HTTP call with its vendor and route template in the trace context, where the undici
 * instrumentation picks them up for the call's span. A plain call when tracing is off.
 */
export function withVendorCall<T>(vendor: string, route: () => string, call: () => T): T {
  if (!running) return call();
  return context.with(context.active().setValue(VENDOR_CALL, { vendor, route: route() } satisfies VendorCall), call);
}

const TRACED_ELSEWHERE = createContextKey('switchboard.traced-elsewhere');

/**
 * Runs an undici call that another instrumentation traces already — the gateway's subgraph calls, whose
 * span and `traceparent` the runtime's OpenTelemetry plugin makes (gateway/subgraph-fetch.ts) — so the
 * undici instrumentation adds no span and no header of its own. A plain call when tracing is off.
 */
export function tracedElsewhere<T>(call: () => T): T {
  if (!running) return call();
  return context.with(context.active().setValue(TRACED_ELSEWHERE, true), call);
}

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * A node:http handler that continues the caller's trace: the `traceparent` of the request becomes the
 * parent of a SERVER span that is active while `handler` runs (so vendor calls made for this request are
 * its children) and ends when the response is finished. `handler` itself when tracing is off.
 */
export function serveTraced(handler: Handler, opts: { traced?: (path: string) => boolean } = {}): Handler {
  if (!running) return handler;
  const tracer = trace.getTracer(TRACER_NAME);
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (opts.traced && !opts.traced(path)) return handler(req, res);
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(
      `${req.method} ${path}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method ?? 'GET', 'url.path': path, 'http.route': path } },
      parent,
    );
    res.once('close', () => endServerSpan(span, res));
    return context.with(trace.setSpan(parent, span), () => handler(req, res));
  };
}

function endServerSpan(span: Span, res: ServerResponse) {
  span.setAttribute('http.response.status_code', res.statusCode);
  if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/** An operation traced outside node:http: `run` makes its span active, `end` finishes it (once). */
export interface TracedOperation {
  run<T>(fn: () => T): T;
  end(err?: unknown): void;
}

const UNTRACED_OPERATION: TracedOperation = { run: (fn) => fn(), end() {} };

/**
 * A SERVER span for an operation that does not arrive as its own HTTP request — a graphql-ws subscription
 * on a socket the gateway shares between many — continuing the trace whose context came with it
 * (`traceparent` in the operation's `extensions.headers`, see platform/subscription-server.ts). Vendor
 * calls made while `run` is active are its children. A no-op when tracing is off.
 */
export function traceOperation(carrier: Record<string, unknown> | undefined, name: string, attributes: Attributes = {}): TracedOperation {
  if (!running) return UNTRACED_OPERATION;
  const parent = propagation.extract(ROOT_CONTEXT, carrier ?? {});
  const span = trace.getTracer(TRACER_NAME).startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
  const active = trace.setSpan(parent, span);
  let ended = false;
  return {
    run: (fn) => context.with(active, fn),
    end(err) {
      if (ended) return;
      ended = true;
      if (err) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      }
      span.end();
    },
  };
}
