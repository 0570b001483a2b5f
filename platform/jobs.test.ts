import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createThrowawayDatabase } from '../test/support/throwaway-postgres';
import { createPostgresStore, migrate, type Store } from './db';
import { enqueueJob, pruneJobs, startJobWorker, type Job } from './jobs';
import { silentLogger } from './logger';
import { eventCount } from './metrics';

// Real PostgreSQL (SKIP LOCKED, leases and now() as the server runs them), a throwaway database per file.
let db: Awaited<ReturnType<typeof createThrowawayDatabase>>;
let store: Store;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const claims = () => eventCount('jobs.claims');

beforeAll(async () => {
  db = await createThrowawayDatabase();
  store = createPostgresStore(db.url, { max: 10 });
  await migrate(store);
});
afterAll(async () => {
  await store?.close();
  await db?.drop();
});

async function waitFor(check: () => Promise<boolean> | boolean, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

describe('job worker', () => {
  it('a burst of kicks during polls never multiplies the loop: the claim rate stays at one per poll', async () => {
    const kind = `burst-${Date.now()}`;
    let ran = 0;
    const worker = startJobWorker({ store, handlers: { [kind]: async () => void ran++ }, log: silentLogger, pollMs: 200 });
    try {
      for (let i = 0; i < 120; i++) {
        await enqueueJob(store, kind, { i });
        worker.kick();
        if (i % 10 === 0) await sleep(5);
      }
      await waitFor(async () => ran === 120);
      // idle now: count claims over 2 s. One loop polling every 200 ms claims about 10 times; the old
      // worker kept one more loop per kick that arrived during a poll (hundreds of claims a second).
      const before = await claims();
      await sleep(2_000);
      const idleClaims = (await claims()) - before;
      expect(idleClaims).toBeGreaterThanOrEqual(5);
      expect(idleClaims).toBeLessThanOrEqual(13);
    } finally {
      await worker.stop();
    }
  });

  it('runs slow jobs in parallel up to the concurrency limit, never more', async () => {
    const kind = `parallel-${Date.now()}`;
    let active = 0;
    let peak = 0;
    let done = 0;
    const worker = startJobWorker({
      store,
      log: silentLogger,
      pollMs: 100,
      concurrency: 4,
      handlers: {
        [kind]: async () => {
          active++;
          peak = Math.max(peak, active);
          await sleep(400);
          active--;
          done++;
        },
      },
    });
    try {
      const t0 = Date.now();
      for (let i = 0; i < 10; i++) await enqueueJob(store, kind, { i });
      worker.kick();
      await waitFor(() => done === 10);
      const took = Date.now() - t0;
      expect(peak).toBe(4);
      // 10 jobs of 400 ms, 4 at a time: 3 rounds (~1.2 s), where one at a time would take 4 s
      expect(took).toBeLessThan(3_000);
    } finally {
      await worker.stop();
    }
  });

  it('a slow job outliving its lease is not taken over by a second worker while its worker lives', async () => {
    const kind = `slow-${Date.now()}`;
    const runs: { worker: string; job: Job }[] = [];
    const slow = (name: string) => async (job: Job) => {
      runs.push({ worker: name, job });
      await sleep(1_500); // five times the lease
    };
    const a = startJobWorker({ store, handlers: { [kind]: slow('a') }, log: silentLogger, pollMs: 50, leaseMs: 300 });
    await enqueueJob(store, kind, {});
    a.kick();
    await waitFor(() => runs.length === 1);
    const b = startJobWorker({ store, handlers: { [kind]: slow('b') }, log: silentLogger, pollMs: 50, leaseMs: 300 });
    try {
      await waitFor(async () => (await store.query('SELECT 1 FROM jobs WHERE kind = $1 AND done_at IS NOT NULL', [kind])).rowCount === 1, 5_000);
      expect(runs.map((r) => r.worker)).toEqual(['a']);
      const row = (await store.query<{ attempts: number }>('SELECT attempts FROM jobs WHERE kind = $1', [kind])).rows[0]!;
      expect(row.attempts).toBe(1);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('a crashed worker\'s job is taken over once its lease runs out', async () => {
    const kind = `crash-${Date.now()}`;
    // a claim whose worker never comes back: what a kill -9 leaves behind
    await enqueueJob(store, kind, {});
    await store.query(`UPDATE jobs SET attempts = 1, locked_until = now() + interval '300 milliseconds' WHERE kind = $1`, [kind]);
    let ran = 0;
    const w = startJobWorker({ store, handlers: { [kind]: async () => void ran++ }, log: silentLogger, pollMs: 50, leaseMs: 300 });
    try {
      await waitFor(() => ran === 1, 5_000);
    } finally {
      await w.stop();
    }
  });

  it('a drain lets a running job finish within the grace; one still running after it is released to another worker at once', async () => {
    const kind = `drain-${Date.now()}`;
    const finished: string[] = [];
    const handler = (ms: number) => async (job: Job, signal: AbortSignal) => {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, (job.payload as { ms: number }).ms ?? ms);
        signal.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason as Error)), { once: true });
      });
      finished.push((job.payload as { name: string }).name);
    };
    await enqueueJob(store, kind, { name: 'short', ms: 300 });
    await enqueueJob(store, kind, { name: 'long', ms: 60_000 });
    // a long lease: without the release the second worker would wait a minute for the long job
    const first = startJobWorker({ store, handlers: { [kind]: handler(0) }, log: silentLogger, pollMs: 50, leaseMs: 60_000, concurrency: 2 });
    await waitFor(() => first.active === 2);
    const t0 = Date.now();
    await first.stop(800);
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(finished).toEqual(['short']);
    const row = (await store.query<{ locked_until: Date | null; done_at: Date | null }>(`SELECT locked_until, done_at FROM jobs WHERE kind = $1 AND payload->>'name' = 'long'`, [kind])).rows[0]!;
    expect(row).toEqual({ locked_until: null, done_at: null });
    await store.query(`UPDATE jobs SET payload = jsonb_set(payload, '{ms}', '10') WHERE kind = $1`, [kind]);
    const second = startJobWorker({ store, handlers: { [kind]: handler(0) }, log: silentLogger, pollMs: 50, leaseMs: 60_000 });
    try {
      await waitFor(() => finished.includes('long'), 2_000);
    } finally {
      await second.stop();
    }
  });

  it('prunes finished jobs past the retention and keeps the rest', async () => {
    const kind = `prune-${Date.now()}`;
    for (let i = 0; i < 3; i++) await enqueueJob(store, kind, { i });
    await store.query(`UPDATE jobs SET done_at = now() - interval '80 hours' WHERE kind = $1 AND payload->>'i' = '0'`, [kind]);
    await store.query(`UPDATE jobs SET done_at = now() - interval '1 hour' WHERE kind = $1 AND payload->>'i' = '1'`, [kind]);
    await pruneJobs(store, 72);
    const left = (await store.query<{ i: string }>(`SELECT payload->>'i' AS i FROM jobs WHERE kind = $1 ORDER BY 1`, [kind])).rows.map((r) => r.i);
    expect(left).toEqual(['1', '2']);
  });
});
