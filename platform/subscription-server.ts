import type { Server } from 'node:http';
import type { RunningSubgraph } from './subgraph-server';
import { execute, getOperationAST, subscribe, type ExecutionArgs, type GraphQLError, type GraphQLSchema } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Logger } from './logger';
import { REQUEST_ID_HEADER, requestIdFrom, runWithRequestContext } from './request-context';
import { formatSubgraphError } from './subgraph-server';
import { traceOperation, type TracedOperation } from './telemetry';

export interface SubscriptionServerOptions<C> {
  schema: GraphQLSchema;
  /**
   * The context of one operation. `operationHeaders` are the operation's `extensions.headers` (how the
   * gateway sends per-caller headers over a socket shared by many callers); `connectionParams` are the
   * socket's connection_init payload.
   */
  context: (operationHeaders: Record<string, unknown> | undefined, connectionParams: Record<string, unknown> | undefined) => Promise<C> | C;
  log: Logger;
  path?: string;
}

const headersOf = (payload: SubscribePayload) => (payload.extensions as { headers?: Record<string, unknown> } | undefined)?.headers;

/**
 * One operation on the socket, followed like an HTTP request is: its request id (the gateway's
 * `x-request-id`, sent per operation in `extensions.headers` because the socket is shared) is the request
 * context of everything the operation runs — its context, its subscribe resolver, each event's execution,
 * the formatting of its errors — so those log lines and errors carry it; and its trace continues the
 * gateway's (`traceparent` beside it) in one SERVER span that lasts as long as the operation.
 */
interface OperationScope {
  requestId: string;
  run<T>(fn: () => T): T;
  started(): void;
  event(): void;
  end(err?: unknown): void;
}

function operationScope(payload: SubscribePayload, log: Logger): OperationScope {
  const headers = headersOf(payload);
  const id = headers?.[REQUEST_ID_HEADER];
  const requestId = requestIdFrom(typeof id === 'string' ? id : undefined);
  const operation = payload.operationName ?? undefined;
  let span: TracedOperation | undefined;
  const spanOf = () => (span ??= traceOperation(headers, `graphql-ws ${operation ?? 'operation'}`, operation ? { 'graphql.operation.name': operation } : {}));
  const run = <T>(fn: () => T): T => runWithRequestContext({ requestId }, () => spanOf().run(fn));
  const since = Date.now();
  let events = 0;
  let live = false;
  let ended = false;
  return {
    requestId,
    run,
    started() {
      live = true;
      run(() => log.info('subscription started', { operation }));
    },
    event: () => void events++,
    end(err) {
      if (ended) return;
      ended = true;
      if (live) run(() => log.info('subscription ended', { operation, events, durationMs: Date.now() - since, ...(err ? { error: (err as Error).message } : {}) }));
      spanOf().end(err);
    },
  };
}

/** `source` whose every step runs in the operation's scope, ending the scope when the stream ends. */
function inScope<T>(source: AsyncGenerator<T> | AsyncIterableIterator<T>, scope: OperationScope): AsyncGenerator<T> {
  const step = async (fn: () => Promise<IteratorResult<T>>) => {
    try {
      const r = await scope.run(fn);
      if (r.done) scope.end();
      else scope.event();
      return r;
    } catch (err) {
      scope.end(err);
      throw err;
    }
  };
  const it: AsyncGenerator<T> = {
    next: () => step(() => source.next()),
    return: (value?: unknown) => step(() => source.return?.(value as never) ?? Promise.resolve({ done: true, value: value as never })),
    throw: (err?: unknown) => step(() => source.throw?.(err) ?? Promise.reject(err)),
    [Symbol.asyncIterator]: () => it,
    [Symbol.asyncDispose]: async () => void (await it.return(undefined)),
  };
  return it;
}

const isAsyncIterable = (x: unknown): x is AsyncGenerator<unknown> => typeof Object(x)[Symbol.asyncIterator] === 'function';

/**
 * graphql-ws on a subgraph's own HTTP server (same port and path as its HTTP GraphQL), so the gateway can
 * run federated subscriptions against it. Errors leave with the same stable codes as over HTTP, and with
 * the operation's request id; each operation's log lines carry it too, and its spans join the gateway's
 * trace (see OperationScope). Given the running subgraph, its drain closes these sockets with 1012
 * (Service Restart) and refuses new ones.
 */
export function attachSubscriptionServer<C>(server: Server | RunningSubgraph, opts: SubscriptionServerOptions<C>) {
  const http = 'websockets' in server ? server.server : server;
  const wss = new WebSocketServer({ server: http, path: opts.path ?? '/graphql' });
  if ('websockets' in server) server.websockets.push(wss);
  const format = formatSubgraphError(opts.log);
  const formatErrors = (errors: readonly GraphQLError[]) => errors.map((e) => format(e.toJSON(), e));
  // by the operation's subscribe payload and by its execution arguments (the same objects through every hook)
  const scopes = new WeakMap<object, OperationScope>();
  const scopeOf = (payload: SubscribePayload) => {
    let scope = scopes.get(payload);
    if (!scope) scopes.set(payload, (scope = operationScope(payload, opts.log)));
    return scope;
  };
  const within = <T>(args: ExecutionArgs, fn: () => T): T => {
    const scope = scopes.get(args);
    return scope ? scope.run(fn) : fn();
  };
  const disposable = useServer(
    {
      schema: opts.schema,
      context: (ctx, _id, payload, args) => {
        const scope = scopeOf(payload);
        scopes.set(args, scope);
        return scope.run(() => opts.context(headersOf(payload), ctx.connectionParams as Record<string, unknown> | undefined)) as never;
      },
      subscribe: (args) => within(args, () => subscribe(args)),
      execute: (args) => within(args, () => execute(args)),
      onOperation: (_ctx, _id, payload, args, result) => {
        const scope = scopeOf(payload);
        if (!isAsyncIterable(result)) return;
        if (getOperationAST(args.document, args.operationName)?.operation === 'subscription') scope.started();
        return inScope(result, scope);
      },
      onNext: (_ctx, _id, payload, _args, result) => (result.errors?.length ? { ...result, errors: scopeOf(payload).run(() => formatErrors(result.errors!)) } : undefined),
      onError: (_ctx, _id, payload, errors) => {
        const scope = scopeOf(payload);
        const formatted = scope.run(() => formatErrors(errors));
        scope.end(errors[0]);
        return formatted;
      },
      onComplete: (_ctx, _id, payload) => scopeOf(payload).end(),
    },
    wss,
  );
  return {
    wss,
    async close() {
      await disposable.dispose();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}
