/**
 * The parts of bench/gateway.bench.ts that are worth testing on their own: spawning an engine from any
 * source tree, reading a process's CPU time and memory from /proc (so the load generator's own CPU and
 * memory are never counted), comparing two engines' answers, and one autocannon run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { waitForHttp } from '../test/support/processes';

/** `/proc/<pid>/stat` counts CPU in clock ticks; 100 per second on every Linux this runs on (`getconf CLK_TCK`). */
const CLK_TCK = 100;

/** CPU time (user + system) a process has used so far, in ms; its resident memory now, in MB. Linux only. */
export function procStats(pid: number): { cpuMs: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // the command name (field 2) may hold spaces: split after its closing parenthesis
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { cpuMs: ((utime + stime) * 1000) / CLK_TCK, rssMb: rssKb / 1024 };
}

export interface Engine {
  /** label in the table */
  name: string;
  /** GraphQL endpoint */
  url: string;
  /** the process whose CPU and memory count for this engine */
  pid: number;
  /** extra headers this engine needs (a direct subgraph call carries the signed caller header itself) */
  headers?: Record<string, string>;
  /** the queries this engine can answer (a subgraph alone answers only its own) */
  serves?: (query: string) => boolean;
  /** the request body this engine is sent for an operation (default: the operation itself), e.g. a trusted document's id */
  body?: (op: Operation) => Record<string, unknown>;
}

export interface SpawnedEngine {
  name: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/**
 * Starts `entry` of the source tree at `root` as its own Node process (`node [nodeArgs] --import tsx`),
 * with `env` over the current environment, and waits until it answers `{ __typename }` at `graphqlUrl`.
 */
export async function spawnEngine(opts: { name: string; root: string; entry: string; args?: string[]; nodeArgs?: string[]; env: Record<string, string>; graphqlUrl: string }): Promise<SpawnedEngine> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', join(opts.root, opts.entry), ...(opts.args ?? [])], {
    cwd: opts.root,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      // a graceful stop, so that `--cpu-prof` writes its profile on exit
      const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  try {
    // a GraphQL POST is what both engines answer (Apollo Server 5 has no health route)
    await waitForHttp(opts.graphqlUrl, 60_000, child, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
  } catch (err) {
    await stop();
    throw new Error(`${opts.name} failed to start: ${(err as Error).message}\n${out}`);
  }
  return { name: opts.name, child, output: () => out, stop };
}

/** The first path at which two JSON values differ (object keys in any order, lists in order), or undefined when equal. */
export function firstDifference(a: unknown, b: unknown, path = '$'): string | undefined {
  if (a === b) return undefined;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return `${path}: ${JSON.stringify(a)?.slice(0, 80)} ≠ ${JSON.stringify(b)?.slice(0, 80)}`;
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: list ≠ object`;
  if (Array.isArray(a)) {
    const bl = b as unknown[];
    if (a.length !== bl.length) return `${path}: ${a.length} items ≠ ${bl.length} items`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], bl[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) {
    if (!(k in ao) || !(k in bo)) return `${path}.${k}: only in ${k in ao ? 'the first' : 'the second'}`;
    const d = firstDifference(ao[k], bo[k], `${path}.${k}`);
    if (d) return d;
  }
  return undefined;
}

export interface Operation {
  query: string;
  variables: Record<string, unknown>;
}

async function post(url: string, body: unknown, headers: Record<string, string>): Promise<{ data?: unknown; errors?: unknown[] }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  try {
    return JSON.parse(text) as { data?: unknown; errors?: unknown[] };
  } catch {
    throw new Error(`non-JSON answer ${res.status} from ${url}: ${text.slice(0, 200)}`);
  }
}

/**
 * Asks every engine the same operations and checks they answer the same data with no errors: a benchmark
 * of engines that do different work would measure nothing. Returns one problem per line; empty when all agree.
 */
export async function compareEngines(engines: Engine[], ops: Operation[], headers: Record<string, string>): Promise<string[]> {
  const problems: string[] = [];
  for (const op of ops) {
    const answers = await Promise.all(engines.map((e) => post(e.url, e.body ? e.body(op) : op, { ...headers, ...e.headers })));
    answers.forEach((a, i) => {
      if (a.errors?.length) problems.push(`${engines[i]!.name} answered errors for ${JSON.stringify(op.variables).slice(0, 60)}: ${JSON.stringify(a.errors).slice(0, 300)}`);
      if (a.data == null) problems.push(`${engines[i]!.name} answered no data for ${JSON.stringify(op.variables).slice(0, 60)}`);
    });
    for (let i = 1; i < engines.length; i++) {
      const d = firstDifference(answers[0]!.data, answers[i]!.data);
      if (d) problems.push(`${engines[0]!.name} and ${engines[i]!.name} differ for ${JSON.stringify(op.variables).slice(0, 60)} at ${d}`);
    }
  }
  return problems;
}

export interface Measurement {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  /** CPU of the engine's process per completed request */
  cpuMsPerRequest: number;
  /** highest resident memory of the engine's process sampled during the run */
  rssMb: number;
  /** transport errors, timeouts, non-2xx answers and answers carrying GraphQL errors */
  errors: number;
}

/**
 * One autocannon run against an engine: `connections` clients, each request's body the next of `bodies`
 * (a counter shared by all connections, so the requests in flight at one time ask different things).
 */
export async function measure(engine: Engine, opts: { bodies: string[]; headers: Record<string, string>; connections: number; seconds: number }): Promise<Measurement> {
  let next = 0;
  let graphqlErrors = 0;
  let rssMb = procStats(engine.pid).rssMb;
  const sampler = setInterval(() => {
    rssMb = Math.max(rssMb, procStats(engine.pid).rssMb);
  }, 250);
  const before = procStats(engine.pid).cpuMs;
  const started = performance.now();
  const url = new URL(engine.url);
  try {
    const result = await autocannon({
      url: url.origin,
      connections: opts.connections,
      duration: opts.seconds,
      timeout: 30,
      requests: [
        {
          method: 'POST',
          path: url.pathname,
          headers: { 'content-type': 'application/json', accept: 'application/json', ...opts.headers, ...engine.headers },
          setupRequest: (req) => ({ ...req, body: opts.bodies[next++ % opts.bodies.length] }),
          // a 200 can still carry GraphQL errors: count them (a substring test keeps the load generator light)
          onResponse: (status, body) => {
            if (status === 200 && body.includes('"errors"')) graphqlErrors++;
          },
        },
      ],
    });
    const seconds = (performance.now() - started) / 1000;
    const cpuMs = procStats(engine.pid).cpuMs - before;
    const ok = result.requests.total;
    return {
      requests: ok,
      seconds,
      rps: ok / opts.seconds,
      p50: result.latency.p50,
      p99: result.latency.p99,
      cpuMsPerRequest: ok ? cpuMs / ok : NaN,
      rssMb,
      errors: result.errors + result.non2xx + graphqlErrors,
    };
  } finally {
    clearInterval(sampler);
  }
}

export const median = (xs: number[]) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
