import { createHash } from 'node:crypto';
import type { Store } from '../../platform/db';
import { badInput, conflict } from '../../platform/errors';

export interface ImportIdempotencyOptions {
  store: Store;
  /** how long a finished import's answer is kept for retries, ms */
  retentionMs: number;
  /** a `pending` key older than this is taken over (its process died mid-import), ms */
  pendingLeaseMs: number;
}

export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Idempotency keys for the MMP ZIP import, in the Customer store (so every instance and a restart see them),
 * kept for a retention and pruned on each import. A key belongs to one organization and one file: the same
 * key with another file is CONFLICT. While the first import runs, a retry is CONFLICT ("in progress, retry
 * later"); after it, the retry gets the first answer. A failed import frees its key.
 */
export function createImportIdempotency(opts: ImportIdempotencyOptions) {
  const { store } = opts;
  return {
    async run<T>(organizationId: string, key: string, file: Uint8Array, importOnce: () => Promise<T>): Promise<{ result: T; replayed: boolean }> {
      if (!IDEMPOTENCY_KEY_PATTERN.test(key)) throw badInput('`idempotencyKey` must be 8 to 128 letters, digits, `.`, `_`, `:` or `-` (a UUID fits)', { argument: 'idempotencyKey' });
      const sha = createHash('sha256').update(file).digest('hex');
      await store.query(`DELETE FROM mmp_import_idempotency WHERE created_at < now() - ($1::bigint * interval '1 millisecond')`, [opts.retentionMs]);
      const claimed = await store.query(
        `INSERT INTO mmp_import_idempotency (organization_id, idempotency_key, file_sha256, state) VALUES ($1, $2, $3, 'pending')
         ON CONFLICT (organization_id, idempotency_key) DO NOTHING RETURNING 1`,
        [organizationId, key, sha],
      );
      if (!claimed.rowCount) {
        // updated_at as text: full microsecond precision for the compare-and-set below (a JS Date has ms).
        const { rows } = await store.query<{ file_sha256: string; state: string; result: T | string | null; stale: boolean; updated_at: string }>(
          `SELECT file_sha256, state, result, updated_at::text AS updated_at, updated_at < now() - ($3::bigint * interval '1 millisecond') AS stale
           FROM mmp_import_idempotency WHERE organization_id = $1 AND idempotency_key = $2`,
          [organizationId, key, opts.pendingLeaseMs],
        );
        const row = rows[0];
        if (!row) return this.run(organizationId, key, file, importOnce); // pruned between the two statements
        if (row.file_sha256 !== sha) throw conflict('this idempotencyKey was used for another file; use a new key for a new import', { argument: 'idempotencyKey' });
        if (row.state === 'done') return { result: (typeof row.result === 'string' ? JSON.parse(row.result) : row.result) as T, replayed: true };
        if (!row.stale) throw conflict('an import with this idempotencyKey is still running; retry later for its result', { argument: 'idempotencyKey', retryable: true });
        // Its process died mid-import: take the key over (compare-and-set, one winner).
        const taken = await store.query(
          `UPDATE mmp_import_idempotency SET updated_at = now() WHERE organization_id = $1 AND idempotency_key = $2 AND state = 'pending' AND updated_at = $3::timestamptz`,
          [organizationId, key, row.updated_at],
        );
        if (!taken.rowCount) throw conflict('an import with this idempotencyKey is still running; retry later for its result', { argument: 'idempotencyKey', retryable: true });
      }
      let result: T;
      try {
        result = await importOnce();
      } catch (err) {
        await store.query(`DELETE FROM mmp_import_idempotency WHERE organization_id = $1 AND idempotency_key = $2 AND state = 'pending'`, [organizationId, key]);
        throw err;
      }
      await store.query(`UPDATE mmp_import_idempotency SET state = 'done', result = $3::jsonb, updated_at = now() WHERE organization_id = $1 AND idempotency_key = $2`, [
        organizationId,
        key,
        JSON.stringify(result),
      ]);
      return { result, replayed: false };
    },
  };
}
export type ImportIdempotency = ReturnType<typeof createImportIdempotency>;
