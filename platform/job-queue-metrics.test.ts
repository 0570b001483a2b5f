import { afterAll, describe, expect, it } from 'vitest';
import { parseMetrics } from '../test/support/metrics';
import { createThrowawayDatabase } from '../test/support/throwaway-postgres';
import { createPgliteStore, createPostgresStore, migrate, type Store } from './db';
import { watchJobQueue } from './job-queue-metrics';
import { enqueueJob, claimJobs, completeJob } from './jobs';
import { metricsText } from './metrics';

/** The job queue gauges read the jobs table at scrape time, on both engines. */
const engines: Array<[string, () => Promise<{ store: Store; drop(): Promise<void> }>]> = [
  ['PGlite', async () => {
    const store = await createPgliteStore();
    return { store, drop: () => store.close() };
  }],
  ['PostgreSQL', async () => {
    const db = await createThrowawayDatabase();
    const store = createPostgresStore(db.url);
    return { store, drop: async () => { await store.close(); await db.drop(); } };
  }],
];

const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanup) await c();
});

describe.each(engines)('job queue metrics (%s)', (_name, open) => {
  it('depth counts every job not done, oldest age the longest-waiting due job, both per kind', async () => {
    const { store, drop } = await open();
    await migrate(store);
    const unwatch = watchJobQueue(store);
    cleanup.push(async () => {
      unwatch();
      await drop();
    });
    const kind = `test.kind.${_name}`;
    await enqueueJob(store, kind, { n: 1 }, { runAt: new Date(Date.now() - 30_000) });
    await enqueueJob(store, kind, { n: 2 });
    await enqueueJob(store, kind, { n: 3 }, { runAt: new Date(Date.now() + 3_600_000) }); // a retry scheduled later
    const s1 = parseMetrics((await metricsText()).body);
    expect(s1.value('switchboard_jobs_queue_depth', { kind })).toBe(3);
    const age = s1.value('switchboard_jobs_oldest_ready_age_seconds', { kind });
    expect(age).toBeGreaterThanOrEqual(29);
    expect(age).toBeLessThan(120);

    // finishing the old one: depth drops, and the oldest due job is now the one enqueued just now
    const [oldest] = await claimJobs(store, [kind], 1, 60_000);
    expect(oldest!.payload).toEqual({ n: 1 });
    await completeJob(store, oldest!.id);
    const s2 = parseMetrics((await metricsText()).body);
    expect(s2.value('switchboard_jobs_queue_depth', { kind })).toBe(2);
    expect(s2.value('switchboard_jobs_oldest_ready_age_seconds', { kind })).toBeLessThan(age);
  });
});
