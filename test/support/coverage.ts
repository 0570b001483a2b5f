import { CALLER_HEADER, signCallerIdentity } from '../../platform/caller-identity';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgliteStore, createPostgresStore, migrate, type Store } from '../../platform/db';
import { createHttpClient } from '../../platform/http-client';
import { silentLogger } from '../../platform/logger';
import { startSubgraphServer, type RunningSubgraph } from '../../platform/subgraph-server';
import { createMemoryTokenCache, createTokenProvider } from '../../platform/tokens';
import { gql } from './graphql';
import { createThrowawayDatabase } from './throwaway-postgres';
import { createOzmapClient } from '../../vendors/ozmap/client';
import { SANDBOX_API_KEY } from '../../vendors/ozmap/sandbox/server';
import { createCoverageSubgraph, type CoverageSettings } from '../../subgraphs/coverage/subgraph';
import { coverageMigrations } from '../../subgraphs/coverage/store';

export const TEST_SIGNING_SECRET = 'coverage-test-signing-secret';
/** The signed caller header the gateway would send for an operator with the admin role. */
export const asAdmin = () => ({ [CALLER_HEADER]: signCallerIdentity({ kind: 'partner', id: 'ops', customers: [], roles: ['admin'] }, TEST_SIGNING_SECRET) });
export const asPartner = (id = 'conecte') => ({ [CALLER_HEADER]: signCallerIdentity({ kind: 'partner', id, customers: [], roles: [], scopes: ['coverage:reserve', 'personal:read'] }, TEST_SIGNING_SECRET) });

/** A clock tests move by hand: reservations expire in days, tests take milliseconds. */
export function createTestClock(start = new Date('2026-03-02T12:00:00Z')) {
  let t = start.getTime();
  return {
    now: () => new Date(t),
    advance(ms: number) {
      t += ms;
    },
    advanceDays(days: number) {
      t += days * 86_400_000;
    },
  };
}
export type TestClock = ReturnType<typeof createTestClock>;

export const DAY = 86_400_000;

export type Engine = 'pglite' | 'postgres';

/**
 * A database that outlives the instances opened on it (so a test can "restart" the subgraph):
 * a PGlite folder on disk, or a throwaway PostgreSQL database.
 */
export async function createTestDatabase(engine: Engine) {
  if (engine === 'postgres') {
    const db = await createThrowawayDatabase();
    return { engine, open: async (): Promise<Store> => { const s = createPostgresStore(db.url, 5); await migrate(s, coverageMigrations); return s; }, drop: db.drop };
  }
  const dir = mkdtempSync(join(tmpdir(), 'coverage-pglite-'));
  return { engine, open: async (): Promise<Store> => { const s = await createPgliteStore(dir); await migrate(s, coverageMigrations); return s; }, drop: async () => undefined };
}
export type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

export const testSettings = (over: Partial<CoverageSettings> = {}): CoverageSettings => ({
  maxRadiusM: 2000,
  reservationDays: 7,
  sweepIntervalMs: 60_000,
  leaseMs: 60_000,
  regionCacheS: 300,
  ...over,
});

/** One Coverage instance as main.ts builds it, on a loopback port, against a sandbox origin. */
export async function startCoverageInstance(opts: { ozmapOrigin: string; store: Store; clock: TestClock; settings?: Partial<CoverageSettings>; instanceId?: string; timeoutMs?: number }) {
  const http = createHttpClient({ vendor: 'ozmap', baseUrl: opts.ozmapOrigin, timeoutMs: opts.timeoutMs ?? 5_000 });
  const tokens = createTokenProvider({ cache: createMemoryTokenCache(), log: silentLogger, expiryMarginS: 60, lockTtlMs: 5_000, lockWaitMs: 5_000 });
  const ozmap = createOzmapClient({ http, tokens, apiKey: SANDBOX_API_KEY });
  const subgraph = createCoverageSubgraph({ ozmap, store: opts.store, log: silentLogger, settings: testSettings(opts.settings), instanceId: opts.instanceId ?? 'test-instance', now: opts.clock.now, signingSecret: TEST_SIGNING_SECRET });
  const server: RunningSubgraph = await startSubgraphServer({ name: 'coverage', log: silentLogger, schema: subgraph.schema, context: subgraph.context, ready: subgraph.ready }, 0);
  return {
    ...subgraph,
    ozmap,
    url: server.url,
    /** as the reserving partner `conecte` unless headers are given (`{}`: anonymous) */
    query: <T = Record<string, any>>(q: string, vars?: Record<string, unknown>, headers: Record<string, string> = asPartner()) => gql<T>(server.url, q, vars, headers),
    async close() {
      await subgraph.sweeper.stop();
      await server.close();
      await http.close();
    },
  };
}
export type CoverageInstance = Awaited<ReturnType<typeof startCoverageInstance>>;

export const RESERVE = /* GraphQL */ `
  mutation ($boxId: ID!, $prospect: ProspectInput!, $plan: String) {
    reservePort(boxId: $boxId, prospect: $prospect, plan: $plan) { id status splitterId portIndex propertyId plan expiresAt box { id name } prospect { name } }
  }
`;
export const CONFIRM = /* GraphQL */ `mutation ($id: ID!) { confirmReservation(id: $id) { id status confirmedAt propertyId } }`;
export const CANCEL = /* GraphQL */ `mutation ($id: ID!) { cancelReservation(id: $id) { id status endedAt } }`;
export const RESERVATION = /* GraphQL */ `query ($id: ID!) { portReservation(id: $id) { id status endedAt expiresAt confirmedAt } }`;

let prospectSeq = 0;
export const prospect = (over: Record<string, unknown> = {}) => ({
  name: `Prospecto Teste ${++prospectSeq}`,
  email: `prospecto${prospectSeq}@example.com.br`,
  phone: '+55 48 99999-0000',
  address: `Rua Trajano, ${100 + prospectSeq} - Centro, Florianópolis - SC`,
  ...over,
});
