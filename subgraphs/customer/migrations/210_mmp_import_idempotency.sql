-- Customer domain (range 200-299): idempotency keys of the MMP ZIP import (importMmpClientsAndInvoices).
-- One row per (organization, key): `pending` while the import runs, `done` with MMP's answer afterwards, so
-- a retry with the same key gets the first answer instead of a second import. Rows older than the retention
-- (CUSTOMER_IMPORT_IDEMPOTENCY_RETENTION_S) are deleted on the next import.
CREATE TABLE IF NOT EXISTS mmp_import_idempotency (
  organization_id text NOT NULL,
  idempotency_key text NOT NULL,
  file_sha256 text NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'done')),
  result jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, idempotency_key)
);
CREATE INDEX IF NOT EXISTS mmp_import_idempotency_created ON mmp_import_idempotency (created_at);
