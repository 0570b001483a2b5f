-- Coverage: who made each port reservation (issue 9, ownership). `partner:<id>` or `user:<sub>`, as the
-- gateway authenticated the caller. Only that caller (or an admin) reads its prospect, confirms or
-- cancels it. Reservations made before this column existed have none: only an admin reaches them.
ALTER TABLE coverage_reservations ADD COLUMN IF NOT EXISTS reserved_by text;
