import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
