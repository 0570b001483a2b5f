import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../platform/db';
import { openTestStore } from '../../test/support/throwaway-postgres';
import { createImportIdempotency } from './import-idempotency';
import { customerMigrations } from './store';

/** The ZIP import's idempotency keys on both engines: embedded PGlite and a throwaway PostgreSQL database. */
for (const engine of ['pglite', 'postgres'] as const) {
  describe(`import idempotency (${engine})`, () => {
    let store: Store;
    let close: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      ({ store, close } = await openTestStore(engine, customerMigrations));
    }, 60_000);
    afterAll(async () => {
      await close?.();
    });

    const file = new Uint8Array([1, 2, 3]);
    const keys = () => createImportIdempotency({ store, retentionMs: 60_000, pendingLeaseMs: 60_000 });

    it('runs once per key and replays the stored result', async () => {
      let imports = 0;
      const once = async () => ({ success: true, message: `import ${++imports}` });
      const k = keys();
      expect(await k.run('org1', 'key-00000001', file, once)).toEqual({ result: { success: true, message: 'import 1' }, replayed: false });
      expect(await k.run('org1', 'key-00000001', file, once)).toEqual({ result: { success: true, message: 'import 1' }, replayed: true });
      // Another organization's key of the same name is its own.
      expect((await k.run('org2', 'key-00000001', file, once)).replayed).toBe(false);
      expect(imports).toBe(2);
    });

    it('refuses the same key for another file, and a retry while the first still runs', async () => {
      const k = keys();
      let release!: () => void;
      const running = k.run('org1', 'key-00000002', file, () => new Promise<{ ok: boolean }>((r) => (release = () => r({ ok: true }))));
      await new Promise((r) => setTimeout(r, 50));
      await expect(k.run('org1', 'key-00000002', file, async () => ({ ok: false }))).rejects.toMatchObject({ code: 'CONFLICT', details: { retryable: true } });
      release();
      expect(await running).toEqual({ result: { ok: true }, replayed: false });
      await expect(k.run('org1', 'key-00000002', new Uint8Array([9]), async () => ({ ok: false }))).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(k.run('org1', 'bad key!', file, async () => ({ ok: false }))).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    });

    it('a failed import frees its key; a pending key past its lease is taken over; old keys are pruned', async () => {
      const k = keys();
      await expect(k.run('org1', 'key-00000003', file, async () => Promise.reject(new Error('mmp down')))).rejects.toThrow('mmp down');
      expect(await k.run('org1', 'key-00000003', file, async () => ({ n: 1 }))).toEqual({ result: { n: 1 }, replayed: false });

      // A process that died mid-import leaves `pending`; after the lease a retry takes the key over.
      await store.query(`INSERT INTO mmp_import_idempotency (organization_id, idempotency_key, file_sha256, state, updated_at)
        VALUES ('org1', 'key-00000004', encode(sha256('\\x010203'::bytea), 'hex'), 'pending', now() - interval '2 minutes')`);
      expect(await k.run('org1', 'key-00000004', file, async () => ({ n: 2 }))).toEqual({ result: { n: 2 }, replayed: false });

      await store.query(`UPDATE mmp_import_idempotency SET created_at = now() - interval '2 minutes' WHERE idempotency_key = 'key-00000003'`);
      await k.run('org1', 'key-00000005', file, async () => ({ n: 3 }));
      const { rows } = await store.query<{ k: string }>(`SELECT idempotency_key AS k FROM mmp_import_idempotency WHERE organization_id = 'org1' ORDER BY 1`);
      expect(rows.map((r) => r.k)).not.toContain('key-00000003');
      expect(rows.map((r) => r.k)).toContain('key-00000005');
    });
  });
}
