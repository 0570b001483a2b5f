import { envSections, loadConfig, type Config } from './config';
import { productionRefusal } from './config/production';
import { DEFAULT_DRAIN, type DrainSettings } from './drain';
import { createLogger, type Logger } from './logger';
import { maskCredentials } from './mask-credentials';
import { collectProcessMetrics } from './metrics';
import { startTelemetry, stopTelemetry } from './telemetry';

let drainSettings: DrainSettings = DEFAULT_DRAIN;

/**
 * How this process drains on SIGTERM (SHUTDOWN_DELAY_MS, SHUTDOWN_GRACE_MS), recorded by `bootstrap`:
 * the servers of platform/ read it so every entry point drains the same way (platform/drain.ts).
 * Servers started in a test without `bootstrap` get the defaults (no delay, 10 s grace).
 */
export const shutdownSettings = (): DrainSettings => drainSettings;

/**
 * Runs `stop` once on SIGINT/SIGTERM and exits 0 (a graceful drain: platform/drain.ts). The same signal
 * again, or a stop that takes longer than the drain's delay + grace + 5 s, exits 1 at once — a process
 * that ignores Ctrl-C is worse than one that drops a request.
 */
export function onShutdown(log: Logger, stop: () => Promise<void>, graceMs = drainSettings.delayMs + drainSettings.graceMs + 5_000): void {
  let stopping: NodeJS.Signals | undefined;
  const handler = (signal: NodeJS.Signals) => {
    // In a terminal, Ctrl-C reaches every process of `npm start` and the start script then sends SIGTERM
    // too: only the same signal again (a second Ctrl-C) cuts the graceful stop short.
    if (stopping) {
      if (signal === stopping) process.exit(1);
      return;
    }
    stopping = signal;
    log.info('shutting down', { signal });
    const force = setTimeout(() => process.exit(1), graceMs);
    force.unref();
    stop()
      .then(() => stopTelemetry(log))
      .then(() => process.exit(0))
      .catch((err) => {
        log.error('shutdown failed', { err });
        process.exit(1);
      });
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** Reads and validates config, or prints every bad variable and exits 2 — the one startup failure mode. */
export function fatal(log: Logger, err: unknown): never {
  log.error('failed to start', { err: err instanceof Error ? err.message : String(err) });
  process.stderr.write(`${maskCredentials(err instanceof Error ? err.message : String(err))}\n`);
  process.exit(2);
}

/**
 * The first lines of every entry point: validated config and the service's logger, or every bad
 * variable printed and exit 2. `env` is handed in by the `main.ts` (the only files that read it).
 */
export function bootstrap(service: string, env: Record<string, string | undefined>): { config: Config; log: Logger } {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    return fatal(createLogger({ service }), err);
  }
  // Production mode with a development default in force: refuse before anything listens.
  const refusal = productionRefusal(config as unknown as Record<string, unknown>, envSections);
  if (refusal) return fatal(createLogger({ service }), new Error(refusal));
  // Node's process metrics on /metrics, every series labelled with the service.
  collectProcessMetrics(service);
  drainSettings = { delayMs: config.SHUTDOWN_DELAY_MS, graceMs: config.SHUTDOWN_GRACE_MS };
  const log = createLogger({ service }, config.LOG_LEVEL);
  startTelemetry(service, config, log);
  return { config, log };
}
