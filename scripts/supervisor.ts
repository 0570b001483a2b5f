import type { ChildProcess } from 'node:child_process';

/**
 * Keeps one child process running: when it dies it is started again after a backoff that doubles from
 * `initialMs` up to `maxMs`, and goes back to `initialMs` once a run lasted `stableMs`. A child that exits
 * with `fatalExitCode` (2: bad configuration, see platform/process.ts `fatal`) is not restarted — it would
 * only fail again — and `onFatal` is told instead. `stop()` ends it for good (Ctrl-C).
 */
export interface SupervisorOptions {
  name: string;
  spawn: () => ChildProcess;
  /** one line for the operator, e.g. "order exited (1); restarting in 2 s (restart 3)" */
  say: (line: string) => void;
  onStart?: (child: ChildProcess) => void;
  onFatal?: (code: number) => void;
  initialMs?: number;
  maxMs?: number;
  stableMs?: number;
  fatalExitCode?: number;
}

export interface Supervised {
  readonly child: ChildProcess;
  readonly restarts: number;
  /** the next restart's delay, for tests and messages */
  readonly nextDelayMs: number;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function supervise(opts: SupervisorOptions): Supervised {
  const initialMs = opts.initialMs ?? 1_000;
  const maxMs = opts.maxMs ?? 30_000;
  const stableMs = opts.stableMs ?? 60_000;
  const fatalExitCode = opts.fatalExitCode ?? 2;
  let delay = initialMs;
  let restarts = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let child: ChildProcess;

  const start = () => {
    const startedAt = Date.now();
    child = opts.spawn();
    opts.onStart?.(child);
    child.once('exit', (code, signal) => {
      if (stopped) return;
      if (code === fatalExitCode) {
        opts.say(`${opts.name} exited (${code}: bad configuration); not restarting it`);
        opts.onFatal?.(code);
        return;
      }
      if (Date.now() - startedAt >= stableMs) delay = initialMs;
      restarts++;
      opts.say(`${opts.name} exited (${signal ?? code}); restarting in ${delay >= 1000 ? `${delay / 1000} s` : `${delay} ms`} (restart ${restarts})`);
      timer = setTimeout(() => {
        if (!stopped) start();
      }, delay);
      delay = Math.min(delay * 2, maxMs);
    });
  };
  start();

  return {
    get child() {
      return child;
    },
    get restarts() {
      return restarts;
    },
    get nextDelayMs() {
      return delay;
    },
    stop(signal: NodeJS.Signals = 'SIGTERM') {
      stopped = true;
      clearTimeout(timer);
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill(signal);
      });
    },
  };
}
