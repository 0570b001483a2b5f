import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';

type FetchAPI = Parameters<NonNullable<GatewayPlugin['onRequest']>>[0]['fetchAPI'];

/** The address of the TCP peer of a gateway request (before any X-Forwarded-For, see client-address.ts). */
export const socketAddressOf = (serverContext: unknown): string | undefined =>
  (serverContext as { req?: { socket?: { remoteAddress?: string } } } | undefined)?.req?.socket?.remoteAddress;

/**
 * What a vendor's inbound call (the Vitec order URL, a Carsys push) may carry: a body needs a
 * Content-Length within `maxBytes`, checked before a byte is read. `undefined` when it fits; otherwise the
 * status and a reason for the caller's own answer format.
 */
export function declaredLengthProblem(request: Request, maxBytes: number): { status: 400 | 411 | 413; reason: string } | undefined {
  const declared = request.headers.get('content-length');
  if (declared === null) return { status: 411, reason: 'length_required' };
  const length = Number(declared);
  if (!Number.isSafeInteger(length) || length < 0) return { status: 400, reason: 'invalid_length' };
  if (length > maxBytes) return { status: 413, reason: 'too_large' };
  return undefined;
}

/**
 * Passes a vendor's inbound call on to the service that answers it and returns that service's answer: only
 * the `pass` request headers go out, only the `back` response headers come back (no internal header leaks
 * either way), redirects are not followed, and the call is bounded by `timeoutMs`. Throws when the service
 * cannot be reached or does not answer in time; the caller answers 503 in its vendor's format.
 */
export async function forwardToService(
  fetchAPI: FetchAPI,
  request: Request,
  target: string,
  opts: { body?: BodyInit; pass: readonly string[]; back: readonly string[]; timeoutMs: number },
): Promise<Response> {
  const headers: Record<string, string> = {};
  for (const h of opts.pass) {
    const v = request.headers.get(h);
    if (v) headers[h] = v;
  }
  const res = await fetch(target, { method: request.method, headers, body: opts.body, redirect: 'manual', signal: AbortSignal.timeout(opts.timeoutMs) });
  const out = new fetchAPI.Headers();
  for (const h of opts.back) {
    const v = res.headers.get(h);
    if (v) out.set(h, v);
  }
  return new fetchAPI.Response(await res.text(), { status: res.status, headers: out });
}
