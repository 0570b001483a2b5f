import { readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { parse } from 'graphql';
import type { IncomingMessage } from 'node:http';
import { accessContextOf, enforceAccessDirectives } from '../../platform/access-directives';
import type { Logger } from '../../platform/logger';
import type { CustomerConnectClient } from '../../vendors/customerconnect/client';
import type { CapacityContext } from './context';
import { createCapacityLoaders } from './loaders';
import { resolvers } from './resolvers';

export const capacityTypeDefs = parse(readFileSync(new URL('./capacity.graphql', import.meta.url), 'utf8'));

/**
 * The Capacity subgraph as a value: schema plus a per-request context factory. No env, no listening,
 * no store: CustomerConnect holds the calendars, and the workshop id is the CustomerConnect userid.
 */
export function createCapacitySubgraph({ customerConnect, signingSecret, log }: { customerConnect: CustomerConnectClient; signingSecret: string; log: Logger }) {
  return {
    schema: enforceAccessDirectives(buildSubgraphSchema([{ typeDefs: capacityTypeDefs, resolvers: resolvers as GraphQLResolverMap<unknown> }])),
    context: (req: IncomingMessage): CapacityContext => ({ loaders: createCapacityLoaders(customerConnect), customerConnect, ...accessContextOf(req.headers, { signingSecret, log }) }),
  };
}
