import { enabledUnlessProduction } from '../../platform/config/production';
import { localUrl } from '../../platform/config';
import { openStore } from '../../platform/db';
import { bootstrap, fatal, onShutdown } from '../../platform/process';
import { startRetention } from '../../platform/retention';
import { createMemoryPubSub, createRedisPubSub } from '../../platform/pubsub';
import { closeRedis, connectRedis } from '../../platform/redis';
import { createRateLimiter } from '../../platform/rate-limit';
import { startOrderServer } from './server';
import { orderMigrations } from './store';
import { createOrderClients } from './clients';
import { createOrderSubgraph } from './subgraph';

const { config, log } = bootstrap('order', process.env);

try {
  const redis = config.REDIS_URL ? await connectRedis(config.REDIS_URL, log) : undefined;
  const pubsub = redis ? createRedisPubSub(redis, log) : createMemoryPubSub();
  const store = await openStore(config, 'order', { migrations: orderMigrations, log });
  const vendors = createOrderClients(config, log, redis);
  const subgraph = createOrderSubgraph({
    store,
    ...vendors.clients,
    pubsub,
    log,
    channel: config.ORDER_EVENTS_CHANNEL,
    signingSecret: config.GATEWAY_SIGNING_SECRET,
    customers: config.VITEC_CUSTOMERS,
    intakeBasic: { username: config.VITEC_INTAKE_USERNAME, password: config.VITEC_INTAKE_PASSWORD },
    autoAcknowledge: config.VITEC_AUTO_ACKNOWLEDGE,
    replayHours: config.ORDER_EVENT_REPLAY_HOURS,
    unverifiedTtlS: config.VITEC_INTAKE_UNVERIFIED_TTL_S,
    intakeOfficeLimit: {
      limiter: createRateLimiter({ redis, prefix: `${config.GATEWAY_RATE_LIMIT_PREFIX}:order-intake`, windowMs: config.GATEWAY_RATE_WINDOW_S * 1000, maxKeys: config.GATEWAY_RATE_LIMIT_MAX_KEYS, log }),
      perOffice: config.VITEC_INTAKE_RATE_PER_OFFICE,
    },
    events: { maxGapMs: config.ORDER_EVENT_MAX_GAP_MS },
  });
  const server = await startOrderServer(subgraph, {
    store,
    log,
    redis,
    port: config.ORDER_PORT,
    host: config.BIND_ADDRESS,
    jobPollMs: config.ORDER_JOB_POLL_MS,
    jobLeaseMs: config.ORDER_JOB_LEASE_MS,
    jobConcurrency: config.JOB_CONCURRENCY,
    jobRetentionHours: config.JOB_RETENTION_HOURS,
    introspection: enabledUnlessProduction(config, config.SUBGRAPH_INTROSPECTION),
  });
  const retention = startRetention({
    log,
    intervalMs: config.RETENTION_SWEEP_INTERVAL_MS,
    tasks: [
      {
        name: 'order_events',
        run: () => subgraph.orders.pruneEvents(Math.max(config.ORDER_EVENT_RETENTION_DAYS * 24, config.ORDER_EVENT_REPLAY_HOURS)),
      },
    ],
  });
  log.info('Order subgraph listening', {
    url: server.url,
    intake: localUrl(server.port, '/vitec/order'),
    ...vendors.origins,
    store: store.engine,
    events: pubsub.kind,
  });
  onShutdown(log, async () => {
    void server.drain.begin(); // not ready at once (platform/drain.ts), while the background work stops
    await retention.stop();
    await server.close();
    subgraph.feed.close();
    await pubsub.close();
    await vendors.close();
    await store.close();
    await closeRedis(redis);
  });
} catch (err) {
  fatal(log, err);
}
