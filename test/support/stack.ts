import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnService, waitForHttp, type ChildService } from './processes';

/**
 * The whole system, or the part a test names, as separate processes on free ports — the same entry
 * points `npm start` runs. Sandboxes first, then subgraphs, then the gateway, each awaited on its
 * health route.
 */
export interface StackOptions {
  sandboxes?: string[];
  subgraphs?: string[];
  gateway?: boolean;
  env?: Record<string, string>;
}

export interface Stack {
  env: Record<string, string>;
  services: ChildService[];
  gatewayUrl: string;
  sandboxUrl(vendor: string): string;
  subgraphUrl(name: string): string;
  stop(): Promise<void>;
  /** stops and starts one service again with the same environment */
  restart(name: string): Promise<void>;
}

const entryOf = (name: string) =>
  name === 'gateway' ? 'gateway/main.ts' : name.endsWith('-sandbox') ? `vendors/${name.replace(/-sandbox$/, '')}/sandbox/main.ts` : `subgraphs/${name}/main.ts`;
const healthOf = (name: string, port: number) => (name.endsWith('-sandbox') ? `http://127.0.0.1:${port}/__sandbox/stats` : `http://127.0.0.1:${port}/healthz`);
const portVar = (name: string) => (name === 'gateway' ? 'GATEWAY_PORT' : name.endsWith('-sandbox') ? `${name.replace(/-sandbox$/, '').toUpperCase()}_SANDBOX_PORT` : `${name.toUpperCase()}_PORT`);

export async function startStack(opts: StackOptions): Promise<Stack> {
  const sandboxNames = (opts.sandboxes ?? []).map((v) => `${v}-sandbox`);
  const subgraphNames = opts.subgraphs ?? [];
  const names = [...sandboxNames, ...subgraphNames, ...(opts.gateway ? ['gateway'] : [])];
  const env: Record<string, string> = {
    DATA_DIR: mkdtempSync(join(tmpdir(), 'switchboard-')),
    // Test files share one Redis and one source address (127.0.0.1): each stack counts its own rate limits,
    // and only a test about rate limits (test/rate-limit.e2e.ts) sets them low.
    GATEWAY_RATE_LIMIT_PREFIX: `switchboard:test-rate:${randomUUID()}`,
    GATEWAY_RATE_LIMIT_ANONYMOUS: '1000000',
    GATEWAY_RATE_LIMIT_AUTHENTICATED: '1000000',
    VITEC_INTAKE_RATE_PER_OFFICE: '1000000',
    VITEC_INTAKE_RATE_PER_ADDRESS: '1000000',
    // Each stack caches vendor reads under its own Redis prefix; and tests count vendor calls and inject
    // vendor faults per request, so the MMP vehicle and OZmap box caches are off unless a test turns them on
    // (test/vendor-cache.e2e.ts). Regions and the blacklist keep their production default.
    VENDOR_CACHE_PREFIX: `switchboard:test-vendor-cache:${randomUUID()}:`,
    // Vendor tokens too: a token is cached by the vendor's token URL, and a later stack's sandbox may get a
    // port an earlier one had — its tokens (valid for hours in the shared Redis) would then be refused once
    // (401, dropped, fetched again), one vendor call more than a test counts.
    TOKEN_CACHE_PREFIX: `switchboard:test-token:${randomUUID()}:`,
    MMP_VEHICLE_CACHE_TTL_S: '0',
    COVERAGE_BOX_CACHE_S: '0',
    ...opts.env,
  };
  const ports: Record<string, number> = {};
  for (const n of names) {
    ports[n] = await freePort();
    env[portVar(n)] = String(ports[n]);
  }
  // Vendors' base URLs point at their sandboxes; subgraph URLs at the test's ports.
  for (const s of sandboxNames) {
    const vendor = s.replace(/-sandbox$/, '').toUpperCase();
    env[`${vendor}_BASE_URL`] ??= `http://127.0.0.1:${ports[s]}`;
  }
  for (const s of subgraphNames) env[`${s.toUpperCase()}_URL`] = `http://127.0.0.1:${ports[s]}/graphql`;

  const services: ChildService[] = [];
  const start = async (n: string) => {
    const svc = spawnService(n, entryOf(n), env);
    try {
      await waitForHttp(healthOf(n, ports[n]!), 45_000, svc.child);
    } catch (err) {
      await svc.stop('SIGKILL');
      throw new Error(`${n} failed to start: ${(err as Error).message}\n${svc.output()}`);
    }
    return svc;
  };
  const stop = async () => {
    await Promise.all(services.map((s) => s.stop()));
  };
  try {
    // Sandboxes are independent: start them together. Subgraphs too. The gateway needs the subgraphs.
    services.push(...(await Promise.all(sandboxNames.map(start))));
    services.push(...(await Promise.all(subgraphNames.map(start))));
    if (opts.gateway) services.push(await start('gateway'));
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    env,
    services,
    gatewayUrl: `http://127.0.0.1:${ports.gateway}/graphql`,
    sandboxUrl: (vendor) => `http://127.0.0.1:${ports[`${vendor}-sandbox`]}`,
    subgraphUrl: (name) => `http://127.0.0.1:${ports[name]}/graphql`,
    stop,
    async restart(name) {
      const i = services.findIndex((s) => s.name === name);
      if (i < 0) throw new Error(`no service ${name}`);
      await services[i]!.stop();
      services[i] = await start(name);
    },
  };
}
