import type { AddressInfo } from 'node:net';
import { GraphQLError, parse, type ExecutionResult } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { createLogger } from '../platform/logger';
import { serveGraphQLWS } from './graphql-ws-server';
import { createChannel } from './plugins/use-shared-subscriptions';

/**
 * The gateway's graphql-ws server serialises a result shared by a channel's subscribers once; every
 * subscriber's frame must still be exactly what graphql-ws would have sent it: its own operation id,
 * the same payload. Real `ws` server and raw `ws` clients on loopback (the frames are compared as text).
 */
const log = createLogger({ service: 'test' }, 'silent');
const DOCUMENT = parse('subscription { e }');
const closers: (() => Promise<unknown>)[] = [];
const clientSockets: { pause(): void }[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

/** A source whose events the test emits; one channel (as use-shared-subscriptions builds) over it. */
function sharedSource() {
  const pending: ((r: IteratorResult<ExecutionResult>) => void)[] = [];
  const it: AsyncIterableIterator<ExecutionResult> = {
    next: () => new Promise((resolve) => pending.push(resolve)),
    return: async () => ({ value: undefined, done: true }),
    [Symbol.asyncIterator]: () => it,
  };
  const channel = createChannel(it, 100, () => undefined);
  return { channel, emit: (value: ExecutionResult) => pending.shift()!({ value, done: false }), waiting: () => pending.length };
}

async function start(subscribe: () => unknown) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const server = serveGraphQLWS({ onSubscribe: () => ({ document: DOCUMENT, contextValue: {} }) as never, subscribe: subscribe as never }, wss, { log, keepAlive: 0 });
  closers.push(() => server.dispose());
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
}

/** A raw graphql-transport-ws client: every text frame it receives after the ack, as sent. */
async function rawClient(url: string, ids: string[]) {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  closers.push(async () => socket.terminate());
  clientSockets.push({ pause: () => (socket as unknown as { _socket: { pause(): void } })._socket.pause() });
  const frames: string[] = [];
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
    socket.on('message', (data, isBinary) => {
      expect(isBinary).toBe(false);
      const text = String(data);
      if (JSON.parse(text).type === 'connection_ack') return resolve();
      frames.push(text);
    });
  });
  for (const id of ids) socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query: 'subscription { e }' } }));
  return frames;
}

const until = async (ok: () => boolean) => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(ok()).toBe(true);
};

describe('graphql-ws server: a shared result serialised once', () => {
  it("every subscriber gets graphql-ws's exact message with its own id; the payload is serialised once per event", async () => {
    const { channel, emit, waiting } = sharedSource();
    let joined = 0;
    const url = await start(() => (joined++, channel.join()));
    // ids a client may choose: quotes, backslashes, non-ASCII; two subscriptions on one socket
    const a = await rawClient(url, ['1']);
    const b = await rawClient(url, ['a "quoted" \\ id', 'ü-2']);
    const c = await rawClient(url, ['cafe-é-👍']);
    const ids = [['1'], ['a "quoted" \\ id', 'ü-2'], ['cafe-é-👍']];
    await until(() => joined === 4 && waiting() === 1);

    let serialised = 0;
    const events = [
      { data: { e: { eventId: '1', note: 'Ærlig talt — "quoted" \\ 👍', nested: [1, null, { x: true }] } } },
      { data: { e: { eventId: '2', note: 'plain' } }, extensions: { k: 'v' }, errors: [new GraphQLError('partly', { path: ['e', 'note'], extensions: { code: 'X' } })] },
    ];
    for (const [i, event] of events.entries()) {
      // counts each serialisation of the event (JSON.stringify calls toJSON once per serialisation)
      const counted = { ...event, data: { e: { toJSON: () => (serialised++, event.data.e) } } };
      emit(counted);
      await until(() => [a, b, c].every((frames, k) => frames.length === (i + 1) * ids[k]!.length));
    }
    expect(serialised).toBe(events.length);

    for (const [k, frames] of [a, b, c].entries()) {
      const expected = events.flatMap((payload) => ids[k]!.map((id) => JSON.stringify({ id, type: 'next', payload })));
      expect([...frames].sort()).toEqual(expected.sort());
    }
  });

  it('a result given to one subscriber only is sent as graphql-ws sends it', async () => {
    const { channel, emit, waiting } = sharedSource();
    const url = await start(() => channel.join());
    const a = await rawClient(url, ['only']);
    await until(() => waiting() === 1);
    const event = { data: { e: 'x' }, errors: [{ message: 'm', toJSON: () => ({ message: 'm', extensions: { code: 'C' } }) }] } as unknown as ExecutionResult;
    emit(event);
    await until(() => a.length === 1);
    expect(a[0]).toBe(JSON.stringify({ id: 'only', type: 'next', payload: { data: { e: 'x' }, errors: [{ message: 'm', extensions: { code: 'C' } }] } }));
  });

  it('a client that does not read holds at most WRITE_AHEAD_BYTES and two frames in the process; its events wait in its bounded queue', async () => {
    const { channel, emit, waiting } = sharedSource();
    let serverSocket: WebSocket | undefined;
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    wss.on('connection', (s) => (serverSocket = s));
    const server = serveGraphQLWS({ onSubscribe: () => ({ document: DOCUMENT, contextValue: {} }) as never, subscribe: (() => channel.join()) as never }, wss, { log, keepAlive: 0 });
    closers.push(() => server.dispose());
    const client = await rawClient(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, ['slow']);
    await until(() => waiting() === 1);
    // the client stops reading: the kernel's buffers fill, then the process's
    clientSockets.at(-1)!.pause();
    const big = 'x'.repeat(20_000);
    let most = 0;
    for (let i = 0; i < 1_000 && waiting() === 1; i++) {
      emit({ data: { e: { i, big } } });
      await new Promise((r) => setImmediate(r));
      most = Math.max(most, serverSocket!.bufferedAmount);
    }
    expect(most).toBeGreaterThan(0);
    // one frame sent below the mark, one waiting for its write
    expect(most).toBeLessThan(16 * 1024 + 2 * 20_100);
    expect(client.length).toBeLessThan(1_000);
  });
});
