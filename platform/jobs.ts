import type { Logger } from './logger';
import type { Queryable, Store } from './db';

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

export async function completeJob(db: Queryable, id: number): Promise<void> {
  await db.query('UPDATE jobs SET done_at = now(), locked_until = NULL WHERE id = $1', [id]);
}

/** Reschedules with exponential backoff; after `maxAttempts` the job is closed with its last error kept. */
export async function failJob(db: Queryable, job: Job, error: string, maxAttempts = 8): Promise<void> {
  const delayMs = Math.min(1000 * 2 ** (job.attempts - 1), 5 * 60_000);
  await db.query(
    `UPDATE jobs SET last_error = $2, locked_until = NULL,
       run_at = now() + ($3 || ' milliseconds')::interval,
       done_at = CASE WHEN attempts >= $4 THEN now() ELSE NULL END
     WHERE id = $1`,
    [job.id, error.slice(0, 2000), String(delayMs), maxAttempts],
  );
}

export type JobHandler = (job: Job) => Promise<void>;

/** Polls for ready jobs and runs them; `kick()` wakes it at once after an enqueue in this process. */
export function startJobWorker(opts: { store: Store; handlers: Record<string, JobHandler>; log: Logger; pollMs?: number; leaseMs?: number; batch?: number }) {
  const { store, handlers, log } = opts;
  const pollMs = opts.pollMs ?? 1000;
  const kinds = Object.keys(handlers);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  async function tick() {
    if (stopped) return;
    try {
      for (;;) {
        const jobs = await claimJobs(store, kinds, opts.batch ?? 10, opts.leaseMs ?? 60_000);
        if (!jobs.length) break;
        for (const job of jobs) {
          try {
            await handlers[job.kind]!(job);
            await completeJob(store, job.id);
          } catch (err) {
            log.warn('job failed; will retry', { kind: job.kind, id: job.id, attempts: job.attempts, err: (err as Error).message });
            await failJob(store, job, (err as Error).message);
          }
        }
        if (stopped) break;
      }
    } catch (err) {
      if (!stopped) log.error('job worker poll failed', { err: (err as Error).message });
    }
  }

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(schedule);
    }, pollMs);
  };
  running = tick().finally(schedule);

  return {
    kick() {
      if (stopped) return;
      clearTimeout(timer);
      const previous = running ?? Promise.resolve();
      running = previous.then(tick).finally(schedule);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}
