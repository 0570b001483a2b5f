import type { Logger } from './logger';
import type { Queryable, Store } from './db';
import { count } from './metrics';

/**
 * A durable job queue on the store's `jobs` table. Enqueue inside the transaction that stores the data
 * (so an accepted request cannot lose its follow-up work), and let a worker claim jobs with
 * `FOR UPDATE SKIP LOCKED` and a lease, so several instances share the work and a crashed holder's job
 * is taken over once its lease runs out.
 */
export interface Job<P = unknown> {
  id: number;
  kind: string;
  payload: P;
  attempts: number;
}

export async function enqueueJob(db: Queryable, kind: string, payload: unknown, opts: { dedupeKey?: string; runAt?: Date } = {}): Promise<void> {
  await db.query(
    `INSERT INTO jobs (kind, payload, dedupe_key, run_at) VALUES ($1, $2::jsonb, $3, coalesce($4, now()))
     ON CONFLICT (dedupe_key) DO NOTHING`,
    [kind, JSON.stringify(payload), opts.dedupeKey ?? null, opts.runAt ?? null],
  );
}

export async function claimJobs(store: Store, kinds: string[], limit: number, leaseMs: number): Promise<Job[]> {
  return store.transaction(async (tx) => {
    const { rows } = await tx.query<Job>(
      `UPDATE jobs SET attempts = attempts + 1, locked_until = now() + ($3 || ' milliseconds')::interval
       WHERE id IN (
         SELECT id FROM jobs
         WHERE done_at IS NULL AND kind = ANY($1) AND run_at <= now() AND (locked_until IS NULL OR locked_until < now())
         ORDER BY run_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING id, kind, payload, attempts`,
      [kinds, limit, String(leaseMs)],
    );
    return rows;
  });
}

/**
 * Marks a job done. `attempt` is the fencing token of the claim (`attempts` after claiming): when another
 * worker took the job over meanwhile, the row has a higher count and this finish is ignored.
 */
export async function completeJob(db: Queryable, id: number, attempt?: number): Promise<void> {
  await db.query('UPDATE jobs SET done_at = now(), locked_until = NULL WHERE id = $1 AND ($2::int IS NULL OR attempts = $2)', [id, attempt ?? null]);
}

/** Reschedules with exponential backoff; after `maxAttempts` the job is closed with its last error kept. */
export async function failJob(db: Queryable, job: Job, error: string, maxAttempts = 8): Promise<void> {
  const delayMs = Math.min(1000 * 2 ** (job.attempts - 1), 5 * 60_000);
  await db.query(
    `UPDATE jobs SET last_error = $2, locked_until = NULL,
       run_at = now() + ($3 || ' milliseconds')::interval,
       done_at = CASE WHEN attempts >= $4 THEN now() ELSE NULL END
     WHERE id = $1 AND attempts = $5`,
    [job.id, error.slice(0, 2000), String(delayMs), maxAttempts, job.attempts],
  );
}

/** Extends a running job's lease; false when the job is no longer ours (taken over or finished). */
export async function renewLease(db: Queryable, job: Job, leaseMs: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE jobs SET locked_until = now() + ($3 || ' milliseconds')::interval WHERE id = $1 AND attempts = $2 AND done_at IS NULL`,
    [job.id, job.attempts, String(leaseMs)],
  );
  return rowCount === 1;
}

/**
 * Gives a claimed job back at once (a worker shutting down): another instance takes it at its next poll
 * instead of after the lease. Its attempt stays counted; a finish from the old claim is fenced off.
 */
export async function releaseJob(db: Queryable, job: Job): Promise<void> {
  await db.query('UPDATE jobs SET locked_until = NULL, run_at = now() WHERE id = $1 AND attempts = $2 AND done_at IS NULL', [job.id, job.attempts]);
}

/** Deletes jobs that finished more than `retentionHours` ago, in batches; answers how many. */
export async function pruneJobs(db: Queryable, retentionHours: number, batch = 1_000): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await db.query(
      `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE done_at < now() - ($1 || ' hours')::interval LIMIT $2)`,
      [String(retentionHours), batch],
    );
    total += rowCount;
    if (rowCount < batch) return total;
  }
}

export type JobHandler = (job: Job, signal: AbortSignal) => Promise<void>;

export interface JobWorkerOptions {
  store: Store;
  handlers: Record<string, JobHandler>;
  log: Logger;
  /** how often to look for due jobs when nobody kicks */
  pollMs?: number;
  /** how long a claim holds a job; renewed every third of it while the job runs */
  leaseMs?: number;
  /** jobs run in parallel, at most */
  concurrency?: number;
  /** finished jobs are deleted this long after finishing (checked every `retentionIntervalMs`) */
  retentionHours?: number;
  retentionIntervalMs?: number;
  maxAttempts?: number;
}

/**
 * One loop per worker. It claims as many due jobs as it has free slots (`concurrency`), runs them in
 * parallel, and sleeps until the next poll, a `kick()` (an enqueue in this process) or a finished job
 * frees a slot. `kick()` only sets a wake flag: a burst of kicks during a claim costs one more claim, never
 * one more loop. While a job runs its lease is renewed, so a slow job is never taken over while its
 * worker lives; a crashed worker's job is taken over once its lease runs out.
 */
export function startJobWorker(opts: JobWorkerOptions) {
  const { store, handlers, log } = opts;
  const pollMs = opts.pollMs ?? 1000;
  const leaseMs = opts.leaseMs ?? 60_000;
  const concurrency = Math.max(1, opts.concurrency ?? 1);
  const retentionIntervalMs = opts.retentionIntervalMs ?? 10 * 60_000;
  const kinds = Object.keys(handlers);
  const inflight = new Map<number, Promise<void>>();
  const aborts = new Set<AbortController>();
  let stopped = false;
  /** set when `stop(graceMs)` ran out of time: the jobs it aborted are released, not failed */
  let cutting = false;
  let wake = false;
  let wakeUp: (() => void) | undefined;
  let lastPrune = 0;

  const signalWake = () => {
    wake = true;
    wakeUp?.();
  };

  async function run(job: Job): Promise<void> {
    const abort = new AbortController();
    aborts.add(abort);
    const heartbeat = setInterval(() => {
      renewLease(store, job, leaseMs).then(
        (ours) => {
          if (!ours && !abort.signal.aborted) {
            log.warn('job lease lost; another worker has it now', { kind: job.kind, id: job.id });
            abort.abort(new Error('job lease lost'));
          }
        },
        (err: Error) => log.warn('job lease not renewed', { kind: job.kind, id: job.id, err: err.message }),
      );
    }, Math.max(50, Math.floor(leaseMs / 3)));
    try {
      await handlers[job.kind]!(job, abort.signal);
      await completeJob(store, job.id, job.attempts);
      count('jobs.completed');
    } catch (err) {
      if (cutting && abort.signal.aborted) {
        log.warn('job cut short by shutdown; released for another instance', { kind: job.kind, id: job.id });
        count('jobs.released');
        await releaseJob(store, job).catch((e: Error) => log.warn('job not released; its lease will run out', { id: job.id, err: e.message }));
        return;
      }
      log.warn('job failed; will retry', { kind: job.kind, id: job.id, attempts: job.attempts, err: (err as Error).message });
      count('jobs.failed');
      // when this fails too (the store is away), the lease runs out and the job runs again
      await failJob(store, job, (err as Error).message, opts.maxAttempts).catch((e: Error) => log.warn('job failure not recorded', { id: job.id, err: e.message }));
    } finally {
      clearInterval(heartbeat);
      aborts.delete(abort);
    }
  }

  async function prune() {
    if (!opts.retentionHours || Date.now() - lastPrune < retentionIntervalMs) return;
    lastPrune = Date.now();
    try {
      const n = await pruneJobs(store, opts.retentionHours);
      if (n) log.info('finished jobs pruned', { count: n, retentionHours: opts.retentionHours });
    } catch (err) {
      log.warn('finished jobs not pruned', { err: (err as Error).message });
    }
  }

  async function loop() {
    while (!stopped) {
      wake = false;
      const free = concurrency - inflight.size;
      if (free > 0) {
        let jobs: Job[] = [];
        try {
          count('jobs.claims');
          jobs = await claimJobs(store, kinds, free, leaseMs);
        } catch (err) {
          if (!stopped) log.error('job worker poll failed', { err: (err as Error).message });
          wake = false; // a failing store is asked again at the next poll, not in a tight loop
        }
        for (const job of jobs) {
          const p = run(job).finally(() => {
            inflight.delete(job.id);
            signalWake(); // a free slot: look for more
          });
          inflight.set(job.id, p);
        }
        if (jobs.length === free && !stopped) continue; // there may be more due right now
        await prune();
      }
      if (wake || stopped) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeUp = undefined;
    }
  }

  const running = loop();

  return {
    /** wakes the loop at once (after an enqueue in this process); many kicks wake it once */
    kick() {
      if (!stopped) signalWake();
    },
    /** jobs running right now */
    get active() {
      return inflight.size;
    },
    /**
     * Claims nothing more and waits for the running jobs; with `graceMs` (a drain: SHUTDOWN_GRACE_MS) jobs
     * still running then are aborted and released, so another instance takes them over at once.
     */
    async stop(graceMs?: number) {
      stopped = true;
      wakeUp?.();
      await running;
      const all = Promise.allSettled([...inflight.values()]);
      if (graceMs === undefined) {
        await all;
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const over = await Promise.race([all.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)))]);
      clearTimeout(timer);
      if (!over) return;
      log.warn('drain grace over: aborting running jobs', { jobs: inflight.size, graceMs });
      cutting = true;
      for (const a of aborts) a.abort(new Error('the worker is shutting down'));
      await Promise.race([all, new Promise((r) => setTimeout(r, 2_000).unref())]);
    },
  };
}
