import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import type { Logger } from './logger';

/**
 * Graceful drain of one process (SIGTERM from Kubernetes, compose, the supervisor or a load test):
 *
 * 1. `begin()`: `/readyz` answers 503 at once (`{"status":"draining"}`), every response carries
 *    `Connection: close` so keep-alive clients (a load balancer's pool) reconnect elsewhere, no new
 *    WebSocket is accepted, and the `onBegin` listeners run (live subscriptions end with a coded error
 *    that says where to resume).
 * 2. `delayMs` (SHUTDOWN_DELAY_MS) later the port closes: new connections are refused; WebSockets are
 *    closed with 1012 (Service Restart) so clients reconnect — to another replica.
 * 3. In-flight requests (and, in the Order subgraph, running jobs) get `graceMs` (SHUTDOWN_GRACE_MS) to
 *    finish; whatever is still open then is cut.
 */
export interface DrainSettings {
  /** keep serving (not ready) this long before closing the port */
  delayMs: number;
  /** then wait at most this long for in-flight work */
  graceMs: number;
}

/** WebSocket close code 1012 (RFC 6455 registry: Service Restart): "come back in a moment", to another replica. */
export const SERVICE_RESTART = 1012;

export const DEFAULT_DRAIN: DrainSettings = { delayMs: 0, graceMs: 10_000 };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface Drain {
  readonly draining: boolean;
  /** aborted when the drain begins */
  readonly signal: AbortSignal;
  readonly settings: DrainSettings;
  /** starts the drain (idempotent); resolves when the delay before closing the port has passed */
  begin(): Promise<void>;
  /** runs `fn` when the drain begins (at once when it already has) */
  onBegin(fn: () => void): void;
  /** wraps a request listener: `/readyz` is 503 and every response says `Connection: close` while draining */
  wrap(handler: RequestListener): RequestListener;
  /** refuses WebSocket upgrades on `server` while draining (attach before the WebSocket servers) */
  guardUpgrades(server: Server): void;
  /**
   * The whole drain of one HTTP server: begin, wait the delay, close `websockets` with 1012, close the port
   * and wait for in-flight requests up to the grace, then cut the rest. Answers how many connections were cut.
   */
  close(server: Server, websockets?: WebSocketServer[]): Promise<{ cut: number }>;
}

export function createDrain(settings: Partial<DrainSettings> = {}, log?: Logger): Drain {
  const s: DrainSettings = { ...DEFAULT_DRAIN, ...settings };
  const abort = new AbortController();
  const listeners: (() => void)[] = [];
  let delayed: Promise<void> | undefined;
  let closing: Promise<{ cut: number }> | undefined;

  const drain: Drain = {
    get draining() {
      return abort.signal.aborted;
    },
    signal: abort.signal,
    settings: s,
    begin() {
      if (!delayed) {
        abort.abort();
        log?.info('draining: not ready, finishing in-flight work', { delayMs: s.delayMs, graceMs: s.graceMs });
        for (const fn of listeners.splice(0)) {
          try {
            fn();
          } catch (err) {
            log?.warn('drain listener failed', { err: err as Error });
          }
        }
        delayed = sleep(s.delayMs);
      }
      return delayed;
    },
    onBegin(fn) {
      if (abort.signal.aborted) fn();
      else listeners.push(fn);
    },
    wrap(handler) {
      return (req: IncomingMessage, res: ServerResponse) => {
        if (abort.signal.aborted) {
          if (!res.headersSent) res.setHeader('connection', 'close');
          if (req.method === 'GET' && (req.url === '/readyz' || req.url?.startsWith('/readyz?'))) {
            res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1' });
            res.end(JSON.stringify({ status: 'draining' }));
            return;
          }
        }
        handler(req, res);
      };
    },
    guardUpgrades(server) {
      // Runs before the WebSocket servers' own upgrade listeners: a socket answered here is destroyed, and
      // `ws` ignores an upgrade whose socket is no longer writable.
      server.prependListener('upgrade', (_req: IncomingMessage, socket: Duplex) => {
        if (!abort.signal.aborted) return;
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n');
        socket.destroy();
      });
    },
    close(server, websockets = []) {
      closing ??= (async () => {
        await drain.begin();
        // what the drain listeners sent (a subscription's last, coded error) leaves before the close frame
        if (websockets.some((w) => w.clients.size)) await sleep(250);
        for (const wss of websockets) closeWebSockets(wss);
        const result = await closeHttpServer(server, s.graceMs, log);
        // a client that never answered the close handshake within the grace
        for (const wss of websockets) for (const client of wss.clients) client.terminate();
        return result;
      })();
      return closing;
    },
  };
  return drain;
}

/** Closes every client of `wss` with 1012 (Service Restart); `ws` sends what was queued before the close frame. */
export function closeWebSockets(wss: WebSocketServer, reason = 'service restart'): number {
  let n = 0;
  for (const client of wss.clients) {
    client.close(SERVICE_RESTART, reason);
    n++;
  }
  return n;
}

/**
 * Stops accepting connections, lets requests in flight finish (idle keep-alive connections close now, busy
 * ones after their response, which says `Connection: close`), and cuts what is left after `graceMs`.
 */
export async function closeHttpServer(server: Server, graceMs: number, log?: Logger): Promise<{ cut: number }> {
  const closed = new Promise<void>((r) => server.close(() => r()));
  server.closeIdleConnections();
  // connections that finish their response later are closed by Node (Connection: close); poll the idle ones
  const idle = setInterval(() => server.closeIdleConnections(), 250);
  let cut = 0;
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
  try {
    if ((await Promise.race([closed.then(() => 'closed' as const), timer])) === 'timeout') {
      cut = await new Promise<number>((r) => server.getConnections((_e, n) => r(n ?? 0)));
      log?.warn('drain grace over: cutting connections still open', { connections: cut, graceMs });
      server.closeAllConnections();
      await Promise.race([closed, sleep(1_000)]);
    }
  } finally {
    clearInterval(idle);
  }
  return { cut };
}
