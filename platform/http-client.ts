import { BrokenCircuitError, CircuitState, IsolatedCircuitError, TaskCancelledError } from 'cockatiel';
import { Agent, FormData, errors as undiciErrors, request as undiciRequest } from 'undici';
import { currentCallScope, isTimeoutReason, remainingMs } from './call-scope';
import { ErrorCode, VendorError, codeForVendorStatus } from './errors';
import { count, setCircuitBreakerState } from './metrics';
import {
  RETRYABLE_STATUS,
  breakerEvents,
  breakerStateName,
  createBreaker,
  createRetry,
  isBreakerFailureStatus,
  retryAfterMs,
  type BreakerOptions,
  type BreakerState,
  type RetryOptions,
} from './resilience';
import { observeVendorCall } from './vendor-call-telemetry';
import type { Logger } from './logger';
import { withVendorCall } from './telemetry';
import { routeTemplate } from './vendor-route';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** the route template for metrics, logs and spans, e.g. `/vehicule/:service` (never the real path: plates and ids stay out of labels); unset: the path with its ids replaced (vendor-route.ts) */
  route?: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** sent as application/json */
  json?: unknown;
  /** sent as application/x-www-form-urlencoded */
  form?: Record<string, string>;
  /** sent as multipart/form-data */
  multipart?: FormData;
  timeoutMs?: number;
  /** defaults to the budget of the request being served (`platform/call-scope`) */
  signal?: AbortSignal;
  /**
   * May be sent again on a transient failure (connection error, 429, 502/503/504). Default: GET only.
   * Mark a vendor POST that only reads (MMP's vehicle data services) `true`; never a write.
   */
  idempotent?: boolean;
  /** overrides the client's response-size cap for this call */
  maxResponseBytes?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface HttpClient {
  readonly vendor: string;
  readonly baseUrl: string;
  /**
   * Answers every status; throws only when no usable HTTP answer came (timeout, refused, reset, circuit
   * open, body over the size cap). Idempotent calls are retried on transient failures within the budget.
   */
  send(req: HttpRequest): Promise<HttpResponse>;
  /** the vendor circuit's state */
  breakerState(): BreakerState;
  close(): Promise<void>;
}

export interface HttpClientOptions {
  vendor: string;
  baseUrl: string;
  timeoutMs: number;
  connections?: number;
  retry?: Partial<RetryOptions>;
  breaker?: Partial<BreakerOptions>;
  /** largest response body accepted, bytes; more is UPSTREAM_BAD_RESPONSE */
  maxResponseBytes?: number;
  onBreakerStateChange?: (state: BreakerState) => void;
  /** vendor calls are logged here (debug; warn when no answer or a 5xx), with the request id of the request that made them */
  log?: Logger;
}

export const DEFAULT_RETRY: RetryOptions = { maxRetries: 2, initialDelayMs: 100, maxDelayMs: 2_000 };
export const DEFAULT_BREAKER: BreakerOptions = { threshold: 5, halfOpenAfterMs: 5_000 };
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** The resilience settings of every vendor client, from configuration. */
export const upstreamOptionsFromConfig = (c: {
  UPSTREAM_TIMEOUT_MS: number;
  UPSTREAM_CONNECTIONS: number;
  UPSTREAM_RETRIES: number;
  UPSTREAM_RETRY_BASE_MS: number;
  UPSTREAM_RETRY_MAX_DELAY_MS: number;
  UPSTREAM_BREAKER_THRESHOLD: number;
  UPSTREAM_BREAKER_HALF_OPEN_MS: number;
  UPSTREAM_MAX_RESPONSE_BYTES: number;
}) => ({
  timeoutMs: c.UPSTREAM_TIMEOUT_MS,
  connections: c.UPSTREAM_CONNECTIONS,
  retry: { maxRetries: c.UPSTREAM_RETRIES, initialDelayMs: c.UPSTREAM_RETRY_BASE_MS, maxDelayMs: c.UPSTREAM_RETRY_MAX_DELAY_MS },
  breaker: { threshold: c.UPSTREAM_BREAKER_THRESHOLD, halfOpenAfterMs: c.UPSTREAM_BREAKER_HALF_OPEN_MS },
  maxResponseBytes: c.UPSTREAM_MAX_RESPONSE_BYTES,
});

/** A failure where no answer came: retried for idempotent calls, counted by the breaker. */
class ConnectionFailure extends VendorError {}
/** No answer within the call's own timeout: counted by the breaker, not retried (the budget is spent). */
class AttemptTimeout extends VendorError {}

const headersOf = (v: unknown) => (v as HttpResponse | undefined)?.headers;

/**
 * One keep-alive pool per vendor origin, with cockatiel's retry (idempotent calls only) and circuit breaker
 * around each exchange. Every attempt has its own timeout covering the whole exchange, cut short by the
 * budget of the request being served, so a vendor that accepts the connection and then stalls cannot hold
 * a resolver past its caller.
 */
export function createHttpClient(opts: HttpClientOptions): HttpClient {
  const { vendor, baseUrl, timeoutMs, connections = 64 } = opts;
  const retryOpts = { ...DEFAULT_RETRY, ...opts.retry };
  const breakerOpts = { ...DEFAULT_BREAKER, ...opts.breaker };
  const maxBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const log = opts.log;
  const agent = new Agent({ connections, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, pipelining: 1 });
  const base = baseUrl.replace(/\/+$/, '');

  setCircuitBreakerState(vendor, 'closed');
  const breaker = createBreaker(
    breakerOpts,
    (err) => err instanceof ConnectionFailure || err instanceof AttemptTimeout,
    (res) => isBreakerFailureStatus((res as HttpResponse).status),
    (state) => {
      count(`upstream.${vendor}.breaker.${state}`);
      setCircuitBreakerState(vendor, state === 'half-open' ? 'half_open' : state === 'closed' ? 'closed' : 'open');
      opts.onBreakerStateChange?.(state);
      breakerEvents.emit('state', { vendor, baseUrl: base, state });
    },
  );

  async function attempt(req: HttpRequest, url: URL, headers: Record<string, string>, body: string | FormData | undefined, callerSignal: AbortSignal | undefined, deadline: number): Promise<HttpResponse> {
    const limit = Math.max(0, Math.min(req.timeoutMs ?? timeoutMs, deadline - Date.now()));
    const timeout = AbortSignal.timeout(limit);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
    // One route template labels the metric, the log line and the span; each attempt is one observation
    // (latency by vendor, route and status class or no-answer outcome: the vendor histogram counts calls,
    // failures and aborts alike) and one log line.
    const route = req.route ?? routeTemplate(req.path);
    const observed = observeVendorCall(vendor, req.method, route, log);
    let status: number | undefined;
    try {
      // a client span per attempt when tracing is on (vendor, route template, status); a plain call otherwise
      const res = await withVendorCall(vendor, () => route, () => undiciRequest(url, { method: req.method, headers, body, signal, dispatcher: agent }));
      status = res.statusCode;
      const cap = req.maxResponseBytes ?? maxBytes;
      const declared = Number(res.headers['content-length']);
      if (declared > cap) {
        res.body.destroy();
        throw new VendorError(vendor, ErrorCode.UPSTREAM_BAD_RESPONSE, `answer of ${declared} bytes is over the ${cap}-byte cap (${req.method} ${req.path})`, res.statusCode);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > cap) {
          res.body.destroy();
          throw new VendorError(vendor, ErrorCode.UPSTREAM_BAD_RESPONSE, `answer over the ${cap}-byte cap (${req.method} ${req.path})`, res.statusCode);
        }
        chunks.push(chunk as Buffer);
      }
      observed.answered(res.statusCode);
      return { status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') };
    } catch (err) {
      if (status !== undefined) observed.answered(status);
      else observed.failed(callerSignal?.aborted ? (isTimeoutReason(callerSignal.reason) ? 'timeout' : 'aborted') : timeout.aborted ? 'timeout' : 'unreachable', err);
      if (err instanceof VendorError) throw err;
      if (callerSignal?.aborted) {
        // The budget of the request being served ran out: a timeout for whoever still listens. The caller
        // gone: nobody listens; end the call with the caller's own reason. Neither is the vendor's fault.
        if (isTimeoutReason(callerSignal.reason)) throw new VendorError(vendor, ErrorCode.UPSTREAM_TIMEOUT, `the request's budget ran out during ${req.method} ${req.path}`);
        throw callerSignal.reason;
      }
      if (timeout.aborted) throw new AttemptTimeout(vendor, ErrorCode.UPSTREAM_TIMEOUT, `no answer within ${limit} ms (${req.method} ${req.path})`);
      const code = (err as { code?: string }).code;
      if (err instanceof undiciErrors.UndiciError || code) {
        // The vendor's address stays out of the message (it reaches clients); the code says what happened.
        throw new ConnectionFailure(vendor, ErrorCode.UPSTREAM_UNAVAILABLE, `no answer from the vendor (${code ?? (err as Error).name})`);
      }
      throw err;
    }
  }

  async function send(req: HttpRequest): Promise<HttpResponse> {
    const url = new URL(base + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    let body: string | FormData | undefined;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] = 'application/json';
    } else if (req.form) {
      body = new URLSearchParams(req.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (req.multipart) body = req.multipart;

    const scope = currentCallScope();
    const signal = req.signal ?? scope?.signal;
    // Without a budget from the caller, one attempt's timeout bounds the retries' waiting too.
    const now = Date.now();
    const budget = remainingMs(scope, now);
    const deadline = now + (Number.isFinite(budget) ? budget : (req.timeoutMs ?? timeoutMs));
    if (signal?.aborted || deadline <= now) {
      if (signal?.aborted && !isTimeoutReason(signal.reason)) throw signal.reason;
      throw new VendorError(vendor, ErrorCode.UPSTREAM_TIMEOUT, `no budget left for ${req.method} ${req.path}`);
    }
    // While the one half-open probe is out, the others fail fast instead of queueing behind it.
    if (breaker.state === CircuitState.HalfOpen) throw circuitOpen(req);

    const once = () => attempt(req, url, headers, body, signal, deadline);
    const idempotent = req.idempotent ?? req.method === 'GET';
    try {
      if (!idempotent || retryOpts.maxRetries <= 0) return await breaker.execute(once);
      const retry = createRetry(
        retryOpts,
        (err) => err instanceof ConnectionFailure,
        (res) => {
          const r = res as HttpResponse;
          if (!RETRYABLE_STATUS.has(r.status)) return false;
          // Honour Retry-After only when the wait fits in what the caller has left.
          const wait = retryAfterMs(r.headers['retry-after']) ?? 0;
          return Date.now() + wait < deadline;
        },
        headersOf,
        deadline,
      );
      retry.onRetry(() => count(`upstream.${vendor}.retries`));
      return await retry.execute(() => breaker.execute(once), signal);
    } catch (err) {
      if (err instanceof BrokenCircuitError || err instanceof IsolatedCircuitError) throw circuitOpen(req);
      if (err instanceof TaskCancelledError && signal?.aborted) throw signal.reason;
      throw err;
    }
  }

  function circuitOpen(req: HttpRequest) {
    count(`upstream.${vendor}.short_circuited`);
    return new VendorError(vendor, ErrorCode.UPSTREAM_UNAVAILABLE, `circuit open after ${breakerOpts.threshold} consecutive failures; not calling ${req.method} ${req.path}`, undefined, { circuit: 'open' });
  }

  return {
    vendor,
    baseUrl: base,
    send,
    breakerState: () => breakerStateName(breaker.state),
    close: () => agent.close(),
  };
}

/** Parses a JSON body, or says plainly that the vendor sent something else. */
export function parseJsonBody<T = unknown>(vendor: string, res: HttpResponse): T {
  try {
    return JSON.parse(res.text) as T;
  } catch {
    const preview = res.text.slice(0, 80).replace(/\s+/g, ' ');
    throw new VendorError(vendor, ErrorCode.UPSTREAM_BAD_RESPONSE, `malformed JSON in a ${res.status} answer (starts with ${JSON.stringify(preview)})`, res.status);
  }
}

/** Turns a non-2xx answer into the one VendorError mapping; `message` is the vendor's own text when it has one. */
export function errorFromResponse(vendor: string, res: HttpResponse, message?: string): VendorError {
  return new VendorError(vendor, codeForVendorStatus(res.status), message ?? `HTTP ${res.status}`, res.status);
}

export { FormData };
export { breakerEvents, type BreakerState, type BreakerStateChange } from './resilience';
