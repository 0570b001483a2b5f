/**
 * The durable store every stateful domain shares. Two engines behind one small interface:
 * PostgreSQL through `pg` when DATABASE_URL is set, PGlite (Postgres compiled to WASM, in-process,
 * data on disk) as the embedded default. Both run the same SQL and the same migrations.
 */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[]; rowCount: number }>;
}

export interface Store extends Queryable {
  readonly engine: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
