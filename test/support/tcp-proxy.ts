import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a real server, for fault tests: `hang()` turns it into a peer that accepts
 * connections and never answers (new connections are accepted and left silent; open ones stop
 * forwarding both ways), `resume()` forwards again and resets the connections that hung (as a
 * recovering network would), `reset()` drops every open connection at once.
 */
export interface TcpProxy {
  port: number;
  hang(): void;
  resume(): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let hanging = false;
  const pairs = new Set<{ client: Socket; upstream?: Socket; stalled: boolean }>();
  const server: Server = createServer((client) => {
    const pair: { client: Socket; upstream?: Socket; stalled: boolean } = { client, stalled: hanging };
    pairs.add(pair);
    client.on('error', () => undefined);
    client.on('close', () => {
      pairs.delete(pair);
      pair.upstream?.destroy();
    });
    if (hanging) return; // accepted, never answered
    const upstream = connect(target.port, target.host);
    pair.upstream = upstream;
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
    client.on('data', (b) => {
      if (!pair.stalled) upstream.write(b);
    });
    upstream.on('data', (b) => {
      if (!pair.stalled) client.write(b);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    hang() {
      hanging = true;
      for (const p of pairs) p.stalled = true;
    },
    resume() {
      hanging = false;
      for (const p of pairs) if (p.stalled) p.client.destroy();
    },
    reset() {
      for (const p of pairs) p.client.destroy();
    },
    close() {
      for (const p of pairs) p.client.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
