import { randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { CALLER_HEADER, signCallerIdentity } from '../../platform/caller-identity';
import { createPostgresStore, migrate, type Store } from '../../platform/db';
import { createHttpClient } from '../../platform/http-client';
import { silentLogger } from '../../platform/logger';
import { createRedisPubSub, type PubSub } from '../../platform/pubsub';
import { closeRedis, connectRedis, type RedisClient } from '../../platform/redis';
import type { RunningSandbox } from '../../platform/sandbox';
import { startOrderServer } from '../../subgraphs/order/server';
import { orderMigrations } from '../../subgraphs/order/store';
import { createOrderSubgraph } from '../../subgraphs/order/subgraph';
import { createVitecClient } from '../../vendors/vitec/client';
import { startVitecSandbox, VITEC_SANDBOX_CONNECT, VITEC_SANDBOX_INTAKE } from '../../vendors/vitec/sandbox/server';
import { freePort } from './processes';
import { createThrowawayDatabase } from './throwaway-postgres';

export interface OrderInstancesOptions {
  /** the Redis every instance publishes and subscribes on */
  redisUrl: string;
  /** pool size of each instance's PostgreSQL store (the store's default when unset) */
  storeMax?: number;
  jobPollMs: number;
  jobConcurrency?: number;
  /** the instances' /readyz checks Redis too (as main.ts does) */
  redisInReadiness?: boolean;
}

export interface OrderInstances {
  /** the Vitec sandbox; it places its orders at the first instance's intake */
  sandbox: RunningSandbox;
  servers: Awaited<ReturnType<typeof startOrderServer>>[];
  stores: Store[];
  /** a graphql-ws client at one instance, subscribing as a partner of M123 and M125 (closed by `close`) */
  subscribe<T = Record<string, any>>(instance: number, query: string): AsyncIterableIterator<{ data?: T | null; errors?: readonly unknown[] }>;
  close(): Promise<void>;
}

/**
 * Two Order instances in this process, as a scaled-out deployment runs them: one throwaway PostgreSQL
 * database and one Redis channel shared, each instance with its own store, Redis connection, pub/sub, job
 * worker and port; the Vitec sandbox auto-acknowledges and calls the first instance's intake. Offices
 * M125 (auth mode none) and M123 (token).
 */
export async function startOrderInstances(opts: OrderInstancesOptions): Promise<OrderInstances> {
  const secret = `order-instances-${randomUUID()}`;
  const database = await createThrowawayDatabase();
  const portA = await freePort();
  const sandbox = await startVitecSandbox({ port: 0, orderUrl: `http://127.0.0.1:${portA}/vitec/order` });
  const channel = `test:order-events:${randomUUID()}`;
  const stores: Store[] = [];
  const redises: RedisClient[] = [];
  const buses: PubSub[] = [];
  const servers: OrderInstances['servers'] = [];
  const clients: Client[] = [];
  const close = async () => {
    for (const c of clients) await c.dispose();
    for (const s of servers) await s.close();
    for (const b of buses) await b.close();
    for (const r of redises) await closeRedis(r);
    for (const s of stores) await s.close();
    await sandbox.close();
    await database.drop();
  };
  try {
    for (const port of [portA, 0]) {
      const store = createPostgresStore(database.url, opts.storeMax ? { max: opts.storeMax } : undefined);
      stores.push(store);
      await migrate(store, orderMigrations);
      const redis = await connectRedis(opts.redisUrl, silentLogger);
      redises.push(redis);
      const pubsub = createRedisPubSub(redis, silentLogger);
      buses.push(pubsub);
      const subgraph = createOrderSubgraph({
        store,
        vitec: createVitecClient({ http: createHttpClient({ vendor: 'vitec', baseUrl: sandbox.url, timeoutMs: 3000 }), ...VITEC_SANDBOX_CONNECT }),
        pubsub,
        log: silentLogger,
        channel,
        signingSecret: secret,
        customers: [{ customerId: 'M125', authMode: 'none' }, { customerId: 'M123', authMode: 'token' }],
        intakeBasic: VITEC_SANDBOX_INTAKE,
        autoAcknowledge: true,
        replayHours: 1,
      });
      servers.push(
        await startOrderServer(subgraph, { store, log: silentLogger, port, jobPollMs: opts.jobPollMs, jobConcurrency: opts.jobConcurrency, redis: opts.redisInReadiness ? redis : undefined }),
      );
    }
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
  const header = { [CALLER_HEADER]: signCallerIdentity({ kind: 'partner', id: 'p', customers: ['M123', 'M125'], roles: [] }, secret) };
  return {
    sandbox,
    servers,
    stores,
    subscribe(instance, query) {
      const client = createClient({ url: servers[instance]!.url.replace('http', 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
      clients.push(client);
      return client.iterate({ query, extensions: { headers: header } }) as never;
    },
    close,
  };
}
