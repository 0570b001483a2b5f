import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { envSections, loadConfig } from '../platform/config';
import { allServices } from '../platform/topology';
import { freePort, repoRoot, waitForHttp } from './support/processes';

// The deployment files cannot be built or applied here (no image registry, no cluster); what can be
// checked offline is that they name real processes, real ports and real configuration variables, and
// that the Kubernetes objects select each other.
const knownVars = new Set(Object.values(envSections).flatMap((s) => Object.keys(s)));
const defaults = loadConfig({});
const portOf = (name: string) => allServices.find((s) => s.name === name)!.port(defaults);
const servers = allServices.filter((s) => s.kind !== 'sandbox').map((s) => s.name);
const read = (p: string) => readFileSync(join(repoRoot, p), 'utf8');

type K8sObject = { kind: string; metadata: { name: string }; spec?: any; data?: Record<string, string> };

describe('deployment files', () => {
  it('compose: every process of the topology, two replicas of the gateway and each subgraph, known variables, real ports', () => {
    const compose = parse(read('deploy/compose.yaml'), { merge: true }) as { services: Record<string, any> };
    const byCommand = new Map<string, any>();
    for (const svc of Object.values(compose.services)) if (Array.isArray(svc.command) && allServices.some((s) => s.name === svc.command[0])) byCommand.set(svc.command[0], svc);
    expect([...byCommand.keys()].sort()).toEqual(allServices.map((s) => s.name).sort());
    for (const name of servers) expect(byCommand.get(name).deploy?.replicas, name).toBeGreaterThanOrEqual(2);
    for (const [name, svc] of byCommand) {
      for (const [key, value] of Object.entries(svc.environment ?? {})) {
        expect(knownVars.has(key), `${name}: ${key} is not a configuration variable`).toBe(true);
        // An http://<service>:<port> reference names a compose service and listens where that process does.
        const m = /^https?:\/\/([a-z-]+):(\d+)/.exec(String(value));
        if (m && byCommand.has(m[1]!)) expect(Number(m[2]), `${name}: ${key}`).toBe(portOf(m[1]!));
        if (m) expect(Object.keys(compose.services), `${name}: ${key} points at ${m[1]}`).toContain(m[1]);
      }
      expect(svc.environment.BIND_ADDRESS, `${name} must listen beyond loopback`).toBe('0.0.0.0');
    }
  });

  it('compose: docker compose validates the file where the tool is installed', () => {
    const tool = ['docker-compose', 'docker'].find((t) => spawnSync(t, t === 'docker' ? ['compose', 'version'] : ['version']).status === 0);
    // CI installs Debian's docker-compose (.ci/run); elsewhere, without either tool, only the structural checks above run.
    if (!tool && !process.env.CI) return;
    expect(tool, 'docker-compose or docker compose is needed to validate deploy/compose.yaml').toBeDefined();
    const args = tool === 'docker' ? ['compose', '-f', 'deploy/compose.yaml', 'config', '-q'] : ['-f', 'deploy/compose.yaml', 'config', '-q'];
    const run = spawnSync(tool!, args, { cwd: repoRoot, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('kubernetes: a Deployment, Service and PodDisruptionBudget per server process that select each other, probes on the served port, known variables', () => {
    const kustomization = parse(read('deploy/k8s/kustomization.yaml')) as { resources: string[] };
    const objects: K8sObject[] = kustomization.resources.flatMap((f) => parseAllDocuments(read(`deploy/k8s/${f}`)).map((d) => d.toJS() as K8sObject));
    const of = (kind: string) => objects.filter((o) => o.kind === kind);
    const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

    const config = of('ConfigMap').find((c) => c.metadata.name === 'switchboard-config')!;
    for (const key of Object.keys(config.data!)) expect(knownVars.has(key), `ConfigMap key ${key}`).toBe(true);
    expect(config.data!.SWITCHBOARD_ENV).toBe('production');
    const secretKeys = read('deploy/k8s/secrets.env.example').split('\n').filter((l) => /^[A-Z]/.test(l)).map((l) => l.split('=')[0]!);
    for (const key of secretKeys) expect(knownVars.has(key), `Secret key ${key}`).toBe(true);

    expect(of('Deployment').map((d) => d.metadata.name).sort()).toEqual([...servers].sort());
    for (const d of of('Deployment')) {
      const labels = d.spec.template.metadata.labels;
      expect(matches(d.spec.selector.matchLabels, labels), `${d.metadata.name} selector`).toBe(true);
      expect(d.spec.replicas).toBeGreaterThanOrEqual(2);
      const [c] = d.spec.template.spec.containers;
      expect(c.args).toEqual([d.metadata.name]);
      expect(c.ports).toEqual([{ name: 'http', containerPort: portOf(d.metadata.name) }]);
      expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(c.envFrom).toEqual([{ configMapRef: { name: 'switchboard-config' } }, { secretRef: { name: 'switchboard-secrets' } }]);
      expect(d.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
      const services = of('Service').filter((s) => matches(s.spec.selector, labels));
      expect(services.map((s) => s.metadata.name)).toEqual([d.metadata.name]);
      expect(services[0]!.spec.ports).toEqual([{ name: 'http', port: portOf(d.metadata.name), targetPort: 'http' }]);
      const budgets = of('PodDisruptionBudget').filter((p) => matches(p.spec.selector.matchLabels, labels));
      expect(budgets).toHaveLength(1);
      expect(budgets[0]!.spec.minAvailable).toBeLessThan(d.spec.replicas);
    }
    // The URLs the gateway routes to are the Services' names and ports.
    for (const name of servers.filter((n) => n !== 'gateway')) expect(config.data![`${name.toUpperCase()}_URL`]).toBe(`http://${name}:${portOf(name)}/graphql`);
  });

  it('Dockerfile: multi-stage, runs as a non-root user, one entry point chosen by argument, copies what exists', () => {
    const docker = read('Dockerfile');
    expect(docker.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(docker).toMatch(/^USER node$/m);
    expect(docker).toMatch(/^ENTRYPOINT \["node", "--import", "tsx", "scripts\/run.ts"\]$/m);
    expect(docker).toMatch(/^HEALTHCHECK .*scripts\/healthcheck\.mjs/m);
    for (const [, src] of docker.matchAll(/^COPY (?!--from)(\S+)/gm)) for (const p of src!.split(' ')) expect(existsSync(join(repoRoot, p)), p).toBe(true);
  });
});

describe('scripts/run.ts, the image entry point', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('starts a process by name and its health check passes while it runs and fails after it stops', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'sb-run-'));
    dirs.push(tmp);
    const port = await freePort();
    const env = { ...process.env, TMPDIR: tmp, MMP_SANDBOX_PORT: String(port), LOG_LEVEL: 'warn' };
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/run.ts', 'mmp-sandbox'], { cwd: repoRoot, env, stdio: 'ignore' });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/__sandbox/stats`, 20_000, child);
      expect(readFileSync(join(tmp, 'switchboard.health'), 'utf8').trim()).toBe(`http://127.0.0.1:${port}/__sandbox/stats`);
      expect(spawnSync(process.execPath, ['scripts/healthcheck.mjs'], { cwd: repoRoot, env }).status).toBe(0);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    expect(spawnSync(process.execPath, ['scripts/healthcheck.mjs'], { cwd: repoRoot, env }).status).toBe(1);
  });

  it('refuses an unknown process name with usage', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/run.ts', 'nope'], { cwd: repoRoot, encoding: 'utf8' });
    expect(run.status).toBe(64);
    expect(run.stderr).toContain('gateway');
  });
});
