/**
 * Composes the subgraph schemas into schema/supergraph.graphql with @apollo/composition.
 * `--check` composes in memory and fails when the committed file differs (CI and a test use it).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { composeSubgraphsFromFiles } from './compose-lib';

const check = process.argv.includes('--check');
const target = 'schema/supergraph.graphql';
const { supergraphSdl, subgraphNames } = composeSubgraphsFromFiles();
const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
if (check) {
  if (current !== supergraphSdl) {
    process.stderr.write(`${target} is stale: run \`npm run compose\` and commit the result\n`);
    process.exit(1);
  }
  process.stdout.write(`${target} is up to date (${subgraphNames.join(', ')})\n`);
} else {
  writeFileSync(target, supergraphSdl);
  process.stdout.write(`wrote ${target} from ${subgraphNames.join(', ')}\n`);
}
