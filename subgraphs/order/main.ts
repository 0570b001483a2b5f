import { localUrl } from '../../platform/config';
import { openStore } from '../../platform/db';
import { createHttpClient } from '../../platform/http-client';
import { bootstrap, fatal, onShutdown } from '../../platform/process';
import { createMemoryPubSub, createRedisPubSub } from '../../platform/pubsub';
import { closeRedis, connectRedis } from '../../platform/redis';
import { createVitecClient } from '../../vendors/vitec/client';
import { startOrderServer } from './server';
import { createOrderSubgraph } from './subgraph';

const { config, log } = bootstrap('order', process.env);

try {
  const redis = config.REDIS_URL ? await connectRedis(config.REDIS_URL, log) : undefined;
  const pubsub = redis ? createRedisPubSub(redis, log) : createMemoryPubSub();
  const store = await openStore(config, 'order');
  const http = createHttpClient({
    vendor: 'vitec',
    baseUrl: config.VITEC_BASE_URL ?? localUrl(config.VITEC_SANDBOX_PORT),
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    connections: config.UPSTREAM_CONNECTIONS,
    log,
  });
  const vitec = createVitecClient({ http, username: config.VITEC_USERNAME, password: config.VITEC_PASSWORD });
  const subgraph = createOrderSubgraph({
    store,
    vitec,
    pubsub,
    log,
    channel: config.ORDER_EVENTS_CHANNEL,
    signingSecret: config.GATEWAY_SIGNING_SECRET,
    customers: config.VITEC_CUSTOMERS,
    intakeBasic: { username: config.VITEC_INTAKE_USERNAME, password: config.VITEC_INTAKE_PASSWORD },
    autoAcknowledge: config.VITEC_AUTO_ACKNOWLEDGE,
    replayHours: config.ORDER_EVENT_REPLAY_HOURS,
  });
  const server = await startOrderServer(subgraph, { store, log, port: config.ORDER_PORT, host: config.BIND_ADDRESS, jobPollMs: config.ORDER_JOB_POLL_MS, jobLeaseMs: config.ORDER_JOB_LEASE_MS });
  log.info('Order subgraph listening', {
    url: server.url,
    intake: localUrl(server.port, '/vitec/order'),
    vitec: http.baseUrl,
    store: store.engine,
    events: pubsub.kind,
  });
  onShutdown(log, async () => {
    await server.close();
    await pubsub.close();
    await http.close();
    await store.close();
    await closeRedis(redis);
  });
} catch (err) {
  fatal(log, err);
}
