import { maskCredentials } from './mask-credentials';
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import { logCorrelationFields } from './request-context';
import { currentTraceFields } from './telemetry';

/**
 * Structured JSON logs through pino, one line per event, on stderr. Keys that may hold a credential are
 * replaced before anything is written, at any depth, so a careless `log.info({ headers })` cannot leak a
 * token. Every line written while a request is handled carries its `requestId` (pino `mixin`, from
 * `platform/request-context.ts`), and an `err` keeps its stack.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

// A key is secret when its name ends in one of these words: accessToken, client_secret, x-api-key, …
const SECRET_KEY = /(token|secret|password|passwd|authorization|api[-_]?key|cookie|credentials?|signature)$/i;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;

/**
 * Hand-written rather than pino's `redact` option: pino redacts listed paths, and what we need is "any key
 * whose name ends in token/secret/…, at any depth, plus Bearer/Basic values inside strings".
 */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[depth]';
  if (typeof value === 'string') return maskCredentials(value.replace(BEARER, '$1 [redacted]'));
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) {
    const e = value as Error & { code?: unknown; cause?: unknown };
    // plain facts an error carries (VendorError's vendor and status, …); objects are left out (a GraphQLError
    // holds the whole query source)
    const facts: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(e)) if (v !== null && typeof v !== 'object' && typeof v !== 'function') facts[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
    return {
      ...facts,
      type: e.name,
      message: redact(e.message, depth + 1),
      ...(e.code !== undefined ? { code: e.code } : {}),
      stack: typeof e.stack === 'string' ? redact(e.stack, depth + 1) : undefined,
      ...(e.cause !== undefined ? { cause: redact(e.cause, depth + 1) } : {}),
    };
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
    return out;
  }
  return value;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

// One synchronous stderr stream per process, shared by every logger: a line is written before a crash exits.
let stderr: DestinationStream | undefined;
const defaultDestination = () => (stderr ??= pino.destination({ dest: 2, sync: true }));

function wrap(p: PinoLogger): Logger {
  const at = (level: 'debug' | 'info' | 'warn' | 'error') => (msg: string, fields?: Record<string, unknown>) => {
    if (!p.isLevelEnabled(level)) return;
    if (fields) p[level](redact(fields) as object, msg);
    else p[level](msg);
  };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => wrap(p.child(redact(fields) as Record<string, unknown>)),
  };
}

/** `write` receives each line without its newline (tests collect them); the default is stderr. */
export function createLogger(base: Record<string, unknown> = {}, level: LogLevel = 'info', write?: (line: string) => void): Logger {
  const destination: DestinationStream = write ? { write: (line: string) => write(line.endsWith('\n') ? line.slice(0, -1) : line) } : defaultDestination();
  const p = pino(
    {
      level,
      base: redact(base) as Record<string, unknown>,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // `redact` has already turned errors into { type, message, code, stack, cause }
      serializers: { err: (e: unknown) => e },
      // requestId (and whatever else request-context adds) on every line written during a request
      // the request id (platform/request-context) and, when tracing is on, the trace and span ids
      mixin: () => ({ ...logCorrelationFields(), ...currentTraceFields() }),
    },
    destination,
  );
  return wrap(p);
}

export const silentLogger: Logger = createLogger({}, 'silent', () => {});
