import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap, type BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import type { WebSocketServer } from 'ws';
import { callScopeForRequest, runInCallScope } from './call-scope';
import { createDrain, type Drain, type DrainSettings } from './drain';
import { ErrorCode, VendorError, toGraphQLError } from './errors';
import type { Logger } from './logger';
import { shutdownSettings } from './process';
import { REQUEST_ID_HEADER, currentRequestId, requestIdFrom, runWithRequestContext } from './request-context';
import { sendMetrics, subgraphMetricsPlugin } from './subgraph-telemetry';
import { serveTraced, tracingEnabled } from './telemetry';
import { graphqlTracingPlugin } from './telemetry-apollo';
import { BodyTooLargeError, readBody } from './http-body';

/** An extra HTTP route served by a subgraph process (e.g. a vendor pushing data to us). Answer true when handled. */
export type HttpRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> | boolean;

export interface SubgraphServerOptions<C extends BaseContext> {
  name: string;
  schema: GraphQLSchema;
  /** builds the per-request context (DataLoaders are created here so they never outlive a request) */
  context: (req: IncomingMessage) => Promise<C> | C;
  log: Logger;
  routes?: HttpRoute[];
  /** extra readiness check, e.g. the database answers (platform/readiness.ts: with each dependency's state) */
  ready?: () => Promise<boolean | { ready: boolean; dependencies?: Record<string, string> }>;
  maxBodyBytes?: number;
  /** largest budget accepted from the gateway's `x-switchboard-budget-ms` (default 120 s) */
  maxBudgetMs?: number;
  /** schema introspection at this port (default true; main.ts turns it off in production mode) */
  introspection?: boolean;
  /** how `close()` drains (default: SHUTDOWN_DELAY_MS / SHUTDOWN_GRACE_MS as `bootstrap` read them) */
  drain?: Partial<DrainSettings>;
}

export interface RunningSubgraph {
  server: Server;
  apollo: ApolloServer<BaseContext>;
  url: string;
  port: number;
  /** the drain of this server: `drain.begin()` makes `/readyz` 503 at once (platform/drain.ts) */
  drain: Drain;
  /** WebSocket servers on this port, closed with 1012 by `close()` (platform/subscription-server.ts adds itself) */
  websockets: WebSocketServer[];
  /** graceful: not ready, port closed after the delay, WebSockets 1012, in-flight requests finish within the grace */
  close(): Promise<void>;
}

async function readRequestBody(req: IncomingMessage, limit: number): Promise<string> {
  try {
    return (await readBody(req, limit)).toString('utf8');
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw Object.assign(new Error(`request body larger than ${limit} bytes`), { status: 413 });
    throw err;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * Formats every error leaving a subgraph: our AppErrors keep their code, GraphQL validation errors keep
 * theirs, anything else is logged and masked as INTERNAL_SERVER_ERROR so no stack or secret leaks.
 */
export function formatSubgraphError(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code as string | undefined;
    // A vendor failure is ours to follow up, not the caller's: logged with its stack (and the request id).
    const logVendorFailure = (c: string) =>
      c.startsWith('UPSTREAM_') && log.warn('resolver failed on a vendor call', { code: c, path: formatted.path, err: (error as { originalError?: unknown } | null)?.originalError ?? error });
    if (code && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
      logVendorFailure(code);
      const { stacktrace: _drop, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions: { ...extensions, requestId: currentRequestId() } };
    }
    const mapped = toGraphQLError(error);
    const original = (error as { originalError?: unknown } | null)?.originalError ?? error;
    if (mapped.extensions.code === ErrorCode.INTERNAL_SERVER_ERROR) log.error('unexpected resolver error', { err: original, path: formatted.path });
    // The caller gets a neutral message (platform/errors publicVendorError); what the vendor said goes here.
    else if (original instanceof VendorError) {
      log.warn('vendor call failed', { vendor: original.vendor, code: original.code, status: original.status, message: original.message, details: original.details, path: formatted.path, err: original });
    } else logVendorFailure(String(mapped.extensions.code));
    return { message: mapped.message, locations: formatted.locations, path: formatted.path, extensions: { ...mapped.extensions, requestId: currentRequestId() } };
  };
}

/** Probes are not worth a trace each. */
const UNTRACED = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Apollo Server on a plain node:http server, plus `/healthz`, `/readyz`, `/metrics` and any extra routes.
 * Built as a function of its inputs (no env, no globals) so tests start it on port 0.
 */
export async function startSubgraphServer<C extends BaseContext>(opts: SubgraphServerOptions<C>, port: number, host = '127.0.0.1'): Promise<RunningSubgraph> {
  const { log } = opts;
  const apollo = new ApolloServer<C>({
    schema: opts.schema,
    introspection: opts.introspection ?? true,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    formatError: formatSubgraphError(log),
    // No inline (ftv1) traces: only Apollo's own gateway reads them, and they cost time on every request.
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled(), subgraphMetricsPlugin(opts.name), ...(tracingEnabled() ? [graphqlTracingPlugin<C>()] : [])],
  });
  await apollo.start();
  const limit = opts.maxBodyBytes ?? 1024 * 1024;

  const maxBudgetMs = opts.maxBudgetMs ?? 120_000;
  // Every request runs in its own context (log lines and errors carry the gateway's x-request-id, or a new
  // one) and in its call scope: vendor calls made for it stop at its budget or when the caller (the
  // gateway, on behalf of its client) goes away.
  const drain = createDrain(opts.drain ?? shutdownSettings(), log);
  const server = createServer(
    drain.wrap(serveTraced(
      (req, res) => {
        const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
        res.setHeader(REQUEST_ID_HEADER, requestId);
        const { scope, dispose } = callScopeForRequest(req, res, maxBudgetMs);
        return runWithRequestContext({ requestId }, () => runInCallScope(scope, () => handle(req, res)).finally(dispose));
      },
      { traced: (path) => !UNTRACED.has(path) },
    )),
  );
  drain.guardUpgrades(server);
  const websockets: WebSocketServer[] = [];
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://subgraph');
    try {
      if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok', service: opts.name });
      if (url.pathname === '/readyz') {
        const state = opts.ready ? await opts.ready().catch(() => false) : true;
        const ok = typeof state === 'boolean' ? state : state.ready;
        const dependencies = typeof state === 'boolean' ? undefined : state.dependencies;
        return sendJson(res, ok ? 200 : 503, { status: ok ? 'ready' : 'not ready', service: opts.name, ...(dependencies ? { dependencies } : {}) });
      }
      if (url.pathname === '/metrics') return await sendMetrics(res);
      for (const route of opts.routes ?? []) if (await route(req, res, url)) return;
      if (url.pathname !== '/graphql') return sendJson(res, 404, { error: `no route ${req.method} ${url.pathname}` });

      const headers = new HeaderMap();
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
      const raw = req.method === 'POST' ? await readRequestBody(req, limit) : '';
      let body: unknown = raw;
      if (raw && (headers.get('content-type') ?? '').includes('json')) {
        try {
          body = JSON.parse(raw);
        } catch {
          return sendJson(res, 400, { errors: [{ message: 'request body is not valid JSON', extensions: { code: ErrorCode.BAD_USER_INPUT } }] });
        }
      }
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
        context: () => Promise.resolve(opts.context(req)),
      });
      res.statusCode = response.status ?? 200;
      for (const [k, v] of response.headers) res.setHeader(k, v);
      if (response.body.kind === 'complete') return res.end(response.body.string);
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    } catch (err) {
      const status = (err as { status?: number }).status ?? 500;
      if (status === 500) log.error('subgraph request failed', { err: err as Error });
      if (!res.headersSent) sendJson(res, status, { errors: [{ message: (err as Error).message, extensions: { code: status === 413 ? ErrorCode.BAD_USER_INPUT : ErrorCode.INTERNAL_SERVER_ERROR } }] });
      else res.end();
    }
  };
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    server,
    apollo: apollo as unknown as ApolloServer<BaseContext>,
    port: actual,
    url: `http://${host}:${actual}/graphql`,
    drain,
    websockets,
    async close() {
      await drain.close(server, websockets);
      await apollo.stop();
    },
  };
}
