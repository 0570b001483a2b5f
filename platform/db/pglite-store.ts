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
  const normalise = (r: { rows: unknown[]; affectedRows?: number }) => ({ rows: r.rows, rowCount: r.affectedRows || r.rows.length });
  // Like `pg`, a query without parameters goes through the simple protocol, so a migration file with
  // several statements runs; its answer is the last statement's.
  type Runner = Pick<PGlite, 'query' | 'exec'>;
  const run = async <T>(on: Runner, sql: string, params?: unknown[]) => {
    if (params?.length) return normalise(await on.query<T>(sql, params)) as { rows: T[]; rowCount: number };
    const results = await on.exec(sql);
    return normalise(results.at(-1) ?? { rows: [] }) as { rows: T[]; rowCount: number };
  };
  return {
    engine: 'pglite',
    query: <T>(sql: string, params?: unknown[]) => run<T>(db, sql, params),
    transaction: (fn) =>
      db.transaction(async (t) => {
        const tx: Queryable = { query: <T>(sql: string, params?: unknown[]) => run<T>(t, sql, params) };
        return fn(tx);
      }),
    close: () => db.close(),
  };
}
