import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors';
import { createPgliteStore, withDeadlines } from './index';

describe('PGlite store bounds', () => {
  it('a caller waiting behind a long transaction gets STORE_UNAVAILABLE within the bound; the store serves again after', async () => {
    const store = withDeadlines(await createPgliteStore(), 300);
    // one connection: a transaction that holds it (waiting on something else) blocks every other caller
    const long = store
      .transaction(async (tx) => {
        await tx.query('SELECT 1');
        await new Promise((r) => setTimeout(r, 1_000));
      })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    const t0 = Date.now();
    await expect(store.query('SELECT 1')).rejects.toMatchObject({ code: ErrorCode.STORE_UNAVAILABLE });
    expect(Date.now() - t0).toBeLessThan(600);
    expect(await long).toMatchObject({ code: ErrorCode.STORE_UNAVAILABLE }); // it outlived the bound too
    await new Promise((r) => setTimeout(r, 900));
    expect((await store.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await store.close();
  });
});
