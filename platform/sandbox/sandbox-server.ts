import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../http-body';
import { metricsText } from '../metrics';
import { createFaultGate, faultsSchema, type Faults } from './faults';
import { MalformedRequestError, type Route, type SandboxRequest, type SandboxResponse } from './router';

export interface SandboxStats {
  tokenRequests: number;
  dataRequests: number;
  byPath: Record<string, number>;
  /** data calls whose client went away before the answer was complete (an aborted vendor call) */
  abortedRequests: number;
  /** injected faults by kind: rateLimited, unavailable, reset, slowBody, error, malformed */
  injected: Record<string, number>;
}

export interface SandboxOptions {
  name: string;
  routes: Route[];
  faults?: Partial<Faults>;
  /** the vendor's own error body for an injected fault or a server error */
  errorResponse: (status: number, message: string) => SandboxResponse;
  /** called on POST /__sandbox/faults {"expireTokens": true} and on reset */
  expireTokens?: () => void;
  /** extra admin routes under /__sandbox/ (not counted), e.g. place-order */
  adminRoutes?: Route[];
  /** called by POST /__sandbox/reset besides zeroing the counters */
  onReset?: () => void;
  maxBodyBytes?: number;
}

export interface RunningSandbox {
  server: Server;
  url: string;
  port: number;
  stats(): SandboxStats;
  setFaults(f: Partial<Faults>): Faults;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readSandboxBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  try {
    return await readBody(req, limit);
  } catch (err) {
    throw new MalformedRequestError((err as Error).message);
  }
}

function send(res: ServerResponse, r: SandboxResponse) {
  const isText = r.text !== undefined;
  const payload = isText ? r.text! : r.body === undefined ? '' : JSON.stringify(r.body);
  res.writeHead(r.status, { 'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8', ...r.headers });
  res.end(payload);
}

/** Headers and the first half of the body now, the rest after `pauseMs` (unless the client has gone). */
async function sendSlowly(res: ServerResponse, r: SandboxResponse, pauseMs: number) {
  const isText = r.text !== undefined;
  const payload = Buffer.from(isText ? r.text! : r.body === undefined ? '' : JSON.stringify(r.body));
  res.writeHead(r.status, { 'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8', 'content-length': String(payload.length), ...r.headers });
  const half = Math.floor(payload.length / 2);
  res.write(payload.subarray(0, half));
  await sleep(pauseMs);
  if (!res.destroyed) res.end(payload.subarray(half));
}

/**
 * The part every vendor sandbox shares: routing, request counting (`GET /__sandbox/stats`,
 * `POST /__sandbox/reset`), injected latency and faults (`GET|POST /__sandbox/faults`), and a
 * catch-all that answers unknown paths the way a vendor would (404 in its error shape).
 */
export async function startSandbox(opts: SandboxOptions, port: number, host = '127.0.0.1'): Promise<RunningSandbox> {
  const initialFaults = faultsSchema.parse(opts.faults ?? {});
  let faults: Faults = { ...initialFaults };
  const gate = createFaultGate();
  const freshStats = (): SandboxStats => ({ tokenRequests: 0, dataRequests: 0, byPath: {}, abortedRequests: 0, injected: {} });
  let stats = freshStats();
  const injected = (kind: string) => (stats.injected[kind] = (stats.injected[kind] ?? 0) + 1);
  const maxBody = opts.maxBodyBytes ?? 50 * 1024 * 1024;

  const admin = async (method: string, path: string, req: SandboxRequest): Promise<SandboxResponse | undefined> => {
    if (method === 'GET' && path === '/__sandbox/stats') return { status: 200, body: stats };
    // The sandbox process's own metrics (Node process metrics), for a local Prometheus; not counted.
    if (method === 'GET' && path === '/__sandbox/metrics') {
      const m = await metricsText();
      return { status: 200, text: m.body, headers: { 'content-type': m.contentType } };
    }
    if (method === 'POST' && path === '/__sandbox/reset') {
      stats = freshStats();
      faults = { ...initialFaults };
      gate.reset();
      opts.onReset?.();
      return { status: 200, body: { ok: true } };
    }
    if (method === 'GET' && path === '/__sandbox/faults') return { status: 200, body: faults };
    if (method === 'POST' && path === '/__sandbox/faults') {
      const input = (req.json<Record<string, unknown>>() ?? {}) as Record<string, unknown>;
      const { expireTokens, ...rest } = input;
      const parsed = faultsSchema.partial().safeParse(rest);
      if (!parsed.success) return { status: 400, body: { error: 'invalid faults', issues: parsed.error.issues } };
      faults = { ...faults, ...parsed.data };
      if (expireTokens === true) opts.expireTokens?.();
      return { status: 200, body: { ...faults, expiredTokens: expireTokens === true } };
    }
    for (const r of opts.adminRoutes ?? []) {
      if (r.method !== method) continue;
      const params = r.match(path);
      if (params) return r.handler({ ...req, params });
    }
    return undefined;
  };

  const server = createServer(async (raw, res) => {
    const url = new URL(raw.url ?? '/', 'http://sandbox');
    const method = raw.method ?? 'GET';
    try {
      const body = await readSandboxBody(raw, maxBody);
      const req: SandboxRequest = {
        method,
        path: url.pathname,
        params: {},
        query: url.searchParams,
        headers: raw.headers,
        body,
        raw,
        json<T>() {
          if (!body.length) return undefined;
          try {
            return JSON.parse(body.toString('utf8')) as T;
          } catch {
            throw new MalformedRequestError('request body is not valid JSON');
          }
        },
        form: () => new URLSearchParams(body.toString('utf8')),
      };
      if (url.pathname.startsWith('/__sandbox/')) {
        const r = await admin(method, url.pathname, req);
        return send(res, r ?? { status: 404, body: { error: `no sandbox admin route ${method} ${url.pathname}` } });
      }

      let matched: Route | undefined;
      for (const r of opts.routes) {
        if (r.method !== method) continue;
        const params = r.match(url.pathname);
        if (params) {
          matched = r;
          req.params = params;
          break;
        }
      }
      if (!matched) return send(res, opts.errorResponse(404, `no route ${method} ${url.pathname}`));

      if (matched.kind === 'token') stats.tokenRequests++;
      else stats.dataRequests++;
      const key = `${method} ${url.pathname}`;
      stats.byPath[key] = (stats.byPath[key] ?? 0) + 1;

      const data = matched.kind === 'data';
      let reset = false;
      if (data) {
        const counted = stats;
        res.once('close', () => {
          if (!res.writableFinished && !reset) counted.abortedRequests++;
        });
      }
      if (faults.latencyMs) await sleep(faults.latencyMs);
      if (matched.kind === 'token' && gate.hit('token-error', faults.tokenErrorRate)) return send(res, opts.errorResponse(500, 'injected token endpoint failure'));
      if (data && gate.hit('reset', faults.resetRate)) {
        injected('reset');
        reset = true;
        return raw.socket.resetAndDestroy();
      }
      const retryAfter = { 'retry-after': String(faults.retryAfterS) };
      if (data && gate.hit('rate-limit', faults.rateLimitRate)) {
        injected('rateLimited');
        const r = opts.errorResponse(429, 'injected rate limit');
        return send(res, { ...r, headers: { ...r.headers, ...retryAfter } });
      }
      if (data && gate.hit('unavailable', faults.unavailableRate)) {
        injected('unavailable');
        const r = opts.errorResponse(503, 'injected unavailability');
        return send(res, { ...r, headers: { ...r.headers, ...retryAfter } });
      }
      if (data && gate.hit('error', faults.errorRate)) {
        injected('error');
        return send(res, opts.errorResponse(500, 'injected failure'));
      }
      const result = await matched.handler(req);
      if (data && result.status < 300 && gate.hit('malformed', faults.malformedRate)) {
        injected('malformed');
        const full = result.text !== undefined ? String(result.text) : JSON.stringify(result.body);
        return send(res, { status: result.status, text: full.slice(0, Math.max(1, Math.floor(full.length / 2))), headers: { 'content-type': 'application/json' } });
      }
      if (data && faults.slowBodyMs) {
        injected('slowBody');
        return sendSlowly(res, result, faults.slowBodyMs);
      }
      send(res, result);
    } catch (err) {
      if (err instanceof MalformedRequestError) return send(res, opts.errorResponse(400, err.message));
      send(res, opts.errorResponse(500, `sandbox error: ${(err as Error).message}`));
    }
  });
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    server,
    port: actual,
    url: `http://${host}:${actual}`,
    stats: () => stats,
    setFaults: (f) => (faults = { ...faults, ...f }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
