-- Coverage (OZmap fibre feasibility and port reservations). Range 300-399.

-- Conecte.ai plans and the OZmap region tags that restrict where each plan can be sold ("tags de
-- regiões OZmap nas configurações dos planos"). Empty region_tags: the plan is sold wherever there is
-- a viable box. Edited with the setCoveragePlan mutation; these rows are the starting catalogue.
CREATE TABLE IF NOT EXISTS coverage_plans (
  code text PRIMARY KEY,
  name text NOT NULL,
  region_tags text[] NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO coverage_plans (code, name, region_tags) VALUES
  ('FIBRA_300', 'Fibra 300 Mega', '{}'),
  ('FIBRA_500', 'Fibra 500 Mega', '{residencial}'),
  ('FIBRA_1G', 'Fibra 1 Giga', '{premium}'),
  ('EMPRESARIAL_1G', 'Fibra Empresarial 1 Giga', '{empresarial}')
ON CONFLICT (code) DO NOTHING;

-- One row per port reservation. The OZmap property (connected, not implanted) is the reservation in
-- OZmap; this row is ours: its expiry, its state machine and the lease of whichever instance is
-- working on it. In-flight states (reserving, confirming, cancelling, releasing) carry a lease, so a
-- crashed instance's work is taken over by another once lease_until has passed.
CREATE TABLE IF NOT EXISTS coverage_reservations (
  id uuid PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('reserving', 'reserved', 'confirming', 'confirmed', 'cancelling', 'cancelled', 'releasing', 'expired', 'failed')),
  box_id text NOT NULL,
  box_name text NOT NULL,
  splitter_id text NOT NULL,
  port_index int NOT NULL,
  property_id text,
  plan text,
  prospect jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  confirmed_at timestamptz,
  ended_at timestamptz,
  lease_until timestamptz,
  lease_owner text,
  attempts int NOT NULL DEFAULT 0,
  last_error text
);
-- A port is held by at most one live reservation: two prospects racing for the last free port cannot
-- both insert. Confirmed ones are left to OZmap (the implanted property holds the port there).
CREATE UNIQUE INDEX IF NOT EXISTS coverage_reservations_port_held ON coverage_reservations (splitter_id, port_index)
  WHERE status IN ('reserving', 'reserved', 'confirming', 'cancelling', 'releasing');
CREATE INDEX IF NOT EXISTS coverage_reservations_due ON coverage_reservations (expires_at) WHERE status = 'reserved';
CREATE INDEX IF NOT EXISTS coverage_reservations_leased ON coverage_reservations (lease_until)
  WHERE status IN ('reserving', 'confirming', 'cancelling', 'releasing');
