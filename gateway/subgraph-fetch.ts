import { fetch as defaultFetch, Headers, Response } from '@whatwg-node/fetch';
import { Agent, request } from 'undici';
import { tracedElsewhere } from '../platform/telemetry';

export interface SubgraphFetchOptions {
  /** sockets kept per subgraph origin */
  connections?: number;
  /** how long an idle socket is kept, ms */
  keepAliveTimeoutMs?: number;
  /** largest subgraph answer read, bytes (default 64 MB; a 100-plate fleet query is about 5 MB); more fails the call */
  maxResponseBytes?: number;
}

type Init = { method?: string; headers?: unknown; body?: unknown; signal?: AbortSignal | null };

/**
 * The fetch the runtime calls subgraphs with (its `fetchAPI.fetch`): a GraphQL call (a string URL, a JSON
 * string body, headers as a plain object, as `@graphql-tools/executor-http` sends them) goes through
 * undici's `request` on a keep-alive pool — what `platform/http-client.ts` uses for vendor calls — and
 * its answer is read whole into a Response. Anything else (a multipart upload, an event stream, a
 * Request object) takes the runtime's default fetch unchanged.
 *
 * The pool lives as long as the gateway value (the process, in main.ts), like node:http's global agent,
 * and is not closed when the gateway is disposed: the runtime disposes itself at SIGTERM (Yoga's `disposeOnProcessTerminate`) while our drain
 * still serves the requests in flight (platform/drain.ts), and those must still reach their subgraphs.
 * Idle keep-alive sockets do not hold the process open.
 */
export function createSubgraphFetch(opts: SubgraphFetchOptions = {}) {
  const dispatcher = new Agent({ connections: opts.connections ?? 256, keepAliveTimeout: opts.keepAliveTimeoutMs ?? 10_000, maxResponseSize: opts.maxResponseBytes ?? 64 * 1024 * 1024 });
  const subgraphFetch = (input: unknown, init?: Init, ...rest: unknown[]): Promise<Response> => {
    const headers = init?.headers as Record<string, string> | undefined;
    if (
      typeof input !== 'string' ||
      (init?.body != null && typeof init.body !== 'string') ||
      (headers != null && (typeof headers !== 'object' || typeof (headers as { get?: unknown }).get === 'function')) ||
      headers?.accept?.includes('text/event-stream')
    ) {
      return (defaultFetch as (...a: unknown[]) => Promise<Response>)(input, init, ...rest);
    }
    // the runtime's tracing plugin spans this call and sets its traceparent: the undici instrumentation stays out
    return tracedElsewhere(() => request(input, { method: (init?.method ?? 'GET') as 'GET', headers, body: init?.body as string | undefined, signal: init?.signal ?? undefined, dispatcher })).then(async (res) => {
      const text = await res.body.text();
      const h = new Headers();
      for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) h.set(name, Array.isArray(value) ? value.join(', ') : value);
      return new Response(text, { status: res.statusCode, headers: h });
    });
  };
  return subgraphFetch;
}
