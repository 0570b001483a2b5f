import { readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { parse } from 'graphql';
import type { IncomingMessage } from 'node:http';
import { accessContextOf, enforceAccessDirectives } from '../../platform/access-directives';
import type { Logger } from '../../platform/logger';
import type { VendorCache } from '../../platform/vendor-cache';
import type { MmpClient } from '../../vendors/mmp/client';
import type { VehicleContext } from './context';
import { createVehicleLoaders } from './loaders';
import { resolvers } from './resolvers';

export const vehicleTypeDefs = parse(readFileSync(new URL('./vehicle.graphql', import.meta.url), 'utf8'));

/**
 * The Vehicle subgraph as a value: schema plus a per-request context factory. No env, no listening.
 * `vendorCache`: MMP vehicle reads shared across requests (raw MMP answers; access is checked per field).
 */
export function createVehicleSubgraph({ mmp, signingSecret, log, vendorCache }: { mmp: MmpClient; signingSecret: string; log: Logger; vendorCache?: VendorCache<unknown> }) {
  return {
    schema: enforceAccessDirectives(buildSubgraphSchema([{ typeDefs: vehicleTypeDefs, resolvers: resolvers as GraphQLResolverMap<unknown> }])),
    context: (req: IncomingMessage): VehicleContext => ({ loaders: createVehicleLoaders(mmp, vendorCache), ...accessContextOf(req.headers, { signingSecret, log }) }),
  };
}
