/**
 * `npm start`: every vendor sandbox, every subgraph and the gateway as separate processes on the
 * default ports, with prefixed output. A supervisor, not a domino: a child that dies is started again
 * with a backoff (1 s doubling to 30 s; scripts/supervisor.ts) and the others keep serving. Ctrl-C (or
 * SIGTERM) stops every child. A child that exits on bad configuration (exit 2) stops everything, since a
 * restart would fail the same way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadConfig, localUrl } from '../platform/config';
import { allServices, sandboxes, subgraphs } from '../platform/topology';
import { supervise, type Supervised } from './supervisor';
import { explorerSetting } from '../gateway/plugins/use-explorer';

const config = loadConfig(process.env);
const colours = [36, 32, 33, 35, 34, 96, 92, 93, 95, 94, 91];
const children: { name: string; kind: string; supervised: Supervised }[] = [];
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

async function waitHealthy(url: string, supervised: Supervised, fatal: () => boolean) {
  for (let i = 0; i < 600; i++) {
    if (fatal()) throw new Error('exited on its configuration');
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet (or being restarted) */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not healthy after 60 s (${supervised.restarts} restarts)`);
}

/**
 * Drains in the order traffic flows: the gateway first (its in-flight requests still reach the subgraphs),
 * then the subgraphs (running jobs finish or are released), then the sandboxes. Each child drains within
 * SHUTDOWN_DELAY_MS + SHUTDOWN_GRACE_MS (platform/drain.ts); past both tiers' bound, what is left is killed.
 */
function stopAll(code: number) {
  if (stopping) return;
  stopping = true;
  const tierMs = config.SHUTDOWN_DELAY_MS + config.SHUTDOWN_GRACE_MS;
  const force = setTimeout(() => {
    for (const { supervised } of children) if (supervised.child.exitCode === null) supervised.child.kill('SIGKILL');
    process.exit(code);
  }, 2 * tierMs + 6_000);
  const stopKind = (kind: string) => Promise.all(children.filter((c) => c.kind === kind).map(({ supervised }) => supervised.stop('SIGTERM')));
  stopKind('gateway')
    .then(() => stopKind('subgraph'))
    .then(() => stopKind('sandbox'))
    .then(() => {
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
      const colour = colours[i % colours.length]!;
      let fatal = false;
      const supervised = supervise({
        name: svc.name,
        // graphql-js skips its development-only checks under NODE_ENV=production (about 9% of CPU per request).
        spawn: () => spawn(process.execPath, ['--import', 'tsx', svc.entry], { env: { NODE_ENV: 'production', ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] }),
        onStart: (child: ChildProcess) => {
          prefix(svc.name, colour, child.stdout!, process.stdout);
          prefix(svc.name, colour, child.stderr!, process.stderr);
        },
        say: (line) => {
          if (!stopping) process.stderr.write(`\x1b[${colour}m${'supervisor'.padEnd(22)}\x1b[0m ${line}\n`);
        },
        onFatal: () => {
          fatal = true;
          if (!stopping) process.stderr.write(`${svc.name} cannot start with this configuration; stopping everything\n`);
          stopAll(1);
        },
      });
      children.push({ name: svc.name, kind: svc.kind, supervised });
      const port = svc.port(config);
      await waitHealthy(svc.kind === 'sandbox' ? localUrl(port, '/__sandbox/stats') : localUrl(port, '/healthz'), supervised, () => fatal);
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
    'A service that dies is restarted (backoff 1 s doubling to 30 s). Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}
