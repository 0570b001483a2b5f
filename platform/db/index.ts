import { join } from 'node:path';
import { migrate } from './migrate';
import { createPgliteStore } from './pglite-store';
import { createPostgresStore } from './postgres-store';
import type { Store } from './store';

export * from './store';
export { migrate, createPgliteStore, createPostgresStore };

export interface StoreConfig {
  DATABASE_URL?: string;
  DATA_DIR: string;
}

/** Opens the configured store and brings its schema up to date. `service` names the PGlite folder. */
export async function openStore(config: StoreConfig, service: string): Promise<Store> {
  const store = config.DATABASE_URL ? createPostgresStore(config.DATABASE_URL) : await createPgliteStore(join(config.DATA_DIR, service));
  await migrate(store);
  return store;
}
