import type { Logger } from './logger';
import { count } from './metrics';

/** One kind of data past its retention: `run` deletes (or erases) it and answers how many rows went. */
export interface RetentionTask {
  name: string;
  run(): Promise<number>;
}

/**
 * Runs a service's retention tasks at start and then every `intervalMs`, one after the other. A failing
 * task (the database is away) is logged and tried again at the next pass; it never stops the others.
 * Every task deletes in batches by itself, so one pass never holds a long transaction.
 */
export function startRetention(opts: { tasks: RetentionTask[]; intervalMs: number; log: Logger }) {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  async function pass(): Promise<Record<string, number>> {
    const removed: Record<string, number> = {};
    for (const t of opts.tasks) {
      if (stopped) break;
      try {
        removed[t.name] = await t.run();
        if (removed[t.name]) {
          count(`retention.${t.name}`, removed[t.name]);
          opts.log.info('retention: removed what is past its retention', { task: t.name, rows: removed[t.name] });
        }
      } catch (err) {
        opts.log.warn('retention task failed; will retry at the next pass', { task: t.name, err: (err as Error).message });
      }
    }
    return removed;
  }

  const loop = () => {
    running = pass().then(() => {
      if (!stopped) {
        timer = setTimeout(loop, opts.intervalMs);
        timer.unref();
      }
    });
  };
  loop();

  return {
    /** one pass now (tests, or an operator's nudge) */
    runOnce: pass,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
