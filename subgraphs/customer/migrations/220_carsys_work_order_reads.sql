-- Customer domain (range 200-299): the reads of issue 12 — a dealer's work orders newest first (keyset
-- pagination on (appointment_at, dms_number, work_order_number)), one by WO number, a person's work
-- orders (driver, owner or contractor) and a linked workshop's appointments in a date range.
CREATE INDEX IF NOT EXISTS carsys_work_orders_dealer_appointment ON carsys_work_orders (dealer_id, appointment_at DESC, dms_number DESC, work_order_number DESC);
CREATE INDEX IF NOT EXISTS carsys_work_orders_dealer_number ON carsys_work_orders (dealer_id, work_order_number);
CREATE INDEX IF NOT EXISTS carsys_work_orders_driver ON carsys_work_orders (dealer_id, driver_id);
CREATE INDEX IF NOT EXISTS carsys_work_orders_owner ON carsys_work_orders (dealer_id, owner_id);
CREATE INDEX IF NOT EXISTS carsys_work_orders_contractor ON carsys_work_orders (dealer_id, contractor_id);
