import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * What every log line of one request carries, in every process it touches: the gateway takes (or makes)
 * the request id, forwards it to subgraphs in `x-request-id`, and each process runs the request inside
 * this context so `platform/logger.ts` (pino `mixin`) adds it to every line without callers passing it.
 */
export interface RequestContext {
  requestId: string;
}

export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * One fresh id per client operation, made by the gateway (never taken from the client, unlike the request
 * id, which a client may repeat on a retry) and sent to every subgraph fetch of that operation: a subgraph
 * that is fetched several times for one operation (`@requires`) shares that operation's vendor answers by it.
 */
export const OPERATION_ID_HEADER = 'x-switchboard-operation-id';

const storage = new AsyncLocalStorage<RequestContext>();

// A caller's id is kept only when it is short and plain (no spaces, quotes or control characters that could
// forge a log line or a header); anything else is replaced by a fresh UUID.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The caller's `x-request-id` when it is sane, otherwise a new UUID. */
export function requestIdFrom(header: string | string[] | null | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && SANE_REQUEST_ID.test(value) ? value : randomUUID();
}

/** Runs `fn` (and everything it awaits) inside the request's context. */
export function runWithRequestContext<T>(ctx: RequestContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

/**
 * Enters the context for the rest of the current asynchronous flow. For hooks that cannot wrap the
 * remaining work in a callback (the gateway runtime's `onRequest`); prefer `runWithRequestContext`.
 */
export function enterRequestContext(ctx: RequestContext): void {
  storage.enterWith(ctx);
}

/**
 * Runs `fn` outside any request's context: for long-lived resources a request happens to create (a
 * shared connection opened on first use), whose later events and log lines belong to no request.
 */
export function outsideRequestContext<T>(fn: () => T): T {
  return storage.exit(fn);
}

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/**
 * The fields the logger adds to every line written while a request is being handled. This is the one
 * place to add more correlation fields (the trace id of the active OpenTelemetry span goes here too).
 */
export function logCorrelationFields(): Record<string, unknown> {
  const ctx = storage.getStore();
  return ctx ? { requestId: ctx.requestId } : {};
}
