-- Order domain (Vitec Express Connect orders). Range 100-199.

-- One row per order Vitec opened our order URL for. `id` is ours, derived from the intake key, so that
-- opening the same URL again finds the same row (idempotent intake). Vitec's own ids arrive with the
-- URL (basic/none modes) or from token verification (token mode).
CREATE TABLE IF NOT EXISTS orders (
  id text PRIMARY KEY,
  intake_key text NOT NULL UNIQUE,
  customer_id text NOT NULL,
  auth_mode text NOT NULL,
  -- token mode only; cleared once verified (it is a credential)
  token text,
  vitec_order_id text,
  user_id text,
  order_user_id text,
  current_user_id text,
  tenant_id text,
  chain_id text,
  target_id text,
  target_type text,
  estate jsonb,
  status text NOT NULL,
  status_description text,
  user_interaction jsonb,
  delivery jsonb,
  -- a token-mode re-open with a new token for an order we already have: points at the first row
  merged_into text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS orders_vitec_id ON orders (customer_id, vitec_order_id) WHERE vitec_order_id IS NOT NULL AND merged_into IS NULL;
CREATE INDEX IF NOT EXISTS orders_listing ON orders (customer_id, created_at DESC, id DESC);

-- Every status change, in order: the status history of an order and the event log subscribers replay
-- from (afterEventId) after a reconnect.
CREATE TABLE IF NOT EXISTS order_events (
  id bigserial PRIMARY KEY,
  order_id text NOT NULL REFERENCES orders (id),
  customer_id text NOT NULL,
  status text NOT NULL,
  description text,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS order_events_order ON order_events (order_id, id);
CREATE INDEX IF NOT EXISTS order_events_customer ON order_events (customer_id, id);
