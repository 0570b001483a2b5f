import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPgliteStore, createPostgresStore, migrate, type Store } from '../../platform/db';

/** Where the real-PostgreSQL tests run (CI and this machine): a server we may create databases on. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A fresh database per test file (`CREATE DATABASE sb_<random>`), dropped afterwards, so files running in
 * parallel never see each other's rows or migrations.
 */
export async function createThrowawayDatabase(baseUrl = TEST_DATABASE_URL): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `sb_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * A migrated store on either engine for tests that run on both: embedded PGlite, or a throwaway PostgreSQL
 * database. `close()` closes the store and drops the database.
 */
export async function openTestStore(engine: 'pglite' | 'postgres', ...migrations: string[]): Promise<{ store: Store; close(): Promise<void> }> {
  const db = engine === 'postgres' ? await createThrowawayDatabase() : undefined;
  const store = db ? createPostgresStore(db.url) : await createPgliteStore();
  await migrate(store, ...migrations);
  return {
    store,
    async close() {
      await store.close();
      await db?.drop();
    },
  };
}
