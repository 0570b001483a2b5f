import type { Store } from '../../platform/db';
import { startJobWorker } from '../../platform/jobs';
import { watchJobQueue } from '../../platform/job-queue-metrics';
import type { Logger } from '../../platform/logger';
import { dependencyReadiness } from '../../platform/readiness';
import type { RedisClient } from '../../platform/redis';
import { attachSubscriptionServer } from '../../platform/subscription-server';
import { startSubgraphServer, type RunningSubgraph } from '../../platform/subgraph-server';
import type { OrderSubgraph } from './subgraph';

/**
 * Runs an Order subgraph: HTTP GraphQL + the Vitec intake route, graphql-ws subscriptions on the same
 * port and path, and the job worker that processes accepted orders (and, at start, any order a crashed
 * instance accepted but did not finish). Used by main.ts and by tests that start it in-process.
 */
export async function startOrderServer(
  subgraph: OrderSubgraph,
  opts: { store: Store; log: Logger; port: number; host?: string; jobPollMs?: number; jobLeaseMs?: number; jobConcurrency?: number; jobRetentionHours?: number; redis?: RedisClient; introspection?: boolean },
): Promise<RunningSubgraph & { stopWorker(): Promise<void> }> {
  const running = await startSubgraphServer(
    {
      name: 'order',
      schema: subgraph.schema,
      context: subgraph.context,
      routes: subgraph.routes,
      log: opts.log,
      ready: dependencyReadiness({ store: opts.store, redis: opts.redis }),
      introspection: opts.introspection,
    },
    opts.port,
    opts.host,
  );
  const ws = attachSubscriptionServer(running, { schema: subgraph.schema, context: subgraph.subscriptionContext, log: opts.log });
  const worker = startJobWorker({
    store: opts.store,
    handlers: subgraph.jobHandlers,
    log: opts.log,
    pollMs: opts.jobPollMs,
    leaseMs: opts.jobLeaseMs,
    concurrency: opts.jobConcurrency,
    retentionHours: opts.jobRetentionHours,
  });
  subgraph.onOrderAccepted(() => worker.kick());
  // queue depth and oldest ready age on /metrics, read from the jobs table at scrape time
  const unwatchQueue = watchJobQueue(opts.store);
  // A drain (SIGTERM): not ready at once; every live subscription ends with EVENTS_INTERRUPTED naming the
  // last event its client got (through the gateway too), so the client resumes with afterEventId on another
  // replica; then the sockets close with 1012. No new job is claimed, running ones get the grace.
  running.drain.onBegin(() => subgraph.feed.interruptAll('the service is restarting'));
  let workerStopped: Promise<void> | undefined;
  const stopWorker = (graceMs?: number) => (workerStopped ??= worker.stop(graceMs));
  return {
    ...running,
    stopWorker: () => stopWorker(),
    async close() {
      void running.drain.begin();
      await Promise.all([stopWorker(running.drain.settings.graceMs), running.close()]);
      unwatchQueue();
      await ws.close();
    },
  };
}
