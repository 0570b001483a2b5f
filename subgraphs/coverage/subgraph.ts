import type { IncomingMessage } from 'node:http';
import { enforceAccessDirectives } from '../../platform/access-directives';
import { callerFromHeader, callerHeaderOf } from '../../platform/caller-identity';
import { readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { parse } from 'graphql';
import type { Store } from '../../platform/db';
import type { Logger } from '../../platform/logger';
import type { OzmapClient } from '../../vendors/ozmap/client';
import type { OzmapBox, OzmapRegion } from '../../vendors/ozmap/types';
import { createVendorCache, memoryStore, type VendorCacheStore } from '../../platform/vendor-cache';
import type { CoverageContext } from './context';
import { createFeasibility } from './feasibility';
import { createCoverageLoaders } from './loaders';
import { createPlanRegions } from './plan-regions';
import { createReservations } from './reservations';
import { resolvers } from './resolvers';
import { createCoverageStore } from './store';
import { createSweeper } from './sweeper';

export const coverageTypeDefs = parse(readFileSync(new URL('./coverage.graphql', import.meta.url), 'utf8'));

export interface CoverageSettings {
  /** radius sent when a query gives none; undefined: OZmap's default radius setting */
  defaultRadiusM?: number;
  maxRadiusM: number;
  reservationDays: number;
  sweepIntervalMs: number;
  leaseMs: number;
  /** TTL of cached OZmap regions (0: none) */
  regionCacheS: number;
  /** TTL of cached OZmap boxes by id (0 or unset: none) */
  boxCacheS?: number;
  /** how long past its TTL a cached region set or box is still served while refreshed (default 0) */
  cacheStaleS?: number;
}

export interface CoverageSubgraphOptions {
  ozmap: OzmapClient;
  store: Store;
  log: Logger;
  settings: CoverageSettings;
  /** names this instance in reservation leases */
  instanceId: string;
  /** HMAC secret of the gateway's caller header (GATEWAY_SIGNING_SECRET) */
  signingSecret: string;
  /** the clock (tests move it; production passes nothing) */
  now?: () => Date;
  /** where cached OZmap reads live (platform/vendor-cache.ts): Redis or memory from main.ts; default a small memory store */
  vendorCacheStore?: VendorCacheStore;
}

/**
 * The Coverage subgraph as a value: schema, per-request context and the reservation sweeper (started
 * by main.ts, or by a test). No env, no listening.
 */
export function createCoverageSubgraph(opts: CoverageSubgraphOptions) {
  const { ozmap, log, settings, instanceId } = opts;
  const now = opts.now ?? (() => new Date());
  const store = createCoverageStore(opts.store);
  const cacheStore = opts.vendorCacheStore ?? memoryStore(16 * 1024 * 1024);
  const staleMs = (settings.cacheStaleS ?? 0) * 1000;
  const regions = createPlanRegions(ozmap, createVendorCache<OzmapRegion[]>(cacheStore, { vendor: 'ozmap', resource: 'regions', ttlMs: settings.regionCacheS * 1000, staleMs, coalesceMisses: true }, log));
  const boxCache = createVendorCache<OzmapBox>(cacheStore, { vendor: 'ozmap', resource: 'boxes', ttlMs: (settings.boxCacheS ?? 0) * 1000, staleMs }, log);
  const feasibility = createFeasibility({ ozmap, store, regions, defaultRadiusM: settings.defaultRadiusM, maxRadiusM: settings.maxRadiusM });
  const reservations = createReservations({ ozmap, store, regions, log, now, reservationDays: settings.reservationDays, leaseMs: settings.leaseMs, instanceId });
  const sweeper = createSweeper({ ozmap, store, log, now, instanceId, leaseMs: settings.leaseMs, intervalMs: settings.sweepIntervalMs });
  return {
    schema: enforceAccessDirectives(buildSubgraphSchema([{ typeDefs: coverageTypeDefs, resolvers: resolvers as GraphQLResolverMap<unknown> }])),
    context: (req: IncomingMessage): CoverageContext => ({
      loaders: createCoverageLoaders(ozmap, boxCache),
      feasibility,
      reservations,
      store,
      now,
      ...callerFromHeader(callerHeaderOf(req.headers), opts.signingSecret, (problem) => log.warn('refused a caller identity header', { problem })),
    }),
    ready: async () => (await opts.store.query('SELECT 1')).rowCount === 1,
    sweeper,
    reservations,
    store,
  };
}
