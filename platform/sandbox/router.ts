import type { IncomingMessage } from 'node:http';

export interface SandboxRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** parsed JSON body; undefined when the body is empty, throws a 400-worthy error when malformed */
  json<T = unknown>(): T | undefined;
  /** parsed x-www-form-urlencoded body */
  form(): URLSearchParams;
  raw: IncomingMessage;
}

export interface SandboxResponse {
  status: number;
  body?: unknown;
  /** sent verbatim instead of JSON */
  text?: string | Buffer;
  headers?: Record<string, string>;
}

/** token: a token-endpoint call; data: a vendor data call. Both are counted in /__sandbox/stats. */
export type RouteKind = 'token' | 'data';

export interface Route {
  method: string;
  pattern: string;
  kind: RouteKind;
  handler: (req: SandboxRequest) => SandboxResponse | Promise<SandboxResponse>;
  match: (path: string) => Record<string, string> | undefined;
}

/** Compiles `/api/:version/:reseau/x` into a matcher; `:name` matches one path segment. */
export function route(method: string, pattern: string, kind: RouteKind, handler: Route['handler']): Route {
  const names: string[] = [];
  const source = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, (_, n: string) => {
    names.push(n);
    return '([^/]+)';
  });
  const re = new RegExp(`^${source}/?$`);
  return {
    method,
    pattern,
    kind,
    handler,
    match(path) {
      const m = re.exec(path);
      if (!m) return undefined;
      return Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
    },
  };
}

export class MalformedRequestError extends Error {}
