import pg from 'pg';
import type { Logger } from '../logger';
import { isStoreUnavailable, mapStoreError } from './store-errors';
import type { Queryable, Store } from './store';

// bigint/numeric come back as strings by default; counts and ids we keep as numbers where safe,
// money (numeric) stays a string so that no decimal is rounded through a float.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface PostgresStoreOptions {
  max?: number;
  /** connect + pool checkout */
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** server-side statement_timeout; the client gives up `statementTimeoutMs + 1 s` after sending */
  statementTimeoutMs?: number;
  log?: Logger;
}

/**
 * PostgreSQL through a `pg` pool, built to survive the database going away: every wait is bounded
 * (connect, statement, a server that never answers), an error on any connection — idle in the pool or
 * checked out by a transaction — is handled instead of crashing the process, a connection that failed is
 * destroyed rather than returned to the pool, and outages reach callers as STORE_UNAVAILABLE.
 */
export function createPostgresStore(connectionString: string, options: PostgresStoreOptions | number = {}): Store {
  const o = typeof options === 'number' ? { max: options } : options;
  const statementTimeoutMs = o.statementTimeoutMs ?? 5_000;
  const pool = new pg.Pool({
    connectionString,
    max: o.max ?? 10,
    idleTimeoutMillis: o.idleTimeoutMs ?? 30_000,
    connectionTimeoutMillis: o.connectTimeoutMs ?? 2_000,
    statement_timeout: statementTimeoutMs,
    // a server that accepted the query and went silent (a dead peer, a hung host): the client stops waiting
    query_timeout: statementTimeoutMs + 1_000,
    // a transaction left open by a vanished client must not hold its locks forever
    idle_in_transaction_session_timeout: statementTimeoutMs * 2,
    keepAlive: true,
  });
  let lastWarn = 0;
  const warn = (msg: string, err: Error) => {
    // once per second at most: a failover emits one error per connection
    if (Date.now() - lastWarn < 1_000) return;
    lastWarn = Date.now();
    o.log?.warn(msg, { err: err.message });
  };
  // An idle client's error (server restart, pg_terminate_backend) must not crash the process; the pool
  // drops that client and the next checkout opens a new connection.
  pool.on('error', (err) => warn('idle PostgreSQL connection lost', err));
  // And every connection, whatever holds it, has a listener of its own for its whole life: the pool's
  // listener is off while a client is checked out (pool.query, a transaction), and a FATAL from the server
  // (pg_terminate_backend, a restart) between two statements is then an unhandled 'error' that ends the
  // process. The failure itself reaches the caller through the query's own rejection.
  pool.on('connect', (client) => client.on('error', (err) => warn('PostgreSQL connection lost', err)));

  const run = async <T>(q: pg.Pool | pg.PoolClient, sql: string, params?: unknown[]) => {
    try {
      const r = await q.query(sql, params as unknown[]);
      return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
    } catch (err) {
      return mapStoreError(err);
    }
  };

  return {
    engine: 'postgres',
    query: (sql, params) => run(pool, sql, params),
    async transaction(fn) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        return mapStoreError(err);
      }
      // A checked-out client has no listener of the pool's: without ours, a connection lost mid-transaction
      // is an unhandled 'error' event, which ends the process.
      let broken: Error | undefined;
      const onError = (err: Error) => {
        broken = err;
        warn('PostgreSQL connection lost during a transaction', err);
      };
      client.on('error', onError);
      try {
        await run(client, 'BEGIN');
        const tx: Queryable = { query: (sql, params) => run(client, sql, params) };
        const result = await fn(tx);
        await run(client, 'COMMIT');
        return result;
      } catch (err) {
        // after a timeout or a lost connection the session's state is unknown: destroy it, don't reuse it
        if (isStoreUnavailable(err)) broken ??= err as Error;
        if (!broken) await client.query('ROLLBACK').catch((e: Error) => (broken = e));
        throw err;
      } finally {
        // A destroyed client may still report its socket's end: keep a listener on it for good.
        if (broken) client.on('error', () => undefined);
        client.off('error', onError);
        // a client that failed is destroyed (release(err)), never handed to the next caller
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
