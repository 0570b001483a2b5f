import type { Queryable, Store } from '../../platform/db';
import { count } from '../../platform/metrics';
import { normalisePlate } from '../../platform/plates';
import type { CarsysIntervention, CarsysPerson, CarsysPushAck, CarsysVehicle, CarsysWorkOrderPush } from '../../vendors/carsys/types';

/** A stored work order, as the Customer subgraph reads it. */
export interface StoredWorkOrder {
  dealerId: string;
  dmsNumber: string;
  workOrderNumber: string;
  modifiedAt: string;
  /** normalised (normalisePlate) */
  plate: string;
  appointmentAt: string;
  /** the appointment instant to the microsecond (UTC), for cursors; set by the reads that page */
  appointmentKey?: string;
  dmsCreatedAt: string;
  waitingCustomer: boolean;
  vehicle: CarsysVehicle;
  interventions: CarsysIntervention[];
  driverId: string | null;
  ownerId: string | null;
  contractorId: string | null;
  /** pushes that changed the row (the first included); duplicates and stale pushes do not count */
  appliedPushes: number;
}

export interface StoredPerson extends CarsysPerson {
  dealerId: string;
  modifiedAt: string;
}

export interface PersonKey {
  dealerId: string;
  personId: string;
}

export interface CarsysWorkOrderStore {
  /** Idempotent, order-safe upsert of one push, in one transaction. */
  save(dealerId: string, push: CarsysWorkOrderPush): Promise<CarsysPushAck>;
  /** Every work order of these plates, newest appointment first per plate: ONE database round. */
  workOrdersByPlates(plates: readonly string[]): Promise<Map<string, StoredWorkOrder[]>>;
  /** These persons: ONE database round. */
  personsByKeys(keys: readonly PersonKey[]): Promise<Map<string, StoredPerson>>;
  /** One page of a dealer's work orders, newest appointment first, keyset-paginated: ONE database round. */
  workOrderPage(q: WorkOrderPageQuery): Promise<StoredWorkOrder[]>;
  /** Work orders by (dealer, WO number), the newest appointment when a number repeats: ONE database round. */
  workOrdersByNumbers(keys: readonly WorkOrderNumberKey[]): Promise<Map<string, StoredWorkOrder>>;
  /** The newest `limit` work orders naming each person (driver, owner or contractor): ONE database round. */
  workOrdersByPersons(keys: readonly PersonKey[], limit: number): Promise<Map<string, StoredWorkOrder[]>>;
  /** Per (dealer, from, to): the first `limit` work orders with an appointment in those days (Europe/Amsterdam), earliest first: ONE database round. */
  workOrdersByDealerRanges(keys: readonly DealerRangeKey[], limit: number): Promise<Map<string, StoredWorkOrder[]>>;
}

/** Where a page starts: the last row of the previous page (the order's full key). */
export interface WorkOrderPosition {
  appointmentAt: string;
  dmsNumber: string;
  workOrderNumber: string;
}

export interface WorkOrderPageQuery {
  dealerId: string;
  /** rows to read (the caller asks one more than it shows to know whether a next page exists) */
  limit: number;
  after?: WorkOrderPosition;
  /** yyyy-mm-dd, Europe/Amsterdam, both included */
  from?: string | null;
  to?: string | null;
  /** normalised */
  plate?: string | null;
  workOrderNumber?: string | null;
}

export interface WorkOrderNumberKey {
  dealerId: string;
  workOrderNumber: string;
}

export interface DealerRangeKey {
  dealerId: string;
  from: string;
  to: string;
}

export const workOrderNumberKeyOf = (k: WorkOrderNumberKey) => `${k.dealerId}\u0000${k.workOrderNumber}`;
export const dealerRangeKeyOf = (k: DealerRangeKey) => `${k.dealerId}\u0000${k.from}\u0000${k.to}`;

/** The dealers' local time zone: date filters and ranges are Dutch calendar days. */
const ZONE = 'Europe/Amsterdam';

export const personKeyOf = (k: PersonKey) => `${k.dealerId}\u0000${k.personId}`;

const COLUMNS = `w.dealer_id, w.dms_number, w.work_order_number, w.modified_at, w.plate, w.appointment_at, w.dms_created_at, w.waiting_customer,
  w.vehicle, w.interventions, w.driver_id, w.owner_id, w.contractor_id, w.push_count,
  to_char(w.appointment_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS appointment_key`;

interface WorkOrderRow {
  dealer_id: string;
  dms_number: string;
  work_order_number: string;
  modified_at: Date | string;
  plate: string;
  appointment_at: Date | string;
  dms_created_at: Date | string;
  waiting_customer: boolean;
  vehicle: CarsysVehicle | string;
  interventions: CarsysIntervention[] | string;
  driver_id: string | null;
  owner_id: string | null;
  contractor_id: string | null;
  push_count: number;
  /** the appointment instant to the microsecond: a cursor must name the row exactly */
  appointment_key?: string;
}

function workOrderOf(row: WorkOrderRow): StoredWorkOrder {
  return {
    dealerId: row.dealer_id,
    dmsNumber: row.dms_number,
    workOrderNumber: row.work_order_number,
    modifiedAt: iso(row.modified_at),
    plate: row.plate,
    appointmentAt: iso(row.appointment_at),
    appointmentKey: row.appointment_key,
    dmsCreatedAt: iso(row.dms_created_at),
    waitingCustomer: row.waiting_customer,
    vehicle: json(row.vehicle),
    interventions: json(row.interventions),
    driverId: row.driver_id,
    ownerId: row.owner_id,
    contractorId: row.contractor_id,
    appliedPushes: Number(row.push_count),
  };
}

const iso = (v: Date | string) => (v instanceof Date ? v : new Date(v)).toISOString();
const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

/**
 * Every query goes through `round` so tests and the bench can read `db.customer.rounds` on /metrics and
 * prove a 50-vehicle query costs one round per resource.
 */
function counted(q: Queryable, resource: string): Queryable {
  return {
    query: (sql, params) => {
      count('db.customer.rounds');
      count(`db.customer.rounds.${resource}`);
      return q.query(sql, params);
    },
  };
}

export function createCarsysWorkOrderStore(store: Store): CarsysWorkOrderStore {
  async function save(dealerId: string, push: CarsysWorkOrderPush): Promise<CarsysPushAck> {
    const plate = normalisePlate(push.vehicle.plate);
    const ack = (status: CarsysPushAck['status']): CarsysPushAck => ({ status, dmsNumber: push.dmsNumber, workOrderNumber: push.workOrderNumber });
    return store.transaction(async (raw) => {
      const tx = counted(raw, 'carsys_push');
      // Persons first, each guarded by its own modified_at: a person shared by several work orders keeps
      // the data of the newest push that carried it.
      if (push.persons.length) {
        await tx.query(
          `INSERT INTO carsys_persons (dealer_id, person_id, modified_at, person)
           SELECT $1, p->>'id', $2::timestamptz, p FROM jsonb_array_elements($3::jsonb) AS p
           ON CONFLICT (dealer_id, person_id) DO UPDATE
             SET modified_at = EXCLUDED.modified_at, person = EXCLUDED.person, received_at = now()
             WHERE carsys_persons.modified_at < EXCLUDED.modified_at`,
          [dealerId, push.modifiedAt, JSON.stringify(push.persons)],
        );
      }
      const { vehicle, appointment } = push;
      const written = await tx.query<{ inserted: boolean }>(
        `INSERT INTO carsys_work_orders (dealer_id, dms_number, work_order_number, modified_at, plate, plate_as_pushed,
           appointment_at, dms_created_at, waiting_customer, vehicle, interventions, driver_id, owner_id, contractor_id)
         VALUES ($1, $2, $3, $4::timestamptz, $5, $6, $7::timestamptz, $8::timestamptz, $9, $10::jsonb, $11::jsonb, $12, $13, $14)
         ON CONFLICT (dealer_id, dms_number, work_order_number) DO UPDATE SET
           modified_at = EXCLUDED.modified_at, plate = EXCLUDED.plate, plate_as_pushed = EXCLUDED.plate_as_pushed,
           appointment_at = EXCLUDED.appointment_at, dms_created_at = EXCLUDED.dms_created_at,
           waiting_customer = EXCLUDED.waiting_customer, vehicle = EXCLUDED.vehicle, interventions = EXCLUDED.interventions,
           driver_id = EXCLUDED.driver_id, owner_id = EXCLUDED.owner_id, contractor_id = EXCLUDED.contractor_id,
           push_count = carsys_work_orders.push_count + 1, received_at = now()
           WHERE carsys_work_orders.modified_at < EXCLUDED.modified_at
         RETURNING (xmax = 0) AS inserted`,
        [
          dealerId,
          push.dmsNumber,
          push.workOrderNumber,
          push.modifiedAt,
          plate,
          vehicle.plate,
          appointment.appointmentDate,
          appointment.creationDate,
          appointment.waitingCustomer,
          JSON.stringify(vehicle),
          JSON.stringify(push.interventions),
          vehicle.driverId,
          vehicle.ownerId,
          vehicle.contractorId,
        ],
      );
      if (written.rows.length) return ack(written.rows[0]!.inserted ? 'created' : 'updated');
      // Not written: the stored row is as new or newer. Same instant = a repeated push; older = out of order.
      const current = await tx.query<{ same: boolean }>(
        'SELECT modified_at = $4::timestamptz AS same FROM carsys_work_orders WHERE dealer_id = $1 AND dms_number = $2 AND work_order_number = $3',
        [dealerId, push.dmsNumber, push.workOrderNumber, push.modifiedAt],
      );
      return ack(current.rows[0]?.same ? 'duplicate' : 'stale');
    });
  }

  async function workOrdersByPlates(plates: readonly string[]) {
    const out = new Map<string, StoredWorkOrder[]>(plates.map((p) => [p, []]));
    if (!plates.length) return out;
    const r = await counted(store, 'carsys_work_orders').query<WorkOrderRow>(
      `SELECT dealer_id, dms_number, work_order_number, modified_at, plate, appointment_at, dms_created_at, waiting_customer,
              vehicle, interventions, driver_id, owner_id, contractor_id, push_count
         FROM carsys_work_orders WHERE plate = ANY($1::text[])
        ORDER BY plate, appointment_at DESC, dms_number, work_order_number`,
      [[...new Set(plates)]],
    );
    for (const row of r.rows) out.get(row.plate)?.push(workOrderOf(row));
    return out;
  }

  async function personsByKeys(keys: readonly PersonKey[]) {
    const out = new Map<string, StoredPerson>();
    if (!keys.length) return out;
    const r = await counted(store, 'carsys_persons').query<{ dealer_id: string; person_id: string; modified_at: Date | string; person: CarsysPerson | string }>(
      `SELECT p.dealer_id, p.person_id, p.modified_at, p.person
         FROM carsys_persons p JOIN unnest($1::text[], $2::text[]) AS k(dealer_id, person_id)
           ON p.dealer_id = k.dealer_id AND p.person_id = k.person_id`,
      [keys.map((k) => k.dealerId), keys.map((k) => k.personId)],
    );
    for (const row of r.rows) {
      out.set(personKeyOf({ dealerId: row.dealer_id, personId: row.person_id }), { ...json(row.person), id: row.person_id, dealerId: row.dealer_id, modifiedAt: iso(row.modified_at) });
    }
    return out;
  }

  async function workOrderPage(q: WorkOrderPageQuery) {
    const r = await counted(store, 'carsys_work_orders').query<WorkOrderRow>(
      `SELECT ${COLUMNS} FROM carsys_work_orders w
        WHERE w.dealer_id = $1
          AND ($2::date IS NULL OR w.appointment_at >= ($2::date)::timestamp AT TIME ZONE '${ZONE}')
          AND ($3::date IS NULL OR w.appointment_at < ($3::date + 1)::timestamp AT TIME ZONE '${ZONE}')
          AND ($4::text IS NULL OR w.plate = $4)
          AND ($5::text IS NULL OR w.work_order_number = $5)
          AND ($6::timestamptz IS NULL OR (w.appointment_at, w.dms_number, w.work_order_number) < ($6::timestamptz, $7::text, $8::text))
        ORDER BY w.appointment_at DESC, w.dms_number DESC, w.work_order_number DESC
        LIMIT $9`,
      [q.dealerId, q.from ?? null, q.to ?? null, q.plate ?? null, q.workOrderNumber ?? null, q.after?.appointmentAt ?? null, q.after?.dmsNumber ?? null, q.after?.workOrderNumber ?? null, q.limit],
    );
    return r.rows.map(workOrderOf);
  }

  async function workOrdersByNumbers(keys: readonly WorkOrderNumberKey[]) {
    const out = new Map<string, StoredWorkOrder>();
    if (!keys.length) return out;
    const r = await counted(store, 'carsys_work_orders').query<WorkOrderRow>(
      `SELECT DISTINCT ON (w.dealer_id, w.work_order_number) ${COLUMNS}
         FROM carsys_work_orders w JOIN unnest($1::text[], $2::text[]) AS k(dealer_id, work_order_number)
           ON w.dealer_id = k.dealer_id AND w.work_order_number = k.work_order_number
        ORDER BY w.dealer_id, w.work_order_number, w.appointment_at DESC, w.dms_number DESC`,
      [keys.map((k) => k.dealerId), keys.map((k) => k.workOrderNumber)],
    );
    for (const row of r.rows) out.set(workOrderNumberKeyOf({ dealerId: row.dealer_id, workOrderNumber: row.work_order_number }), workOrderOf(row));
    return out;
  }

  async function workOrdersByPersons(keys: readonly PersonKey[], limit: number) {
    const out = new Map<string, StoredWorkOrder[]>(keys.map((k) => [personKeyOf(k), []]));
    if (!keys.length) return out;
    const r = await counted(store, 'carsys_work_orders').query<WorkOrderRow & { k_dealer: string; k_person: string }>(
      `SELECT k.dealer_id AS k_dealer, k.person_id AS k_person, w.*
         FROM unnest($1::text[], $2::text[]) AS k(dealer_id, person_id)
         CROSS JOIN LATERAL (
           SELECT ${COLUMNS} FROM carsys_work_orders w
            WHERE w.dealer_id = k.dealer_id AND (w.driver_id = k.person_id OR w.owner_id = k.person_id OR w.contractor_id = k.person_id)
            ORDER BY w.appointment_at DESC, w.dms_number DESC, w.work_order_number DESC
            LIMIT $3) w`,
      [keys.map((k) => k.dealerId), keys.map((k) => k.personId), limit],
    );
    for (const row of r.rows) out.get(personKeyOf({ dealerId: row.k_dealer, personId: row.k_person }))?.push(workOrderOf(row));
    return out;
  }

  async function workOrdersByDealerRanges(keys: readonly DealerRangeKey[], limit: number) {
    const out = new Map<string, StoredWorkOrder[]>(keys.map((k) => [dealerRangeKeyOf(k), []]));
    if (!keys.length) return out;
    const r = await counted(store, 'carsys_work_orders').query<WorkOrderRow & { k_dealer: string; k_from: string; k_to: string }>(
      `SELECT k.dealer_id AS k_dealer, k.d_from AS k_from, k.d_to AS k_to, w.*
         FROM unnest($1::text[], $2::text[], $3::text[]) AS k(dealer_id, d_from, d_to)
         CROSS JOIN LATERAL (
           SELECT ${COLUMNS} FROM carsys_work_orders w
            WHERE w.dealer_id = k.dealer_id
              AND w.appointment_at >= (k.d_from::date)::timestamp AT TIME ZONE '${ZONE}'
              AND w.appointment_at < (k.d_to::date + 1)::timestamp AT TIME ZONE '${ZONE}'
            ORDER BY w.appointment_at, w.dms_number, w.work_order_number
            LIMIT $4) w`,
      [keys.map((k) => k.dealerId), keys.map((k) => k.from), keys.map((k) => k.to), limit],
    );
    for (const row of r.rows) out.get(dealerRangeKeyOf({ dealerId: row.k_dealer, from: row.k_from, to: row.k_to }))?.push(workOrderOf(row));
    return out;
  }

  return { save, workOrdersByPlates, personsByKeys, workOrderPage, workOrdersByNumbers, workOrdersByPersons, workOrdersByDealerRanges };
}

/**
 * Retention: work orders no push has changed for `retentionDays`, then persons no remaining work order
 * points at and no push has changed for as long. In batches; answers how many rows went.
 */
export async function pruneCarsysRows(db: Queryable, retentionDays: number, batch = 1_000): Promise<number> {
  let total = 0;
  const days = String(retentionDays);
  for (;;) {
    const { rowCount } = await db.query(
      `DELETE FROM carsys_work_orders WHERE (dealer_id, dms_number, work_order_number) IN (
         SELECT dealer_id, dms_number, work_order_number FROM carsys_work_orders
          WHERE received_at < now() - ($1 || ' days')::interval LIMIT $2)`,
      [days, batch],
    );
    total += rowCount;
    if (rowCount < batch) break;
  }
  for (;;) {
    const { rowCount } = await db.query(
      `DELETE FROM carsys_persons WHERE (dealer_id, person_id) IN (
         SELECT p.dealer_id, p.person_id FROM carsys_persons p
          WHERE p.received_at < now() - ($1 || ' days')::interval
            AND NOT EXISTS (SELECT 1 FROM carsys_work_orders w WHERE w.dealer_id = p.dealer_id
                              AND p.person_id IN (w.driver_id, w.owner_id, w.contractor_id))
          LIMIT $2)`,
      [days, batch],
    );
    total += rowCount;
    if (rowCount < batch) return total;
  }
}
