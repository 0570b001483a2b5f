import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { supervise } from './supervisor';

const node = (code: string) => () => spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('supervisor (npm start)', () => {
  it('restarts a child that dies, with a doubling backoff up to the cap, and says so', async () => {
    const lines: string[] = [];
    const starts: number[] = [];
    const s = supervise({ name: 'crashy', spawn: node('process.exit(1)'), say: (l) => lines.push(l), onStart: () => starts.push(Date.now()), initialMs: 100, maxMs: 400 });
    await sleep(2_500);
    await s.stop();
    expect(s.restarts).toBeGreaterThanOrEqual(4);
    expect(lines[0]).toBe('crashy exited (1); restarting in 100 ms (restart 1)');
    expect(lines[1]).toContain('restarting in 200 ms');
    expect(lines[2]).toContain('restarting in 400 ms');
    expect(lines[3]).toContain('restarting in 400 ms'); // capped
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    expect(gaps[2]).toBeGreaterThanOrEqual(400);
  });

  it('a child killed by a signal is restarted; stop() ends it for good', async () => {
    const lines: string[] = [];
    const s = supervise({ name: 'svc', spawn: node('setInterval(() => {}, 1000)'), say: (l) => lines.push(l), initialMs: 50 });
    const first = s.child;
    first.kill('SIGKILL');
    await sleep(500);
    expect(s.child).not.toBe(first);
    expect(s.child.exitCode).toBeNull();
    expect(lines).toEqual(['svc exited (SIGKILL); restarting in 50 ms (restart 1)']);
    const second = s.child;
    await s.stop();
    expect(second.signalCode).toBe('SIGTERM');
    await sleep(200);
    expect(s.child).toBe(second); // not restarted after stop
  });

  it('does not restart a child that failed on its configuration (exit 2)', async () => {
    const lines: string[] = [];
    let fatal: number | undefined;
    const s = supervise({ name: 'bad', spawn: node('process.exit(2)'), say: (l) => lines.push(l), onFatal: (c) => (fatal = c), initialMs: 50 });
    await sleep(600);
    expect(fatal).toBe(2);
    expect(s.restarts).toBe(0);
    expect(lines).toEqual(['bad exited (2: bad configuration); not restarting it']);
  });
});
