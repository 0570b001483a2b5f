import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runInCallScope } from './call-scope';
import { createHttpClient, type HttpClient, type HttpClientOptions } from './http-client';
import { breakerEvents, type BreakerStateChange } from './resilience';
import { route, startSandbox, type Faults, type RunningSandbox } from './sandbox';

/**
 * The resilience layer against a real HTTP server on loopback: the shared sandbox server with one read
 * route, one write route and one large answer, and its fault injection (429 + Retry-After, 503, resets,
 * slow bodies, latency). Every count of vendor calls comes from the server's own stats.
 */
let sandbox: RunningSandbox;
const clients: HttpClient[] = [];
const client = (over: Partial<HttpClientOptions> = {}) => {
  const c = createHttpClient({ vendor: 'test', baseUrl: sandbox.url, timeoutMs: 2_000, retry: { initialDelayMs: 20, maxDelayMs: 200 }, ...over });
  clients.push(c);
  return c;
};
const faults = (f: Partial<Faults>) => sandbox.setFaults(f);
const calls = (path = 'GET /read') => sandbox.stats().byPath[path] ?? 0;
const codeOf = async (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: unknown; name?: string }) => (typeof e.code === 'string' ? e.code : e.name));
/** Injected faults are spread evenly (rate 0.5 = every second call): the first call of a test goes through. */
const prime = (http: HttpClient) => http.send({ method: 'GET', path: '/read' });

beforeAll(async () => {
  sandbox = await startSandbox(
    {
      name: 'test',
      routes: [
        route('GET', '/read', 'data', () => ({ status: 200, body: { ok: true } })),
        route('POST', '/write', 'data', () => ({ status: 201, body: { ok: true } })),
        route('GET', '/big', 'data', () => ({ status: 200, text: 'x'.repeat(200_000) })),
      ],
      errorResponse: (status, message) => ({ status, body: { error: message } }),
    },
    0,
  );
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sandbox.close();
});
beforeEach(async () => {
  await fetch(`${sandbox.url}/__sandbox/reset`, { method: 'POST' });
});

describe('retries of idempotent reads', () => {
  it('honours 429 Retry-After and then succeeds', async () => {
    faults({ rateLimitRate: 0.5, retryAfterS: 1 });
    const http = client();
    await prime(http);
    const t0 = Date.now();
    const res = await runInCallScope({ signal: new AbortController().signal, deadline: Date.now() + 5_000 }, () => http.send({ method: 'GET', path: '/read' }));
    expect(res.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_000);
    expect(calls()).toBe(3);
    expect(sandbox.stats().injected).toEqual({ rateLimited: 1 });
  });

  it('does not wait for a Retry-After longer than the caller has left: the 429 comes back at once', async () => {
    faults({ rateLimitRate: 1, retryAfterS: 30 });
    const http = client();
    const t0 = Date.now();
    const res = await runInCallScope({ signal: new AbortController().signal, deadline: Date.now() + 2_000 }, () => http.send({ method: 'GET', path: '/read' }));
    expect(res.status).toBe(429);
    expect(Date.now() - t0).toBeLessThan(500);
    expect(calls()).toBe(1);
  });

  it('retries 503 with backoff at most UPSTREAM_RETRIES times', async () => {
    faults({ unavailableRate: 1, retryAfterS: 0 });
    const http = client({ retry: { maxRetries: 2, initialDelayMs: 20, maxDelayMs: 100 } });
    const res = await http.send({ method: 'GET', path: '/read' });
    expect(res.status).toBe(503);
    expect(calls()).toBe(3);
  });

  it('retries a reset connection and gets the answer', async () => {
    faults({ resetRate: 0.5 });
    const http = client();
    await prime(http);
    const res = await http.send({ method: 'GET', path: '/read' });
    expect(res.status).toBe(200);
    expect(calls()).toBe(3);
    expect(sandbox.stats().injected).toEqual({ reset: 1 });
  });

  it('never retries a write, and retries a POST only when the caller marks it idempotent', async () => {
    faults({ unavailableRate: 1, retryAfterS: 0 });
    const http = client();
    expect((await http.send({ method: 'POST', path: '/write', json: {} })).status).toBe(503);
    expect(calls('POST /write')).toBe(1);
    faults({ resetRate: 1, unavailableRate: 0 });
    expect(await codeOf(http.send({ method: 'POST', path: '/write', json: {} }))).toBe('UPSTREAM_UNAVAILABLE');
    expect(calls('POST /write')).toBe(2);
    faults({ resetRate: 0.5 });
    for (let i = 0; i < 2; i++) expect((await http.send({ method: 'POST', path: '/write', json: {}, idempotent: true })).status).toBe(201);
    expect(calls('POST /write')).toBe(5); // 2 refused writes, 1 good read, 1 reset read sent again
  });
});

describe('circuit breaker', () => {
  it('opens after the threshold, fails fast without calling the vendor, and closes after a good half-open probe', async () => {
    faults({ errorRate: 1 });
    const seen: string[] = [];
    const global: BreakerStateChange[] = [];
    const onGlobal = (c: BreakerStateChange) => c.vendor === 'breaker-test' && global.push(c);
    breakerEvents.on('state', onGlobal);
    const http = client({ vendor: 'breaker-test', breaker: { threshold: 3, halfOpenAfterMs: 300 }, onBreakerStateChange: (s) => seen.push(s) });
    for (let i = 0; i < 3; i++) expect((await http.send({ method: 'POST', path: '/write', json: {} })).status).toBe(500);
    expect(http.breakerState()).toBe('open');

    const t0 = performance.now();
    const err = await http.send({ method: 'GET', path: '/read' }).catch((e) => e);
    const failFastMs = performance.now() - t0;
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(err.details).toMatchObject({ vendor: 'breaker-test', circuit: 'open' });
    expect(failFastMs).toBeLessThan(20);
    expect(sandbox.stats().dataRequests).toBe(3);

    // Half-open: one probe goes through; it fails, so the circuit opens again.
    await new Promise((r) => setTimeout(r, 350));
    expect((await http.send({ method: 'GET', path: '/read' })).status).toBe(500);
    expect(http.breakerState()).toBe('open');
    expect(sandbox.stats().dataRequests).toBe(4);

    // The vendor recovers; the next probe succeeds and closes the circuit.
    faults({ errorRate: 0 });
    await new Promise((r) => setTimeout(r, 350));
    expect((await http.send({ method: 'GET', path: '/read' })).status).toBe(200);
    expect(http.breakerState()).toBe('closed');
    expect(seen).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
    expect(global.map((g) => g.state)).toEqual(seen);
    breakerEvents.off('state', onGlobal);
  });

  it('while the half-open probe is out, other calls fail fast instead of queueing behind it', async () => {
    faults({ errorRate: 1 });
    const http = client({ breaker: { threshold: 1, halfOpenAfterMs: 100 } });
    expect((await http.send({ method: 'POST', path: '/write', json: {} })).status).toBe(500);
    await new Promise((r) => setTimeout(r, 150));
    faults({ errorRate: 0, latencyMs: 300 });
    const probe = http.send({ method: 'GET', path: '/read' });
    const t0 = performance.now();
    expect(await codeOf(http.send({ method: 'GET', path: '/read' }))).toBe('UPSTREAM_UNAVAILABLE');
    expect(performance.now() - t0).toBeLessThan(50);
    expect((await probe).status).toBe(200);
    expect(http.breakerState()).toBe('closed');
    expect(calls()).toBe(1);
  });

  it('does not count 429 or 4xx against the vendor', async () => {
    faults({ rateLimitRate: 1, retryAfterS: 60 });
    const http = client({ breaker: { threshold: 2, halfOpenAfterMs: 10_000 } });
    for (let i = 0; i < 4; i++) expect((await http.send({ method: 'GET', path: '/read' })).status).toBe(429);
    expect(http.breakerState()).toBe('closed');
  });
});

describe('bounds', () => {
  it('refuses an answer over the size cap with UPSTREAM_BAD_RESPONSE', async () => {
    const http = client({ maxResponseBytes: 100_000 });
    expect(await codeOf(http.send({ method: 'GET', path: '/big' }))).toBe('UPSTREAM_BAD_RESPONSE');
    expect((await http.send({ method: 'GET', path: '/big', maxResponseBytes: 300_000 })).text).toHaveLength(200_000);
  });

  it('a slow body is bounded by the call timeout', async () => {
    faults({ slowBodyMs: 1_500 });
    const http = client({ timeoutMs: 400, retry: { maxRetries: 0 } });
    const t0 = Date.now();
    expect(await codeOf(http.send({ method: 'GET', path: '/read' }))).toBe('UPSTREAM_TIMEOUT');
    expect(Date.now() - t0).toBeLessThan(1_000);
    faults({ slowBodyMs: 100 });
    expect((await client().send({ method: 'GET', path: '/read' })).status).toBe(200);
  });

  it('stops at the deadline of the request being served', async () => {
    faults({ latencyMs: 3_000 });
    const http = client({ timeoutMs: 10_000 });
    const t0 = Date.now();
    const code = await codeOf(runInCallScope({ signal: AbortSignal.timeout(300), deadline: Date.now() + 300 }, () => http.send({ method: 'GET', path: '/read' })));
    expect(code).toBe('UPSTREAM_TIMEOUT');
    expect(Date.now() - t0).toBeLessThan(800);
    expect(calls()).toBe(1);
  });

  it('aborts the vendor call when the caller goes away, and the vendor sees the request closed', async () => {
    faults({ latencyMs: 1_000 });
    const http = client();
    const gone = new AbortController();
    setTimeout(() => gone.abort(new DOMException('client left', 'AbortError')), 100);
    const t0 = Date.now();
    expect(await codeOf(runInCallScope({ signal: gone.signal }, () => http.send({ method: 'GET', path: '/read' })))).toBe('AbortError');
    expect(Date.now() - t0).toBeLessThan(500);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(sandbox.stats().abortedRequests).toBe(1);
    expect(calls()).toBe(1);
  });
});
