import { createClient } from 'redis';
import type { Logger } from './logger';

export type RedisClient = ReturnType<typeof createClient>;

/**
 * A Redis connection that never blocks the caller while Redis is away: commands fail fast
 * (no offline queue) so the caller can fall back, and the client keeps reconnecting in the background.
 * Resolves once the first connection attempt has either succeeded or failed.
 */
export async function connectRedis(url: string, log: Logger, name = 'redis'): Promise<RedisClient> {
  let downLogged = false;
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 2_000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 5_000) },
  });
  client.on('error', (err: Error) => {
    if (!downLogged) log.warn(`${name} unavailable; falling back where possible`, { err: err.message });
    downLogged = true;
  });
  client.on('ready', () => {
    if (downLogged) log.info(`${name} reconnected`);
    downLogged = false;
  });
  // With a reconnect strategy, connect() stays pending for as long as Redis is away: wait a bounded time,
  // then serve without it (commands fail fast and callers fall back) while the client keeps trying.
  const connecting = client.connect().then(
    () => true,
    (err: Error) => {
      log.warn(`${name} not reachable at start`, { err: err.message });
      return false;
    },
  );
  const connected = await Promise.race([connecting, new Promise<false>((r) => setTimeout(() => r(false), 2_500).unref())]);
  if (!connected) log.warn(`${name} not reachable at start; serving without it and reconnecting in the background`);
  return client;
}

export async function closeRedis(client: RedisClient | undefined): Promise<void> {
  if (!client) return;
  try {
    if (client.isOpen) await client.close();
    else client.destroy();
  } catch {
    client.destroy();
  }
}
