import pg from 'pg';
import type { Queryable, Store } from './store';

// bigint/numeric come back as strings by default; counts and ids we keep as numbers where safe,
// money (numeric) stays a string so that no decimal is rounded through a float.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export function createPostgresStore(connectionString: string, max = 10): Store {
  const pool = new pg.Pool({ connectionString, max, idleTimeoutMillis: 30_000 });
  pool.on('error', () => undefined); // an idle client's error must not crash the process; the next query reports it
  const run = async <T>(q: { query: pg.Pool['query'] } | pg.PoolClient, sql: string, params?: unknown[]) => {
    const r = await (q as pg.Pool).query(sql, params as unknown[]);
    return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
  };
  return {
    engine: 'postgres',
    query: (sql, params) => run(pool, sql, params),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const tx: Queryable = { query: (sql, params) => run(client, sql, params) };
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
