import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForHttp } from './processes';

/**
 * HAProxy (Debian's package, `/usr/sbin/haproxy`) in front of replicas on loopback, as a real deployment's
 * load balancer or a Kubernetes Service would be: one frontend port per pool, round robin, an active
 * health check on each replica's `/readyz` every 300 ms (two 503s of a draining replica take it out before
 * its port closes: SHUTDOWN_DELAY_MS above 600 ms), and a retry on another replica when a connection is refused or answered with nothing
 * (a replica killed mid-request). Runs unprivileged in the foreground with a generated config.
 */
export const HAPROXY = process.env.HAPROXY_BIN ?? '/usr/sbin/haproxy';

export interface Pool {
  name: string;
  servers: { name: string; port: number }[];
}

export interface LoadBalancer {
  /** the frontend port of a pool */
  port(pool: string): number;
  url(pool: string, path?: string): string;
  /** each server's state as HAProxy sees it (`UP`, `DOWN`, `MAINT`, …), from its stats page */
  states(): Promise<Record<string, string>>;
  /** per pool, requests HAProxy retried on a replica (`wretr`) or sent to another one (`wredis`) */
  retries(): Promise<Record<string, { retried: number; redispatched: number }>>;
  stop(): Promise<void>;
}

/** `retry: false` turns HAProxy's retries off, to see what a replica's death costs behind a balancer without them. */
export async function startHaproxy(pools: Pool[], opts: { retry?: boolean } = {}): Promise<LoadBalancer> {
  const ports = new Map<string, number>();
  for (const p of pools) ports.set(p.name, await freePort());
  const statsPort = await freePort();
  const lines = [
    'global',
    '  maxconn 4096',
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout tunnel 1h',
    '  timeout http-keep-alive 10s',
    // a check answers within 2 s (the gateway's /readyz asks every subgraph's); a busy replica is not 'down'
    '  timeout check 2s',
    ...(opts.retry === false ? ['  retries 0'] : ['  option redispatch', '  retries 3', '  retry-on conn-failure empty-response']),
    `frontend stats`,
    `  bind 127.0.0.1:${statsPort}`,
    '  stats enable',
    '  stats uri /stats',
    ...pools.flatMap((p) => [
      `frontend fe_${p.name}`,
      `  bind 127.0.0.1:${ports.get(p.name)}`,
      `  default_backend be_${p.name}`,
      `backend be_${p.name}`,
      '  balance roundrobin',
      '  option httpchk',
      '  http-check send meth GET uri /readyz',
      '  http-check expect status 200',
      '  default-server inter 300ms fastinter 300ms downinter 300ms fall 2 rise 1',
      ...p.servers.map((s) => `  server ${s.name} 127.0.0.1:${s.port} check`),
    ]),
  ];
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-haproxy-'));
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(cfg, `${lines.join('\n')}\n`);
  const child: ChildProcess = spawn(HAPROXY, ['-f', cfg, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-5_000)));
  child.stderr!.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-5_000)));
  const statsUrl = `http://127.0.0.1:${statsPort}/stats`;
  try {
    await waitForHttp(statsUrl, 10_000, child);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`haproxy did not start: ${(err as Error).message}\n${out}`);
  }
  return {
    port: (pool) => ports.get(pool)!,
    url: (pool, path = '') => `http://127.0.0.1:${ports.get(pool)}${path}`,
    async retries() {
      const csv = await (await fetch(`${statsUrl};csv`)).text();
      const out: Record<string, { retried: number; redispatched: number }> = {};
      for (const row of csv.split('\n').slice(1)) {
        const cols = row.split(',');
        if (cols[0]?.startsWith('be_') && cols[1] === 'BACKEND') out[cols[0].slice(3)] = { retried: Number(cols[15] || 0), redispatched: Number(cols[16] || 0) };
      }
      return out;
    },
    async states() {
      const csv = await (await fetch(`${statsUrl};csv`)).text();
      const states: Record<string, string> = {};
      for (const row of csv.split('\n').slice(1)) {
        const [pxname, svname, , , , , , , , , , , , , , , , status] = row.split(',');
        if (pxname?.startsWith('be_') && svname && svname !== 'BACKEND') states[svname] = status ?? '';
      }
      return states;
    },
    stop() {
      return new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}
