import { join } from 'node:path';
import type { Logger } from '../logger';
import { migrate, migrationFiles, migrationsFolder, platformMigrations } from './migrate';
import { createPgliteStore } from './pglite-store';
import { createPostgresStore } from './postgres-store';
import { withStoreDeadline } from './store-errors';
import type { Store } from './store';

export * from './store';
export { isStoreUnavailable, storeUnavailable } from './store-errors';
export { migrate, migrationFiles, migrationsFolder, platformMigrations, createPgliteStore, createPostgresStore };

export interface StoreConfig {
  DATABASE_URL?: string;
  DATA_DIR: string;
  DB_POOL_MAX?: number;
  DB_CONNECT_TIMEOUT_MS?: number;
  DB_IDLE_TIMEOUT_MS?: number;
  DB_STATEMENT_TIMEOUT_MS?: number;
}

/**
 * Bounds every call of an in-process store (PGlite): it cannot be cut off like a server connection, but
 * its one connection can be held by a long transaction, and a caller (the Vitec intake) must get its
 * answer in bounded time. The work itself runs on; the caller gets STORE_UNAVAILABLE.
 */
export function withDeadlines(store: Store, ms: number): Store {
  return {
    engine: store.engine,
    query: (sql, params) => withStoreDeadline(store.query(sql, params), ms),
    transaction: (fn) => withStoreDeadline(store.transaction(fn), ms),
    close: () => store.close(),
  };
}

export interface OpenStoreOptions {
  /** the service's own migrations folder (its domain's `migrations/`), applied after the platform's */
  migrations?: string;
  log?: Logger;
}

/**
 * Opens the configured store and brings its schema up to date: the platform's migrations and the service's own.
 * `service` names the PGlite folder.
 */
export async function openStore(config: StoreConfig, service: string, opts: OpenStoreOptions = {}): Promise<Store> {
  const { log } = opts;
  const statementTimeoutMs = config.DB_STATEMENT_TIMEOUT_MS ?? 5_000;
  const store = config.DATABASE_URL
    ? createPostgresStore(config.DATABASE_URL, {
        max: config.DB_POOL_MAX,
        connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
        idleTimeoutMs: config.DB_IDLE_TIMEOUT_MS,
        statementTimeoutMs,
        log,
      })
    : await createPgliteStore(join(config.DATA_DIR, service));
  await migrate(store, ...(opts.migrations ? [opts.migrations] : []));
  // PostgreSQL bounds itself (connect, statement and query timeouts); PGlite gets the same bound from outside.
  return store.engine === 'pglite' ? withDeadlines(store, statementTimeoutMs + 1_000) : store;
}
