import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { Queryable, Store } from './store';

/**
 * PGlite holds one connection, so transactions are serialised by PGlite itself. A data folder belongs to
 * one process: each service keeps its own folder under DATA_DIR. `dir` undefined = in memory (tests).
 */
export async function createPgliteStore(dir?: string): Promise<Store> {
  if (dir) mkdirSync(dir, { recursive: true });
  const db = dir ? await PGlite.create(dir) : await PGlite.create();
  const normalise = (r: { rows: unknown[]; affectedRows?: number }) => ({ rows: r.rows, rowCount: r.affectedRows ?? r.rows.length });
  return {
    engine: 'pglite',
    query: async <T>(sql: string, params?: unknown[]) => normalise(await db.query<T>(sql, params)) as { rows: T[]; rowCount: number },
    transaction: (fn) =>
      db.transaction(async (t) => {
        const tx: Queryable = { query: async <T>(sql: string, params?: unknown[]) => normalise(await t.query<T>(sql, params)) as { rows: T[]; rowCount: number } };
        return fn(tx);
      }),
    close: () => db.close(),
  };
}
