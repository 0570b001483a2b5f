import { Gauge } from 'prom-client';
import type { Queryable } from './db';
import { registry } from './metrics';

/**
 * Job queue depth and the age of its oldest ready job, read from the `jobs` table when Prometheus scrapes
 * (one query per scrape, shared by both gauges), so the worker loop in `platform/jobs.ts` carries no
 * metrics code and several instances sharing one table all report the same truth.
 */
const stores = new Set<Queryable>();

interface Row {
  kind: string;
  depth: number;
  oldest_ready_s: number | null;
}

let inFlight: Promise<Row[]> | undefined;
async function readQueue(): Promise<Row[]> {
  // Both gauges are collected in the same tick of one scrape: the second joins the first's query, and the
  // next scrape reads again.
  if (inFlight) return inFlight;
  const query = (async () => {
    const rows: Row[] = [];
    for (const store of stores) {
      const result = await store.query<Row>(
        `SELECT kind,
                count(*)::int AS depth,
                extract(epoch FROM now() - min(run_at) FILTER (WHERE run_at <= now()))::float8 AS oldest_ready_s
         FROM jobs WHERE done_at IS NULL GROUP BY kind`,
      );
      rows.push(...result.rows);
    }
    return rows;
  })();
  inFlight = query;
  void query.then(
    () => (inFlight = undefined),
    () => (inFlight = undefined),
  );
  return query;
}

const depth = new Gauge({
  name: 'switchboard_jobs_queue_depth',
  help: 'Jobs not done yet (ready, running or waiting for a retry), by kind',
  labelNames: ['kind'] as const,
  registers: [],
  async collect() {
    this.reset();
    for (const r of await readQueue().catch(() => [])) this.set({ kind: r.kind }, r.depth);
  },
});

const oldest = new Gauge({
  name: 'switchboard_jobs_oldest_ready_age_seconds',
  help: 'How long the oldest job that is due has been waiting to run, by kind (0 when none is due)',
  labelNames: ['kind'] as const,
  registers: [],
  async collect() {
    this.reset();
    for (const r of await readQueue().catch(() => [])) this.set({ kind: r.kind }, r.oldest_ready_s ?? 0);
  },
});

/** Reports the job queue of `store` on this process's `/metrics` until the returned function is called. */
export function watchJobQueue(store: Queryable): () => void {
  if (!registry.getSingleMetric('switchboard_jobs_queue_depth')) {
    registry.registerMetric(depth);
    registry.registerMetric(oldest);
  }
  stores.add(store);
  return () => {
    stores.delete(store);
  };
}
