-- Customer domain (range 200-299): work orders and persons pushed by Carsys dealers.
-- One row per (dealer, DMS number, work-order number): a repeated push updates it, never duplicates it.
-- `modified_at` is the DMS's own modification time carried by every push; an upsert only wins when its
-- modified_at is newer, so a late, older push can never overwrite newer data.
CREATE TABLE IF NOT EXISTS carsys_work_orders (
  dealer_id text NOT NULL,
  dms_number text NOT NULL,
  work_order_number text NOT NULL,
  modified_at timestamptz NOT NULL,
  plate text NOT NULL,
  plate_as_pushed text NOT NULL,
  appointment_at timestamptz NOT NULL,
  dms_created_at timestamptz NOT NULL,
  waiting_customer boolean NOT NULL,
  vehicle jsonb NOT NULL,
  interventions jsonb NOT NULL,
  driver_id text,
  owner_id text,
  contractor_id text,
  push_count int NOT NULL DEFAULT 1,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (dealer_id, dms_number, work_order_number)
);
CREATE INDEX IF NOT EXISTS carsys_work_orders_plate ON carsys_work_orders (plate, appointment_at DESC);

-- Persons (driver, owner, contractor) as last pushed, per dealer: the person id is the dealer DMS's own.
CREATE TABLE IF NOT EXISTS carsys_persons (
  dealer_id text NOT NULL,
  person_id text NOT NULL,
  modified_at timestamptz NOT NULL,
  person jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (dealer_id, person_id)
);
