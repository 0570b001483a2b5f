import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { coverageMigrations } from '../subgraphs/coverage/store';
import { customerMigrations } from '../subgraphs/customer/store';
import { orderMigrations } from '../subgraphs/order/store';
import { createPgliteStore, migrate, migrationFiles, type Store } from '../platform/db';

const domains = [orderMigrations, customerMigrations, coverageMigrations];
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function freshStore(): Promise<Store> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-migrate-'));
  const store = await createPgliteStore(dir);
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }), () => store.close());
  return store;
}

describe('migrations: the platform\'s and each domain\'s own', () => {
  it('each service applies the platform\'s files then its own, in its own number range', async () => {
    const store = await freshStore();
    const applied = await migrate(store, customerMigrations);
    expect(applied[0]).toBe('001_platform.sql');
    expect(applied.slice(1).length).toBeGreaterThan(0);
    expect(applied.slice(1).every((f) => /^2\d\d_/.test(f))).toBe(true);
    // the other domains' tables are not there
    const tables = (await store.query<{ t: string }>("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public'")).rows.map((r) => r.t);
    expect(tables).toContain('carsys_work_orders');
    expect(tables).toContain('jobs');
    expect(tables).not.toContain('orders');
    expect(tables).not.toContain('coverage_reservations');
  });

  it('a database migrated from the former single folder (every file recorded) is not migrated again by any service', async () => {
    const store = await freshStore();
    const all = await migrate(store, ...domains);
    expect(all).toEqual(migrationFiles(domains).map((f) => f.name));
    for (const dir of domains) expect(await migrate(store, dir)).toEqual([]);
    // services sharing one database: the second to start finds its files recorded
    expect(await migrate(store)).toEqual([]);
  });

  it('file names are unique across the folders (they are the record in schema_migrations)', () => {
    const names = migrationFiles(domains).map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    const root = mkdtempSync(join(tmpdir(), 'sb-migrate-dup-'));
    cleanup.push(() => rmSync(root, { recursive: true, force: true }));
    mkdirSync(join(root, 'a'));
    writeFileSync(join(root, 'a', names[1]!), 'SELECT 1');
    expect(() => migrationFiles([orderMigrations, join(root, 'a')])).toThrow(/unique/);
  });
});
