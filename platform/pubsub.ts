import { EventEmitter } from 'node:events';
import type { Logger } from './logger';
import type { RedisClient } from './redis';

/**
 * Fan-out of small messages between the processes of a service: Redis pub/sub when Redis is configured
 * (every instance receives every message once, whoever published it), in-process otherwise (the embedded
 * default, one instance). A publisher never also delivers locally, so no listener sees a message twice.
 * Pub/sub is not durable: whatever must not be lost is written to the store first and replayed from there.
 */
export type Unsubscribe = () => Promise<void>;

export interface PubSub {
  readonly kind: 'memory' | 'redis';
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, listener: (message: string) => void): Promise<Unsubscribe>;
  close(): Promise<void>;
}

export function createMemoryPubSub(): PubSub {
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  return {
    kind: 'memory',
    async publish(channel, message) {
      bus.emit(channel, message);
    },
    async subscribe(channel, listener) {
      bus.on(channel, listener);
      return async () => {
        bus.off(channel, listener);
      };
    },
    async close() {
      bus.removeAllListeners();
    },
  };
}

/**
 * One Redis subscriber connection per process (a connection in subscribe mode can do nothing else),
 * one Redis SUBSCRIBE per channel however many local listeners it has.
 */
export function createRedisPubSub(client: RedisClient, log: Logger): PubSub {
  const local = new EventEmitter();
  local.setMaxListeners(0);
  const counts = new Map<string, number>();
  const ready = new Map<string, Promise<unknown>>();
  let subscriber: Promise<RedisClient> | undefined;

  const getSubscriber = () =>
    (subscriber ??= (async () => {
      const s = client.duplicate();
      s.on('error', (err: Error) => log.warn('redis pub/sub subscriber error', { err: err.message }));
      await s.connect();
      return s;
    })().catch((err) => {
      subscriber = undefined; // try again on the next subscribe instead of failing forever
      throw err;
    }));

  return {
    kind: 'redis',
    async publish(channel, message) {
      await client.publish(channel, message);
    },
    async subscribe(channel, listener) {
      local.on(channel, listener);
      const n = (counts.get(channel) ?? 0) + 1;
      counts.set(channel, n);
      if (n === 1) {
        ready.set(
          channel,
          getSubscriber().then((s) => s.subscribe(channel, (message: string) => local.emit(channel, message))),
        );
      }
      // Every caller waits until Redis confirmed the SUBSCRIBE, not only the first: a caller that reads
      // missed messages from a store right after subscribing must not have a window where messages fall
      // between its read and an active subscription.
      try {
        await ready.get(channel);
      } catch (err) {
        local.off(channel, listener);
        const left = (counts.get(channel) ?? 1) - 1;
        if (left <= 0) {
          counts.delete(channel);
          ready.delete(channel);
        } else counts.set(channel, left);
        throw err;
      }
      let done = false;
      return async () => {
        if (done) return;
        done = true;
        local.off(channel, listener);
        const left = (counts.get(channel) ?? 1) - 1;
        counts.set(channel, left);
        if (left === 0) {
          counts.delete(channel);
          ready.delete(channel);
          const s = await getSubscriber();
          if (s.isOpen) await s.unsubscribe(channel).catch(() => undefined);
        }
      };
    },
    async close() {
      local.removeAllListeners();
      counts.clear();
      if (subscriber) {
        const s = await subscriber.catch(() => undefined);
        if (s?.isOpen) await s.close().catch(() => s.destroy());
      }
    },
  };
}
