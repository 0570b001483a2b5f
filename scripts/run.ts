/**
 * One entry point for every process, chosen by argument: `tsx scripts/run.ts <service>` starts the
 * gateway, a subgraph or a vendor sandbox by its name in `platform/topology.ts`. The container image runs
 * this, so one image serves every process. It also records the process's own health URL in a file the
 * image's HEALTHCHECK reads (a health check runs without the process's arguments).
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../platform/config';
import { allServices } from '../platform/topology';

const name = process.argv[2];
const spec = allServices.find((s) => s.name === name);
if (!spec) {
  process.stderr.write(`usage: run <service>, one of: ${allServices.map((s) => s.name).join(', ')}\n`);
  process.exit(64);
}

let healthFile: string | undefined;
try {
  const config = loadConfig(process.env);
  const host = ['0.0.0.0', '::'].includes(config.BIND_ADDRESS) ? '127.0.0.1' : config.BIND_ADDRESS;
  const path = spec.kind === 'sandbox' ? '/__sandbox/stats' : '/healthz';
  healthFile = join(tmpdir(), 'switchboard.health');
  writeFileSync(healthFile, `http://${host.includes(':') ? `[${host}]` : host}:${spec.port(config)}${path}\n`);
} catch {
  // A bad configuration is reported by the service's own bootstrap below, with every bad variable.
}
await import(`../${spec.entry}`);
