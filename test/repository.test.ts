import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { composeSubgraphsFromFiles } from '../scripts/compose-lib';
import { loadConfig } from '../platform/config';
import { renderEnvExample } from '../scripts/env-example-lib';
import { repoRoot } from './support/processes';

/** What is generated and committed must match its sources; otherwise CI fails here. */
describe('generated files are up to date', () => {
  it('schema/supergraph.graphql matches the composed subgraphs', () => {
    const { supergraphSdl, subgraphNames } = composeSubgraphsFromFiles(repoRoot);
    expect(subgraphNames).toEqual(['vehicle', 'customer', 'capacity', 'order', 'coverage']);
    expect(readFileSync(`${repoRoot}/schema/supergraph.graphql`, 'utf8'), 'run `npm run compose` and commit').toBe(supergraphSdl);
  });

  it('resolver types match the subgraph schemas (graphql-codegen --check)', () => {
    const run = () => execFileSync(process.execPath, [`${repoRoot}/node_modules/@graphql-codegen/cli/cjs/bin.js`, '--config', 'codegen.ts', '--check'], { cwd: repoRoot, stdio: 'pipe' });
    expect(run, 'run `npm run codegen` and commit').not.toThrow();
  }, 60_000);

  it('.env.example documents every variable the config reads', () => {
    expect(readFileSync(`${repoRoot}/.env.example`, 'utf8'), 'run `npm run env:example` and commit').toBe(renderEnvExample());
  });

  it('.env.example loads through the real config loader and means the same as an empty environment', () => {
    // node:util parseEnv reads dotenv syntax as `node --env-file` does; every value must be one the parser accepts.
    const env = parseEnv(readFileSync(`${repoRoot}/.env.example`, 'utf8'));
    expect(env.VITEC_CUSTOMERS).toBe('M123:token,M124:basic,M125:none,M200:token');
    expect(Object.values(env).join('\n')).not.toContain('[object');
    expect(loadConfig(env)).toEqual(loadConfig({}));
  });
});

/**
 * The layout rules of docs/CONVENTIONS.md, checked on the files in the repository (imports are read from the
 * source text: `from '…'`, `import('…')`, resolved relative to the importing file).
 */
describe('layout rules', () => {
  const skip = new Set(['node_modules', '.git', '.data', 'schema']);
  const walk = (dir: string): string[] =>
    readdirSync(join(repoRoot, dir), { withFileTypes: true }).flatMap((e) => {
      if (skip.has(e.name)) return [];
      const path = dir ? `${dir}/${e.name}` : e.name;
      return e.isDirectory() ? walk(path) : [path];
    });
  const files = walk('').filter((f) => f.endsWith('.ts'));
  const isTest = (f: string) => /\.(test|e2e|bench)\.ts$/.test(f) || f.startsWith('test/') || f.startsWith('bench/');
  /** Production code: what the container image runs (Dockerfile copies these folders; .dockerignore drops tests). */
  const production = files.filter((f) => /^(gateway|platform|subgraphs|vendors|scripts)\//.test(f) && !isTest(f));
  const importsOf = (f: string): string[] => {
    const text = readFileSync(join(repoRoot, f), 'utf8');
    const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'([^']+)'/g)].map((m) => m[1]!);
    return specs.filter((s) => s.startsWith('.')).map((s) => relative(repoRoot, resolve(repoRoot, dirname(f), s)));
  };
  const domains = readdirSync(join(repoRoot, 'subgraphs')).filter((d) => statSync(join(repoRoot, 'subgraphs', d)).isDirectory());
  const vendors = readdirSync(join(repoRoot, 'vendors')).filter((d) => statSync(join(repoRoot, 'vendors', d)).isDirectory());

  it('finds the five domains and five vendors it checks', () => {
    expect(domains.sort()).toEqual(['capacity', 'coverage', 'customer', 'order', 'vehicle']);
    expect(vendors.sort()).toEqual(['carsys', 'customerconnect', 'mmp', 'ozmap', 'vitec']);
  });

  it('production code never imports test/ (or bench/)', () => {
    const bad = production.flatMap((f) => importsOf(f).filter((i) => /^(test|bench)\//.test(i)).map((i) => `${f} → ${i}`));
    expect(bad).toEqual([]);
  });

  it('vendors/ is wire only: no file under it (tests included) imports a subgraph or the gateway', () => {
    const bad = files.filter((f) => f.startsWith('vendors/')).flatMap((f) => importsOf(f).filter((i) => /^(subgraphs|gateway)\//.test(i)).map((i) => `${f} → ${i}`));
    expect(bad).toEqual([]);
  });

  it('a subgraph never imports another subgraph, and platform/ imports no domain, vendor or gateway', () => {
    const bad = files.flatMap((f) => {
      const own = /^subgraphs\/([^/]+)\//.exec(f)?.[1];
      return importsOf(f)
        .filter((i) => (own ? i.startsWith('subgraphs/') && !i.startsWith(`subgraphs/${own}/`) : false) || (f.startsWith('platform/') && /^(subgraphs|vendors|gateway)\//.test(i)))
        .map((i) => `${f} → ${i}`);
    });
    expect(bad).toEqual([]);
  });

  it('only main.ts entry points and platform/config read process.env in production code', () => {
    const bad = production.filter((f) => !f.endsWith('/main.ts') && !f.startsWith('platform/config/') && !f.startsWith('scripts/') && /process\.env\b/.test(readFileSync(join(repoRoot, f), 'utf8')));
    expect(bad).toEqual([]);
  });

  it('every domain has the same files for the same ideas; a domain with migrations has a store.ts that names them', () => {
    const core = ['clients.ts', 'context.ts', 'loaders.ts', 'mappers.ts', 'subgraph.ts', 'main.ts', 'resolvers.generated.ts'];
    const missing = domains.flatMap((d) => {
      const has = (name: string) => existsSync(join(repoRoot, 'subgraphs', d, name));
      const gaps = [...core, `${d}.graphql`].filter((n) => !has(n));
      if (!has('resolvers.ts') && !has('resolvers')) gaps.push('resolvers.ts');
      if (has('migrations') !== has('store.ts')) gaps.push(has('migrations') ? 'store.ts' : 'migrations/');
      if (has('store.ts') && has('migrations') && !new RegExp(`export const ${d}Migrations = migrationsFolder\\(import\\.meta\\.url\\)`).test(readFileSync(join(repoRoot, 'subgraphs', d, 'store.ts'), 'utf8'))) gaps.push(`store.ts: ${d}Migrations`);
      if (has('clients.ts') && !new RegExp(`export function create${d[0]!.toUpperCase()}${d.slice(1)}Clients\\(`).test(readFileSync(join(repoRoot, 'subgraphs', d, 'clients.ts'), 'utf8'))) gaps.push('clients.ts: create<Domain>Clients');
      return gaps.map((g) => `subgraphs/${d}/${g}`);
    });
    expect(missing).toEqual([]);
  });

  it("migrations live beside their domain (the platform's only in platform/db), in the domain's number range, with unique names", () => {
    const ranges: Record<string, [number, number]> = { order: [100, 199], customer: [200, 299], coverage: [300, 399], capacity: [400, 499] };
    const all = walk('').filter((f) => f.endsWith('.sql'));
    const names = all.map((f) => f.split('/').at(-1)!);
    expect(new Set(names).size, 'schema_migrations records file names: they must be unique').toBe(names.length);
    const misplaced = all.filter((f) => {
      const m = /^subgraphs\/([^/]+)\/migrations\/(\d+)_[\w-]+\.sql$/.exec(f);
      if (m) return !ranges[m[1]!] || Number(m[2]) < ranges[m[1]!]![0] || Number(m[2]) > ranges[m[1]!]![1];
      return !/^platform\/db\/migrations\/0\d\d_[\w-]+\.sql$/.test(f);
    });
    expect(misplaced).toEqual([]);
  });

  it('every vendor has a README that stands alone and lists its deliberate differences from the seed', () => {
    const bad = vendors.flatMap((v) => {
      const path = join(repoRoot, 'vendors', v, 'README.md');
      if (!existsSync(path)) return [`vendors/${v}/README.md is missing`];
      const text = readFileSync(path, 'utf8');
      const problems: string[] = [];
      if (!/^## Deliberate differences from the seed$/m.test(text)) problems.push(`vendors/${v}/README.md has no "Deliberate differences from the seed" section`);
      if (!/^## The contract we rely on/m.test(text)) problems.push(`vendors/${v}/README.md has no "The contract we rely on" section`);
      if (/\.\.\/shared|\/work\/shared|seeds\//.test(text)) problems.push(`vendors/${v}/README.md points outside the repository`);
      return problems;
    });
    expect(bad).toEqual([]);
  });

  it('request bodies are read by platform/http-body.ts only', () => {
    const bad = production.filter((f) => f !== 'platform/http-body.ts' && /for await \(const \w+ of req\b|\breq\.on\(\s*'data'/.test(readFileSync(join(repoRoot, f), 'utf8')));
    expect(bad).toEqual([]);
  });
});
