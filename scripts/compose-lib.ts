import { existsSync, readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { loadConfig } from '../platform/config';
import { subgraphs } from '../platform/topology';

/** Composes every subgraph that has a schema file; throws with every composition error listed. */
export function composeSubgraphsFromFiles(root = process.cwd()): { supergraphSdl: string; subgraphNames: string[] } {
  // Default URLs only: the gateway overrides each subgraph's location from its own config at run time.
  const defaults = loadConfig({});
  const present = subgraphs.filter((s) => existsSync(`${root}/${s.schemaFile}`));
  const result = composeServices(
    present.map((s) => ({ name: s.name, url: s.url(defaults), typeDefs: parse(readFileSync(`${root}/${s.schemaFile}`, 'utf8')) })),
  );
  if (result.errors?.length) {
    throw new Error(`composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  }
  return { supergraphSdl: result.supergraphSdl!.trimEnd() + '\n', subgraphNames: present.map((s) => s.name) };
}
