import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUDGET_HEADER, callScopeForRequest, currentCallScope, detachedFromCaller, remainingMs, runInCallScope, type CallScope } from './call-scope';

/** The scope of an incoming request, on a real node:http server: budget header, caller leaving, detaching. */
let server: Server;
let url: string;
const seen: { scope: CallScope; abortedBy?: string; atMs?: number }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const { scope, dispose } = callScopeForRequest(req, res, 2_000);
    const t0 = Date.now();
    const entry: (typeof seen)[number] = { scope };
    seen.push(entry);
    scope.signal.addEventListener('abort', () => {
      entry.abortedBy = (scope.signal.reason as Error).name;
      entry.atMs = Date.now() - t0;
    });
    // Answers after 1.5 s unless aborted first.
    const timer = setTimeout(() => res.end('late'), 1_500);
    scope.signal.addEventListener('abort', () => {
      clearTimeout(timer);
      if (!res.writableEnded) res.end('aborted');
      dispose();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('call scope of a request', () => {
  it('aborts with TimeoutError when the budget from the header is spent, capped by the server maximum', async () => {
    const res = await fetch(url, { headers: { [BUDGET_HEADER]: '200' } });
    expect(await res.text()).toBe('aborted');
    const e = seen.at(-1)!;
    expect(e.abortedBy).toBe('TimeoutError');
    expect(e.atMs).toBeGreaterThanOrEqual(190);
    expect(e.atMs).toBeLessThan(600);
    await fetch(url, { headers: { [BUDGET_HEADER]: '999999' } }).then((r) => r.text());
    expect(seen.at(-1)!.scope.deadline! - Date.now()).toBeLessThanOrEqual(2_000);
  });

  it('aborts with AbortError when the caller closes the request', async () => {
    const gone = new AbortController();
    const req = fetch(url, { signal: gone.signal }).catch((e: Error) => e.name);
    setTimeout(() => gone.abort(), 100);
    expect(await req).toBe('AbortError');
    await new Promise((r) => setTimeout(r, 100));
    expect(seen.at(-1)!.abortedBy).toBe('AbortError');
    expect(seen.at(-1)!.scope.deadline).toBeUndefined();
  });

  it('detachedFromCaller: shared work survives the caller leaving; a write keeps the deadline', () => {
    const gone = new AbortController();
    gone.abort();
    const deadline = Date.now() + 1_000;
    runInCallScope({ signal: gone.signal, deadline }, () => {
      expect(currentCallScope()!.signal.aborted).toBe(true);
      detachedFromCaller(() => {
        expect(currentCallScope()!.signal.aborted).toBe(false);
        expect(remainingMs(currentCallScope())).toBe(Infinity);
      });
      detachedFromCaller(() => {
        expect(currentCallScope()!.signal.aborted).toBe(false);
        expect(currentCallScope()!.deadline).toBe(deadline);
      }, true);
    });
  });
});
