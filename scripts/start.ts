/**
 * `npm start`: every vendor sandbox, every subgraph and the gateway as separate processes on the
 * default ports, with prefixed output. Ctrl-C (or SIGTERM) stops every child; if one child dies, the
 * rest are stopped too, so a half-started system never pretends to work.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadConfig, localUrl } from '../platform/config';
import { allServices, sandboxes, subgraphs } from '../platform/topology';
import { explorerSetting } from '../gateway/plugins/use-explorer';

const config = loadConfig(process.env);
const colours = [36, 32, 33, 35, 34, 96, 92, 93, 95, 94, 91];
const children: { name: string; child: ChildProcess }[] = [];
let stopping = false;

const services = allServices.filter((s) => {
  if (existsSync(s.entry)) return true;
  process.stderr.write(`skipping ${s.name}: ${s.entry} does not exist yet\n`);
  return false;
});

function prefix(name: string, colour: number, stream: NodeJS.ReadableStream, out: NodeJS.WritableStream) {
  let buf = '';
  stream.on('data', (b: Buffer) => {
    buf += b.toString();
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const line of lines) out.write(`\x1b[${colour}m${name.padEnd(22)}\x1b[0m ${line}\n`);
  });
}

async function waitHealthy(url: string, child: ChildProcess) {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not healthy after 60 s`);
}

function stopAll(code: number) {
  if (stopping) return;
  stopping = true;
  for (const { child } of children) if (child.exitCode === null) child.kill('SIGTERM');
  const force = setTimeout(() => {
    for (const { child } of children) if (child.exitCode === null) child.kill('SIGKILL');
    process.exit(code);
  }, 6_000);
  Promise.all(children.map(({ child }) => (child.exitCode !== null ? null : new Promise((r) => child.once('exit', r))))).then(() => {
    clearTimeout(force);
    process.exit(code);
  });
}

process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

async function launch(group: typeof services) {
  await Promise.all(
    group.map(async (svc) => {
      const i = services.indexOf(svc);
      // graphql-js skips its development-only checks under NODE_ENV=production (about 9% of CPU per request).
      const child = spawn(process.execPath, ['--import', 'tsx', svc.entry], { env: { NODE_ENV: 'production', ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push({ name: svc.name, child });
      prefix(svc.name, colours[i % colours.length]!, child.stdout!, process.stdout);
      prefix(svc.name, colours[i % colours.length]!, child.stderr!, process.stderr);
      child.on('exit', (code, signal) => {
        if (stopping) return;
        process.stderr.write(`${svc.name} exited (${signal ?? code}); stopping everything\n`);
        stopAll(1);
      });
      const port = svc.port(config);
      await waitHealthy(svc.kind === 'sandbox' ? localUrl(port, '/__sandbox/stats') : localUrl(port, '/healthz'), child);
    }),
  );
}

try {
  await launch(services.filter((s) => s.kind === 'sandbox'));
  await launch(services.filter((s) => s.kind === 'subgraph'));
  await launch(services.filter((s) => s.kind === 'gateway'));
} catch (err) {
  process.stderr.write(`start failed: ${(err as Error).message}\n`);
  stopAll(1);
}

if (!stopping) {
  const up = (s: { entry: string }) => services.some((x) => x.entry === s.entry);
  const lines = [
    '',
    'Switchboard is running',
    `  ${(explorerSetting(config) ? 'gateway (GraphQL; GraphiQL in a browser)' : 'gateway (GraphQL; GATEWAY_EXPLORER=true for UI)').padEnd(47)} http://localhost:${config.GATEWAY_PORT}/graphql`,
    `  subscriptions (graphql-ws)                      ws://localhost:${config.GATEWAY_PORT}/graphql`,
    ...subgraphs.filter(up).map((s) => `  subgraph ${s.name.padEnd(39)}${localUrl(s.port(config), '/graphql')}`),
    ...sandboxes.filter(up).map((s) => `  sandbox ${s.name.replace(/-sandbox$/, '').padEnd(40)}${localUrl(s.port(config))}`),
    `  store: ${config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.DATA_DIR}/`}; tokens: ${config.REDIS_URL ? 'Redis (REDIS_URL)' : 'in-process memory'}`,
    '',
    'Try:',
    `  curl -s localhost:${config.GATEWAY_PORT}/graphql -H 'content-type: application/json' \\`,
    `    -d '{"query":"{ vehicle(plate: \\"ABC123\\") { plate information { vin lastVisitMileage } forecasts { label } } }"}'`,
    '  More (Customer, Capacity, Coverage, following an order live with the partner key sb_dev_partner_key): README.md',
    '',
    'Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}
