import { spawnSync } from 'node:child_process';

/**
 * Prometheus's own checker (`promtool`, Debian package `prometheus`; .ci/run installs it). Present on CI
 * (a test fails when it is missing there); a developer machine without it skips only the promtool part.
 */
export function promtool(): { available: boolean; run(args: string[], input?: string): { status: number | null; output: string } } {
  const probe = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  const available = probe.status === 0;
  if (!available && process.env.CI) throw new Error('promtool is missing: install the Debian package `prometheus` (.ci/run does)');
  return {
    available,
    run(args, input) {
      const r = spawnSync('promtool', args, { input, encoding: 'utf8' });
      return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
    },
  };
}
