import { EventEmitter } from 'node:events';
import type { Logger } from './logger';
import type { RedisClient } from './redis';
import { outsideRequestContext } from './request-context';

/**
 * Fan-out of small messages between the processes of a service: Redis pub/sub when Redis is configured
 * (every instance receives every message once, whoever published it), in-process otherwise (the embedded
 * default, one instance). A publisher never also delivers locally through the bus, so no listener sees a
 * message twice; a caller that wants its own process served without Redis delivers locally itself (see
 * subgraphs/order/events.ts). Pub/sub is not durable: whatever must not be lost is written to the store
 * first, and `onStatus` tells the caller when it may have missed messages (the subscriber connection went
 * down) and when it is live again, so it can read what it missed from the store.
 */
export type Unsubscribe = () => Promise<void>;

export interface PubSub {
  readonly kind: 'memory' | 'redis';
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, listener: (message: string) => void): Promise<Unsubscribe>;
  /** true while every subscribed channel receives messages (always, in memory) */
  readonly live: boolean;
  /** called with false when messages may be missed from now on, with true once subscriptions are live again */
  onStatus(listener: (live: boolean) => void): () => void;
  close(): Promise<void>;
}

export function createMemoryPubSub(): PubSub {
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  return {
    kind: 'memory',
    live: true,
    async publish(channel, message) {
      bus.emit(channel, message);
    },
    async subscribe(channel, listener) {
      bus.on(channel, listener);
      return async () => {
        bus.off(channel, listener);
      };
    },
    onStatus: () => () => undefined,
    async close() {
      bus.removeAllListeners();
    },
  };
}

/**
 * One Redis subscriber connection per process (a connection in subscribe mode can do nothing else),
 * one Redis SUBSCRIBE per channel however many local listeners it has. While Redis is away, subscribing
 * does not fail or hang: the listener is registered, `live` is false, and the channel is subscribed on
 * Redis once it is back (node-redis re-subscribes known channels itself before it reports 'ready').
 */
export function createRedisPubSub(client: RedisClient, log: Logger, opts: { subscribeWaitMs?: number } = {}): PubSub {
  const subscribeWaitMs = opts.subscribeWaitMs ?? 2_000;
  const local = new EventEmitter();
  local.setMaxListeners(0);
  const status = new EventEmitter();
  status.setMaxListeners(0);
  const counts = new Map<string, number>();
  /** channels confirmed on the current Redis connection */
  const active = new Set<string>();
  const pending = new Map<string, Promise<void>>();
  let live = true;
  let closed = false;
  let subscriber: RedisClient | undefined;
  let connecting: Promise<unknown> | undefined;

  const setLive = (v: boolean) => {
    if (live === v) return;
    live = v;
    status.emit('status', v);
  };
  const deliver = (message: string, channel: string) => local.emit(channel, message);

  function getSubscriber(): RedisClient {
    if (subscriber) return subscriber;
    // opened by the first subscription, but its reconnects and log lines belong to no request
    return outsideRequestContext(openSubscriber);
  }

  function openSubscriber(): RedisClient {
    const s = client.duplicate();
    subscriber = s;
    s.on('error', (err: Error) => {
      if (live) log.warn('redis pub/sub subscriber lost; messages may be missed until it is back', { err: err.message });
      setLive(false);
    });
    s.on('end', () => setLive(false));
    s.on('ready', () => {
      // known channels were re-subscribed by node-redis before 'ready'; any wanted since are subscribed now
      const missing = [...counts.keys()].filter((c) => !active.has(c));
      Promise.all(missing.map(ensure)).then(
        () => {
          if (!closed && s.isReady) {
            log.info('redis pub/sub subscriber live again');
            setLive(true);
          }
        },
        () => undefined,
      );
    });
    connecting = s.connect().catch(() => undefined);
    return s;
  }

  function ensure(channel: string): Promise<void> {
    if (active.has(channel)) return Promise.resolve();
    let p = pending.get(channel);
    if (!p) {
      const s = getSubscriber();
      p = (async () => {
        if (!s.isReady) throw new Error('redis pub/sub subscriber not connected');
        await s.subscribe(channel, deliver);
        active.add(channel);
      })().finally(() => pending.delete(channel));
      pending.set(channel, p);
    }
    return p;
  }

  return {
    kind: 'redis',
    get live() {
      return live;
    },
    async publish(channel, message) {
      await client.publish(channel, message);
    },
    async subscribe(channel, listener) {
      local.on(channel, listener);
      counts.set(channel, (counts.get(channel) ?? 0) + 1);
      // Every caller waits until Redis confirmed the SUBSCRIBE, not only the first: a caller that reads
      // missed messages from a store right after subscribing must not have a window where messages fall
      // between its read and an active subscription. When Redis does not confirm in time, the caller is
      // told through `live`/`onStatus` instead of being held.
      const s = getSubscriber();
      // the first connection gets a bounded wait; once Redis is known to be away, nobody waits for it
      if (!s.isReady && live) {
        await Promise.race([connecting, new Promise((r) => setTimeout(r, subscribeWaitMs).unref())]);
      }
      try {
        await ensure(channel);
      } catch {
        setLive(false);
      }
      let done = false;
      return async () => {
        if (done) return;
        done = true;
        local.off(channel, listener);
        const left = (counts.get(channel) ?? 1) - 1;
        if (left > 0) {
          counts.set(channel, left);
          return;
        }
        counts.delete(channel);
        if (active.delete(channel) && s.isReady) await s.unsubscribe(channel, deliver).catch(() => undefined);
      };
    },
    onStatus(listener) {
      status.on('status', listener);
      return () => status.off('status', listener);
    },
    async close() {
      closed = true;
      local.removeAllListeners();
      status.removeAllListeners();
      counts.clear();
      const s = subscriber;
      if (s) {
        try {
          if (s.isOpen) await s.close();
          else s.destroy();
        } catch {
          s.destroy();
        }
      }
    },
  };
}
