-- Platform tables shared by every domain (applied by every service first). Each domain numbers its own
-- files in subgraphs/<domain>/migrations/, in its range (names are unique across folders):
-- 100-199 order, 200-299 customer, 300-399 coverage, 400-499 capacity.

-- A durable job queue (outbox): work accepted by a request is written here in the same transaction
-- as the data it concerns, and picked up again after a crash.
CREATE TABLE IF NOT EXISTS jobs (
  id bigserial PRIMARY KEY,
  kind text NOT NULL,
  payload jsonb NOT NULL,
  dedupe_key text UNIQUE,
  run_at timestamptz NOT NULL DEFAULT now(),
  attempts int NOT NULL DEFAULT 0,
  locked_until timestamptz,
  last_error text,
  done_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS jobs_ready ON jobs (run_at) WHERE done_at IS NULL;
