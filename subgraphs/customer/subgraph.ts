import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { parse } from 'graphql';
import { detachedFromCaller } from '../../platform/call-scope';
import { accessContextOf, enforceAccessDirectives } from '../../platform/access-directives';
import type { Store } from '../../platform/db';
import type { WorkshopLink } from '../../platform/config/workshop-links';
import type { Logger } from '../../platform/logger';
import type { HttpRoute } from '../../platform/subgraph-server';
import { createCarsysPushReceiver } from './carsys-push-receiver';
import { createCarsysWorkOrderStore } from './carsys-store';
import { createMmpAdherentsClient, type MmpAdherentsClient } from '../../vendors/mmp/adherents-client';
import type { MmpClient } from '../../vendors/mmp/client';
import { mmpVehicleCacheKeys } from '../../vendors/mmp/vehicle-cache';
import type { VendorCache } from '../../platform/vendor-cache';
import { createBlacklistCache } from './blacklist-cache';
import { createImportIdempotency } from './import-idempotency';
import type { CustomerContext } from './context';
import { createCustomerLoaders, type CustomerClients } from './loaders';
import { createMultipartGraphQLRoute } from './multipart';
import { resolvers } from './resolvers';

export const customerTypeDefs = parse(readFileSync(new URL('./customer.graphql', import.meta.url), 'utf8'));

export interface CustomerSubgraphOptions {
  mmp: MmpClient;
  mmpNetwork: string;
  /** MMP's adherent services (clients.ts); built from `mmp` and `mmpNetwork` when not given */
  adherents?: MmpAdherentsClient;
  store: Store;
  log: Logger;
  blacklistTtlMs: number;
  /** the blacklist is still served this long past its TTL while a refresh runs (default: a day) */
  blacklistStaleMs?: number;
  /** MMP vehicle reads shared across requests and processes (platform/vendor-cache.ts): the `client` service here; a Carsys push for a plate drops that plate's entries */
  vendorCache?: VendorCache<unknown>;
  importLimits: { maxBytes: number; maxEntries: number; maxUncompressedBytes?: number; maxRatio?: number };
  /** retention of the ZIP import's idempotency keys (default 24 h) and the lease of a running one (default 120 s), ms */
  importIdempotency?: { retentionMs: number; pendingLeaseMs: number };
  /** HMAC secret of the gateway's caller header (GATEWAY_SIGNING_SECRET) */
  signingSecret: string;
  carsys: { dealerSecrets: Record<string, string[]>; replayWindowS: number; maxBodyBytes: number };
  /** WORKSHOP_LINKS: CustomerConnect workshop ↔ Carsys dealer ↔ MMP point of sale */
  workshopLinks?: WorkshopLink[];
}

/**
 * The Customer subgraph as a value: schema, per-request context, and its extra HTTP routes (the Carsys push
 * receiver and the multipart upload route). No env, no listening.
 */
export function createCustomerSubgraph(opts: CustomerSubgraphOptions): { schema: ReturnType<typeof buildSubgraphSchema>; context: (req: IncomingMessage) => CustomerContext; routes: HttpRoute[] } {
  const carsys = createCarsysWorkOrderStore(opts.store);
  const adherents = opts.adherents ?? createMmpAdherentsClient(opts.mmp, opts.mmpNetwork);
  const blacklists = createBlacklistCache({ ttlMs: opts.blacklistTtlMs, staleMs: opts.blacklistStaleMs ?? 86_400_000, fetch: () => detachedFromCaller(() => adherents.blacklist('csv')), log: opts.log });
  const clients: CustomerClients = { mmp: opts.mmp, mmpNetwork: opts.mmpNetwork, carsys, blacklists, workshopLinks: opts.workshopLinks ?? [], vendorCache: opts.vendorCache };
  const pushLog = opts.log.child({ route: 'carsys-push' });
  const vendorCache = opts.vendorCache;
  // A pushed work order says this plate's vehicle changed at the workshop: MMP's answers for it are re-read.
  const onVehicleChanged = vendorCache?.enabled
    ? async (plate: string) => {
        if (!(await vendorCache.invalidate(mmpVehicleCacheKeys(opts.mmp, plate)))) pushLog.warn('cached MMP reads of a pushed plate could not be dropped; they expire with their TTL');
      }
    : undefined;
  const schema = enforceAccessDirectives(buildSubgraphSchema([{ typeDefs: customerTypeDefs, resolvers: resolvers as GraphQLResolverMap<unknown> }]));
  const importKeys = createImportIdempotency({ store: opts.store, ...(opts.importIdempotency ?? { retentionMs: 86_400_000, pendingLeaseMs: 120_000 }) });
  const context = (req: IncomingMessage): CustomerContext => ({
    loaders: createCustomerLoaders(clients),
    clients,
    adherents,
    importLimits: opts.importLimits,
    importKeys,
    ...accessContextOf(req.headers, { signingSecret: opts.signingSecret, log: opts.log }),
  });
  return {
    schema,
    context,
    routes: [
      createCarsysPushReceiver({ store: carsys, log: pushLog, onVehicleChanged, ...opts.carsys }),
      // Room for the operations and map parts and the multipart framing around the largest accepted file.
      createMultipartGraphQLRoute({ schema, context, log: opts.log, maxBodyBytes: opts.importLimits.maxBytes + 64 * 1024 }),
    ],
  };
}
