import type { IncomingMessage } from 'node:http';
import type { ExecutionResult } from 'graphql';
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../platform/logger';

/** What each graphql-ws operation's context carries (the same as graphql-ws/use/ws's `Extra`). */
export interface Extra {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
}

/**
 * Results handed to more than one subscriber (gateway/plugins/use-shared-subscriptions.ts marks them):
 * their `next` payload is serialised once, not once per subscriber. A WeakSet: a result leaves it when
 * the last subscriber has been sent it.
 */
const shared = new WeakSet<object>();
export const shareResult = (result: object) => void shared.add(result);

/**
 * A shared result's payload, serialised once (UTF-8) the first time a subscriber's `next` is sent. What
 * graphql-ws's `onNext` returns becomes the message's `payload`; `JSON.stringify` of the message calls
 * `toJSON`, which leaves the payload in `pending` and writes a placeholder in its place; the socket's
 * `send` below, which graphql-ws calls synchronously with the string just made, splices the payload in.
 */
class SharedPayload {
  constructor(readonly body: Buffer) {}
  toJSON() {
    pending = this;
    return PLACEHOLDER;
  }
}
const PLACEHOLDER = '\u0000switchboard shared payload\u0000';
/** The end of a `next` message whose payload is a SharedPayload: graphql-ws writes `{"id":…,"type":"next","payload":…}` */
const TAIL = `,"payload":${JSON.stringify(PLACEHOLDER)}}`;
const KEEP = ',"payload":'.length;
let pending: SharedPayload | undefined;
const payloads = new WeakMap<object, SharedPayload>();

/** The payload graphql-ws would send for `result` (its own shape: `errors` last, each error's `toJSON`). */
function payloadOf(result: ExecutionResult): SharedPayload {
  let p = payloads.get(result);
  if (!p) {
    const { errors, ...rest } = result;
    const payload = errors ? { ...rest, errors: errors.map((e) => e.toJSON()) } : rest;
    payloads.set(result, (p = new SharedPayload(Buffer.from(JSON.stringify(payload)))));
  }
  return p;
}

/**
 * One `next` frame for one subscriber: its own message start (graphql-ws wrote it, with this
 * subscriber's operation id) and the shared payload, as one Buffer: the payload is copied, not
 * serialised or encoded again.
 */
function spliced(message: string, payload: SharedPayload): Buffer {
  const head = message.slice(0, message.length - TAIL.length + KEEP);
  const headBytes = Buffer.byteLength(head);
  const frame = Buffer.allocUnsafe(headBytes + payload.body.length + 1);
  frame.write(head, 0, headBytes, 'utf8');
  payload.body.copy(frame, headBytes);
  frame[frame.length - 1] = 0x7d; // }
  return frame;
}

/**
 * Bytes one socket may have waiting in this process (`bufferedAmount`) before a corked `send` (see
 * below) waits for its write. Below it graphql-ws goes on with the subscription's next event at once (it
 * awaits each send), so waiting events leave together; past it a client that does not read holds its
 * events in its subscriber queue (bounded, use-shared-subscriptions.ts), not here: at most this much per socket.
 */
const WRITE_AHEAD_BYTES = 16 * 1024;

/**
 * graphql-ws on a `ws` server: graphql-ws/use/ws's `useServer` (which its authors mean to be copied and
 * adjusted), with two changes: a result shared by the subscribers of a channel is serialised once per
 * event and each subscriber's message is its own message start (`id`, `type`) followed by the shared
 * bytes; and the frames after the first to one socket in one turn of the event loop do not wait for
 * their writes (up to WRITE_AHEAD_BYTES waiting) and leave in one write. Everything else (operation ids, hooks, `onNext` of the options, errors, keep-alive pings,
 * closing) is graphql-ws's, unchanged. A result that a hook replaced for one subscriber (a masked error,
 * say) is not the shared object any more and is serialised as graphql-ws does.
 */
export function serveGraphQLWS<P extends Record<string, unknown> | undefined>(
  options: ServerOptions<P, Extra>,
  wss: WebSocketServer,
  { log, keepAlive = 12_000 }: { log: Logger; keepAlive?: number },
): { dispose(): Promise<void> } {
  const onNext = options.onNext;
  const server = makeServer<P, Extra>({
    ...options,
    onNext: (ctx, id, payload, args, result) => {
      if (!onNext) return shared.has(result) ? (payloadOf(result) as never) : undefined;
      return Promise.resolve(onNext(ctx, id, payload, args, result)).then((r) => r ?? (shared.has(result) ? (payloadOf(result) as never) : undefined));
    },
  });
  // the reason a client sees never carries an internal message (graphql-ws/use/ws shows it outside
  // NODE_ENV=production); the log has it
  const closeReason = 'Internal server error';
  wss.options.handleProtocols = handleProtocols;
  wss.once('error', (err) => {
    log.error('graphql-ws: the WebSocket server failed', { err });
    for (const client of wss.clients) client.close(CloseCode.InternalServerError, closeReason);
  });
  wss.on('connection', (socket, request) => {
    socket.once('error', (err) => {
      log.warn('graphql-ws: a WebSocket failed', { err });
      socket.close(CloseCode.InternalServerError, closeReason);
    });
    let pongWait: NodeJS.Timeout | null = null;
    const pingInterval =
      keepAlive > 0 && Number.isFinite(keepAlive)
        ? setInterval(() => {
            if (socket.readyState !== socket.OPEN) return;
            pongWait = setTimeout(() => socket.terminate(), keepAlive);
            socket.once('pong', () => {
              if (pongWait) clearTimeout(pongWait);
              pongWait = null;
            });
            socket.ping();
          }, keepAlive)
        : null;
    // The first frame to a socket in a turn of the event loop is sent as graphql-ws/use/ws sends it (at
    // once; the next waits for its write): with no backlog nothing changes, and every subscriber's frame
    // leaves before any subscriber's loop goes on. The frames after it in the same turn (a subscriber with
    // events waiting) do not wait for their writes and leave together in one write at the turn's end
    // (setImmediate): one system call for a backlog, not one per event. (`request.socket` is the
    // connection ws took over for this WebSocket.)
    let sentThisTurn = false;
    let corked = false;
    const endOfTurn = () => {
      sentThisTurn = false;
      if (!corked) return;
      corked = false;
      request.socket.uncork();
    };
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) => {
          let frame: string | Buffer = data;
          if (data.endsWith(TAIL)) {
            const payload = pending;
            pending = undefined;
            if (!payload) throw new Error('a shared subscription payload was lost before its message was sent');
            frame = spliced(data, payload);
          }
          if (socket.readyState !== socket.OPEN) return;
          const written = () => new Promise<void>((resolve, reject) => socket.send(frame, { binary: false }, (err) => (err ? reject(err) : resolve())));
          // the first frame of a turn: written now, and graphql-ws goes on once it is (as graphql-ws/use/ws)
          if (!sentThisTurn) {
            sentThisTurn = true;
            setImmediate(endOfTurn);
            return written();
          }
          // more in the same turn: this subscriber had events waiting; they leave together at the turn's end
          if (!corked) {
            corked = true;
            request.socket.cork();
          }
          if (socket.bufferedAmount < WRITE_AHEAD_BYTES) return void socket.send(frame, { binary: false });
          return written();
        },
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) =>
          socket.on('message', async (event) => {
            try {
              await cb(String(event));
            } catch (err) {
              log.error('graphql-ws: a message could not be handled', { err });
              socket.close(CloseCode.InternalServerError, closeReason);
            }
          }),
      },
      { socket, request },
    );
    socket.once('close', (code, reason) => {
      if (pongWait) clearTimeout(pongWait);
      if (pingInterval) clearInterval(pingInterval);
      void closed(code, String(reason));
    });
  });
  return {
    dispose: async () => {
      for (const client of wss.clients) client.close(1001, 'Going away');
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
