import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from './store';

/** The `migrations/` folder next to a module: `migrationsFolder(import.meta.url)` in a domain's store.ts. */
export const migrationsFolder = (moduleUrl: string | URL): string => join(dirname(fileURLToPath(moduleUrl)), 'migrations');

/** The platform's own tables (jobs, …): applied by every service before its domain's. */
export const platformMigrations = migrationsFolder(import.meta.url);

// Any constant works; it only has to be the same in every process of this project.
const MIGRATION_LOCK = 727_011;

/**
 * The files to apply, in name order across the platform's folder and the given domain folders. Names are the
 * record in `schema_migrations`, so they are unique across folders (each domain numbers in its own range:
 * 001 platform, 100-199 order, 200-299 customer, 300-399 coverage, 400-499 capacity); a duplicate is refused.
 */
export function migrationFiles(domainDirs: readonly string[] = []): { name: string; path: string }[] {
  const byName = new Map<string, string>();
  for (const dir of [platformMigrations, ...domainDirs]) {
    for (const name of readdirSync(dir).filter((f) => /^\d+_.+\.sql$/.test(f))) {
      const path = join(dir, name);
      const seen = byName.get(name);
      if (seen && seen !== path) throw new Error(`migration ${name} exists in both ${dirname(seen)} and ${dir}: migration file names must be unique`);
      byName.set(name, path);
    }
  }
  return [...byName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, path]) => ({ name, path }));
}

/**
 * Applies the platform's migrations and those in `domainDirs` (`NNN_name.sql`), in name order, each once, all in
 * one transaction. A database migrated before the domains had their own folders is not migrated again: the
 * file names (what `schema_migrations` records) did not change. Several processes starting together against
 * one PostgreSQL wait on an advisory lock instead of racing; each applies only what its own service needs.
 */
export async function migrate(store: Store, ...domainDirs: string[]): Promise<string[]> {
  const files = migrationFiles(domainDirs);
  const applied: string[] = [];
  await store.transaction(async (tx) => {
    if (store.engine === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query('CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const done = new Set((await tx.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
    for (const { name, path } of files) {
      if (done.has(name)) continue;
      await tx.query(readFileSync(path, 'utf8'));
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
      applied.push(name);
    }
  });
  return applied;
}
