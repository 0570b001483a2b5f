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
  await client.connect().catch((err: Error) => log.warn(`${name} not reachable at start; will keep trying`, { err: err.message }));
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
