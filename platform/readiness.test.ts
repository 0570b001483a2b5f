import { describe, expect, it } from 'vitest';
import { createPgliteStore } from './db';
import { dependencyReadiness } from './readiness';

describe('dependency readiness', () => {
  it('the embedded PGlite store counts rows like PostgreSQL (SELECT, UPDATE), so a service on it is ready', async () => {
    const store = await createPgliteStore();
    try {
      expect((await store.query('SELECT 1')).rowCount).toBe(1);
      await store.query('CREATE TABLE t (id int)');
      expect((await store.query('INSERT INTO t VALUES ($1), ($2)', [1, 2])).rowCount).toBe(2);
      expect((await store.query('UPDATE t SET id = id + 10 WHERE id > $1', [5])).rowCount).toBe(0);
      expect((await store.query('SELECT id FROM t ORDER BY id')).rowCount).toBe(2);
      expect(await dependencyReadiness({ store })()).toEqual({ ready: true, dependencies: { database: 'up' } });
    } finally {
      await store.close();
    }
    // a closed store is a database that does not answer
    expect(await dependencyReadiness({ store, timeoutMs: 500 })()).toEqual({ ready: false, dependencies: { database: 'down' } });
  });
});
