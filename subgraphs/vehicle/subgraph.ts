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
import { createRequestLoaders } from './loaders';
import { OPERATION_ID_HEADER } from '../../platform/request-context';
import { resolvers } from './resolvers';

export const vehicleTypeDefs = parse(readFileSync(new URL('./vehicle.graphql', import.meta.url), 'utf8'));

/**
 * The Vehicle subgraph as a value: schema plus a per-request context factory. No env, no listening.
 * `vendorCache`: MMP vehicle reads shared across requests (raw MMP answers; access is checked per field).
 */
export function createVehicleSubgraph({ mmp, signingSecret, log, requestLoaders, vendorCache }: { mmp: MmpClient; signingSecret: string; log: Logger; requestLoaders?: { maxRequests: number; ttlMs: number }; vendorCache?: VendorCache<unknown> }) {
  const loadersFor = createRequestLoaders(mmp, requestLoaders ?? { maxRequests: 1_000, ttlMs: 15_000 }, vendorCache);
  return {
    schema: enforceAccessDirectives(buildSubgraphSchema([{ typeDefs: vehicleTypeDefs, resolvers: resolvers as GraphQLResolverMap<unknown> }])),
    context: (req: IncomingMessage): VehicleContext => {
      const access = accessContextOf(req.headers, { signingSecret, log });
      const operationId = req.headers[OPERATION_ID_HEADER];
      const callerKey = access.caller ? `${access.caller.kind}:${access.caller.id}` : 'anonymous';
      return { loaders: loadersFor(typeof operationId === 'string' && operationId.length <= 64 ? operationId : undefined, callerKey), ...access };
    },
  };
}
