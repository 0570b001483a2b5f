import { migrationsFolder, type Queryable, type Store } from '../../platform/db';

/** This domain's tables (`migrations/`, numbered in its range), applied by its service after the platform's. */
export const coverageMigrations = migrationsFolder(import.meta.url);

/** The plan catalogue row (see migration 300_coverage.sql). */
export interface PlanRow {
  code: string;
  name: string;
  regionTags: string[];
}

export type ReservationStatus = 'reserving' | 'reserved' | 'confirming' | 'confirmed' | 'cancelling' | 'cancelled' | 'releasing' | 'expired' | 'failed';

export interface ProspectData {
  name: string;
  email: string;
  phone: string;
  address: string;
  lat?: number;
  lng?: number;
}

export interface ReservationRow {
  id: string;
  status: ReservationStatus;
  boxId: string;
  boxName: string;
  splitterId: string;
  portIndex: number;
  propertyId: string | null;
  plan: string | null;
  prospect: ProspectData;
  createdAt: Date;
  expiresAt: Date;
  confirmedAt: Date | null;
  endedAt: Date | null;
  leaseUntil: Date | null;
  leaseOwner: string | null;
  attempts: number;
  lastError: string | null;
  /** `partner:<id>` or `user:<sub>` of the caller that reserved; null for rows older than ownership */
  reservedBy: string | null;
}

const COLUMNS = `id::text AS id, status, box_id AS "boxId", box_name AS "boxName", splitter_id AS "splitterId", port_index AS "portIndex",
  property_id AS "propertyId", plan, prospect, created_at AS "createdAt", expires_at AS "expiresAt", confirmed_at AS "confirmedAt",
  ended_at AS "endedAt", lease_until AS "leaseUntil", lease_owner AS "leaseOwner", attempts, last_error AS "lastError", reserved_by AS "reservedBy"`;

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505';

export interface NewReservation {
  id: string;
  boxId: string;
  boxName: string;
  splitterId: string;
  portIndex: number;
  plan: string | null;
  prospect: ProspectData;
  createdAt: Date;
  expiresAt: Date;
  leaseUntil: Date;
  owner: string;
  /** the caller that reserves (see ReservationRow.reservedBy) */
  reservedBy: string;
}

/** Plans and reservations in the shared store; every time comes from the caller, so tests control the clock. */
export function createCoverageStore(store: Store) {
  const one = async (db: Queryable, sql: string, params: unknown[]) => (await db.query<ReservationRow>(sql, params)).rows[0];

  return {
    store,

    async listPlans(): Promise<PlanRow[]> {
      return (await store.query<PlanRow>('SELECT code, name, region_tags AS "regionTags" FROM coverage_plans ORDER BY code')).rows;
    },
    async getPlan(code: string): Promise<PlanRow | undefined> {
      return (await store.query<PlanRow>('SELECT code, name, region_tags AS "regionTags" FROM coverage_plans WHERE code = $1', [code])).rows[0];
    },
    async setPlan(plan: PlanRow, now: Date): Promise<PlanRow> {
      const { rows } = await store.query<PlanRow>(
        `INSERT INTO coverage_plans (code, name, region_tags, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, region_tags = excluded.region_tags, updated_at = excluded.updated_at
         RETURNING code, name, region_tags AS "regionTags"`,
        [plan.code, plan.name, plan.regionTags, now],
      );
      return rows[0]!;
    },

    async get(id: string): Promise<ReservationRow | undefined> {
      return one(store, `SELECT ${COLUMNS} FROM coverage_reservations WHERE id = $1`, [id]);
    },

    /** Holds the port for us; undefined when a live reservation already holds it (the unique index decides). */
    async insertReserving(r: NewReservation): Promise<ReservationRow | undefined> {
      try {
        return await one(
          store,
          `INSERT INTO coverage_reservations (id, status, box_id, box_name, splitter_id, port_index, plan, prospect, created_at, expires_at, lease_until, lease_owner, attempts, reserved_by)
           VALUES ($1, 'reserving', $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, 1, $12) RETURNING ${COLUMNS}`,
          [r.id, r.boxId, r.boxName, r.splitterId, r.portIndex, r.plan, JSON.stringify(r.prospect), r.createdAt, r.expiresAt, r.leaseUntil, r.owner, r.reservedBy],
        );
      } catch (err) {
        if (isUniqueViolation(err)) return undefined;
        throw err;
      }
    },

    /**
     * Moves a reservation from `from` to an in-flight state under our lease, only if it is still in
     * `from` (and, with `expiry`, only while it has not expired). Answers the row, or undefined.
     */
    async claim(id: string, from: ReservationStatus, to: ReservationStatus, owner: string, leaseUntil: Date, expiry?: { notExpiredAt: Date }): Promise<ReservationRow | undefined> {
      return one(
        store,
        `UPDATE coverage_reservations SET status = $3, lease_owner = $4, lease_until = $5, attempts = attempts + 1
         WHERE id = $1 AND status = $2 AND ($6::timestamptz IS NULL OR expires_at > $6)
         RETURNING ${COLUMNS}`,
        [id, from, to, owner, leaseUntil, expiry?.notExpiredAt ?? null],
      );
    },

    /** Ends our in-flight step: only while we still hold the lease, so a taken-over step finishes once. */
    async finish(id: string, from: ReservationStatus, owner: string, to: ReservationStatus, fields: { propertyId?: string; confirmedAt?: Date; endedAt?: Date; lastError?: string } = {}): Promise<ReservationRow | undefined> {
      return one(
        store,
        `UPDATE coverage_reservations SET status = $4, lease_owner = NULL, lease_until = NULL,
           property_id = coalesce($5, property_id), confirmed_at = coalesce($6, confirmed_at), ended_at = coalesce($7, ended_at),
           last_error = coalesce($8, last_error)
         WHERE id = $1 AND status = $2 AND lease_owner = $3
         RETURNING ${COLUMNS}`,
        [id, from, owner, to, fields.propertyId ?? null, fields.confirmedAt ?? null, fields.endedAt ?? null, fields.lastError?.slice(0, 2000) ?? null],
      );
    },

    /** Keeps the in-flight state (another try comes after the lease) and records why this one failed. */
    async noteError(id: string, owner: string, error: string): Promise<void> {
      await store.query('UPDATE coverage_reservations SET last_error = $3 WHERE id = $1 AND lease_owner = $2', [id, owner, error.slice(0, 2000)]);
    },

    /**
     * The sweeper's claim: reservations past their expiry, plus in-flight work whose lease has run out
     * (an instance crashed or lost its database mid-step). `FOR UPDATE SKIP LOCKED` lets several
     * instances claim at once without waiting for or taking each other's rows; each row is claimed by one.
     */
    async claimDue(now: Date, owner: string, leaseUntil: Date, limit: number): Promise<ReservationRow[]> {
      return store.transaction(async (tx) => {
        const { rows } = await tx.query<ReservationRow>(
          `UPDATE coverage_reservations
           SET status = CASE WHEN status = 'reserved' THEN 'releasing' ELSE status END,
               lease_owner = $2, lease_until = $3, attempts = attempts + 1
           WHERE id IN (
             SELECT id FROM coverage_reservations
             WHERE (status = 'reserved' AND expires_at <= $1)
                OR (status IN ('reserving', 'confirming', 'cancelling', 'releasing') AND lease_until <= $1)
             ORDER BY expires_at, id
             LIMIT $4
             FOR UPDATE SKIP LOCKED)
           RETURNING ${COLUMNS}`,
          [now, owner, leaseUntil, limit],
        );
        return rows;
      });
    },
  };
}
export type CoverageStore = ReturnType<typeof createCoverageStore>;
