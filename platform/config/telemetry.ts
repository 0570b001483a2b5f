import { z } from 'zod';
import { bool, envVar, url } from './define';

const protocol = z.enum(['http/protobuf', 'http/json', 'grpc']);

/**
 * OpenTelemetry tracing, by the standard `OTEL_*` variables (the SDK reads them itself too; they are listed
 * here so that a wrong value stops the process at start and `.env.example` documents them). Tracing is off,
 * and costs nothing, unless an exporter is configured: an OTLP endpoint or `OTEL_TRACES_EXPORTER`.
 */
export const telemetryEnv = {
  OTEL_EXPORTER_OTLP_ENDPOINT: envVar(url(), 'OTLP collector base URL, e.g. http://127.0.0.1:4318 (traces go to <url>/v1/traces). Unset, with OTEL_EXPORTER_OTLP_TRACES_ENDPOINT and OTEL_TRACES_EXPORTER unset: tracing is off'),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: envVar(url(), 'Full OTLP traces URL (overrides OTEL_EXPORTER_OTLP_ENDPOINT for traces), e.g. http://127.0.0.1:4318/v1/traces'),
  OTEL_EXPORTER_OTLP_PROTOCOL: envVar(protocol.default('http/protobuf'), 'OTLP transport: http/protobuf, http/json or grpc'),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: envVar(protocol.optional(), 'OTLP transport for traces only (overrides OTEL_EXPORTER_OTLP_PROTOCOL)'),
  OTEL_EXPORTER_OTLP_HEADERS: envVar(z.string().optional(), 'Headers sent to the collector, key=value,… (e.g. an authorization header)', true),
  OTEL_TRACES_EXPORTER: envVar(
    z
      .string()
      .optional()
      .transform((s) => s?.split(',').map((x) => x.trim()).filter(Boolean))
      .refine((l) => !l || l.every((x) => ['otlp', 'console', 'none'].includes(x)), 'a comma-separated list of otlp, console, none'),
    'Trace exporters: otlp, console or none. Unset: otlp when an OTLP endpoint is set, otherwise tracing is off',
  ),
  OTEL_SERVICE_NAME: envVar(z.string().optional(), 'service.name of every span. Unset: switchboard-<process> (switchboard-gateway, switchboard-vehicle, …)'),
  OTEL_TRACES_SAMPLER: envVar(
    z.enum(['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio']).default('parentbased_always_on'),
    'Which traces are recorded: parentbased_always_on, parentbased_traceidratio (with OTEL_TRACES_SAMPLER_ARG), always_on, …',
  ),
  OTEL_TRACES_SAMPLER_ARG: envVar(z.coerce.number().min(0).max(1).optional(), 'Sampling ratio 0..1 for the traceidratio samplers'),
  OTEL_SDK_DISABLED: envVar(bool(false), 'true turns tracing off whatever else is set'),
};
