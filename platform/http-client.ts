import { Agent, FormData, errors as undiciErrors, request as undiciRequest } from 'undici';
import { ErrorCode, VendorError, codeForVendorStatus } from './errors';
import { count } from './metrics';
import { withVendorCall } from './telemetry';
import { routeTemplate } from './vendor-route';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** sent as application/json */
  json?: unknown;
  /** sent as application/x-www-form-urlencoded */
  form?: Record<string, string>;
  /** sent as multipart/form-data */
  multipart?: FormData;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** route template for traces, e.g. `/properties/{id}`; derived from `path` when unset (see vendor-route.ts) */
  route?: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface HttpClient {
  readonly vendor: string;
  readonly baseUrl: string;
  /** Answers every status; throws only when no HTTP answer came (timeout, refused, reset). */
  send(req: HttpRequest): Promise<HttpResponse>;
  close(): Promise<void>;
}

export interface HttpClientOptions {
  vendor: string;
  baseUrl: string;
  timeoutMs: number;
  connections?: number;
}

/**
 * One keep-alive pool per vendor origin. Every call has its own timeout covering the whole exchange,
 * so a vendor that accepts the connection and then stalls cannot hold a resolver forever.
 */
export function createHttpClient({ vendor, baseUrl, timeoutMs, connections = 64 }: HttpClientOptions): HttpClient {
  const agent = new Agent({ connections, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, pipelining: 1 });
  const base = baseUrl.replace(/\/+$/, '');

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

    const limit = req.timeoutMs ?? timeoutMs;
    const timeout = AbortSignal.timeout(limit);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    count(`upstream.${vendor}.requests`);
    try {
      const res = await withVendorCall(vendor, () => req.route ?? routeTemplate(req.path), () => undiciRequest(url, { method: req.method, headers, body, signal, dispatcher: agent }));
      const text = await res.body.text();
      return { status: res.statusCode, headers: res.headers, text };
    } catch (err) {
      count(`upstream.${vendor}.failures`);
      if (timeout.aborted) throw new VendorError(vendor, ErrorCode.UPSTREAM_TIMEOUT, `no answer within ${limit} ms (${req.method} ${req.path})`);
      if (req.signal?.aborted) throw err;
      const code = (err as { code?: string }).code;
      if (err instanceof undiciErrors.UndiciError || code) {
        throw new VendorError(vendor, ErrorCode.UPSTREAM_UNAVAILABLE, `cannot reach ${url.origin} (${code ?? (err as Error).message})`);
      }
      throw err;
    }
  }

  return { vendor, baseUrl: base, send, close: () => agent.close() };
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
