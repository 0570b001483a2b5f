import { createHash } from 'node:crypto';
import { migrationsFolder, type Queryable, type Store } from '../../platform/db';
import { conflict } from '../../platform/errors';
import { enqueueJob } from '../../platform/jobs';
import type { VitecEstate } from '../../vendors/vitec/types';
import type { OrderStatus } from './status';

/** This domain's tables (`migrations/`, numbered in its range), applied by its service after the platform's. */
export const orderMigrations = migrationsFolder(import.meta.url);

export type IntakeAuthMode = 'token' | 'basic' | 'none';

/** A row of `orders` (migration 100_order.sql), as the resolvers see it. */
export interface OrderRow {
  id: string;
  intake_key: string;
  customer_id: string;
  auth_mode: IntakeAuthMode;
  token: string | null;
  vitec_order_id: string | null;
  user_id: string | null;
  order_user_id: string | null;
  current_user_id: string | null;
  tenant_id: string | null;
  chain_id: string | null;
  target_id: string | null;
  target_type: string | null;
  estate: VitecEstate | null;
  status: OrderStatus;
  status_description: string | null;
  user_interaction: { url: string; comment: string; requestedAt: string } | null;
  delivery: { url: string; comment: string; deliveredAt: string } | null;
  merged_into: string | null;
  created_at: string;
  updated_at: string;
}

/** A status change as stored in `order_events` and as published to subscribers. */
export interface OrderEvent {
  eventId: string;
  orderId: string;
  customerId: string;
  status: OrderStatus;
  description: string | null;
  at: string;
}

export const PROCESS_ORDER_JOB = 'vitec.order.process';

export interface IntakeInput {
  customerId: string;
  authMode: IntakeAuthMode;
  token?: string;
  vitecOrderId?: string;
  userId?: string;
  orderUserId?: string;
  currentUserId?: string;
  chainId?: string;
  targetId?: string;
  targetType?: string;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * A token-mode order Vitec has not yet confirmed (the token is not verified): anyone can open our order
 * URL with a made-up token, so such a row has no event, is in no partner's list or query, and is deleted
 * when Vitec rejects the token (or pruned when it was never verified).
 */
export const awaitingVerification = (o: Pick<OrderRow, 'auth_mode' | 'vitec_order_id'>) => o.auth_mode === 'token' && !o.vitec_order_id;
const VERIFIED_SQL = "NOT (auth_mode = 'token' AND vitec_order_id IS NULL)";

/**
 * The intake key says "the same order URL": the token (token mode; only its hash is kept in the key) or
 * Vitec's order id (basic/none). Our order id derives from it, so a re-open lands on the same row.
 */
export function intakeKeyOf(input: IntakeInput): string {
  return input.authMode === 'token' ? `${input.customerId}:token:${sha256(input.token ?? '')}` : `${input.customerId}:order:${input.vitecOrderId}`;
}
export const orderIdOf = (intakeKey: string) => `ord_${sha256(intakeKey).slice(0, 24)}`;

const ts = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v));
function rowOf(r: Record<string, unknown>): OrderRow {
  return { ...(r as unknown as OrderRow), created_at: ts(r.created_at), updated_at: ts(r.updated_at) };
}
function eventOf(r: Record<string, unknown>): OrderEvent {
  return { eventId: String(r.id), orderId: String(r.order_id), customerId: String(r.customer_id), status: r.status as OrderStatus, description: (r.description as string | null) ?? null, at: ts(r.at) };
}

/** The transaction-scoped advisory lock that orders event commits (any constant of our own; see insertEvent). */
const ORDER_EVENTS_COMMIT_LOCK = 7_100_100;

/**
 * Inserts a status event. The advisory lock, held until the transaction commits, makes event ids commit in
 * id order across every instance: when an instance sees event N, every event below N is committed (or
 * never will be), so the feed can fill a gap from the store and hand events out in id order — a subscriber
 * that resumes after the last id it received then misses nothing (events.ts). Event-writing transactions
 * are short (a row update, this insert, maybe a job), so serialising their tails costs little.
 */
async function insertEvent(tx: Queryable, order: { id: string; customer_id: string }, status: OrderStatus, description: string | null): Promise<OrderEvent> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [ORDER_EVENTS_COMMIT_LOCK]);
  const { rows } = await tx.query('INSERT INTO order_events (order_id, customer_id, status, description) VALUES ($1, $2, $3, $4) RETURNING *', [order.id, order.customer_id, status, description]);
  return eventOf(rows[0]!);
}

export interface ListQuery {
  customers: string[];
  status?: OrderStatus[] | null;
  customerId?: string | null;
  receivedAfter?: string | null;
  receivedBefore?: string | null;
  first: number;
  after?: { createdAt: string; id: string };
}

export type OrderPatch = Partial<Pick<OrderRow, 'status_description' | 'user_interaction' | 'delivery' | 'estate'>>;

export function createOrderStore(store: Store) {
  return {
    store,

    /**
     * Stores the order, its RECEIVED event and its processing job in one transaction (the job table is
     * the outbox: a crash after our 200 loses nothing). Answers the existing order on a re-open.
     */
    async intake(input: IntakeInput): Promise<{ order: OrderRow; created: boolean; event?: OrderEvent }> {
      const key = intakeKeyOf(input);
      const id = orderIdOf(key);
      return store.transaction(async (tx) => {
        const inserted = await tx.query(
          `INSERT INTO orders (id, intake_key, customer_id, auth_mode, token, vitec_order_id, user_id, order_user_id, current_user_id, chain_id, target_id, target_type, status)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'RECEIVED')
           ON CONFLICT (intake_key) DO NOTHING RETURNING *`,
          [id, key, input.customerId, input.authMode, input.token ?? null, input.vitecOrderId ?? null, input.currentUserId ?? null, input.orderUserId ?? input.userId ?? null, input.currentUserId ?? null, input.chainId ?? null, input.targetId ?? null, input.targetType ?? null],
        );
        if (!inserted.rows.length) {
          const existing = (await tx.query('SELECT * FROM orders WHERE id = $1', [id])).rows[0]!;
          return { order: rowOf(existing), created: false };
        }
        const order = rowOf(inserted.rows[0]!);
        // A token order's RECEIVED event waits for Vitec to confirm the token (saveVerified).
        const event = awaitingVerification(order) ? undefined : await insertEvent(tx, order, 'RECEIVED', null);
        await enqueueJob(tx, PROCESS_ORDER_JOB, { orderId: id }, { dedupeKey: `${PROCESS_ORDER_JOB}:${id}` });
        return { order, created: true, event };
      });
    },

    async get(id: string): Promise<OrderRow | undefined> {
      const { rows } = await store.query('SELECT * FROM orders WHERE id = $1', [id]);
      return rows[0] ? rowOf(rows[0]) : undefined;
    },

    async getMany(ids: readonly string[]): Promise<OrderRow[]> {
      const { rows } = await store.query('SELECT * FROM orders WHERE id = ANY($1)', [[...ids]]);
      return rows.map(rowOf);
    },

    /** Newest first, keyset pagination on (created_at, id); asks one extra row to know whether more follow. */
    async list(q: ListQuery): Promise<{ rows: OrderRow[]; hasNextPage: boolean }> {
      const where = ['merged_into IS NULL', VERIFIED_SQL, 'customer_id = ANY($1)'];
      const params: unknown[] = [q.customers];
      const add = (sql: string, v: unknown) => {
        params.push(v);
        where.push(sql.replace('?', `$${params.length}`));
      };
      if (q.status?.length) add('status = ANY(?)', q.status);
      if (q.customerId) add('customer_id = ?', q.customerId);
      if (q.receivedAfter) add('created_at >= ?::timestamptz', q.receivedAfter);
      if (q.receivedBefore) add('created_at < ?::timestamptz', q.receivedBefore);
      if (q.after) {
        params.push(q.after.createdAt, q.after.id);
        where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length})`);
      }
      params.push(q.first + 1);
      const { rows } = await store.query(`SELECT * FROM orders WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`, params);
      return { rows: rows.slice(0, q.first).map(rowOf), hasNextPage: rows.length > q.first };
    },

    async history(orderId: string): Promise<OrderEvent[]> {
      const { rows } = await store.query('SELECT * FROM order_events WHERE order_id = $1 ORDER BY id', [orderId]);
      return rows.map(eventOf);
    },

    /** Events after `afterEventId` a subscriber may see, oldest first, no older than `maxAgeHours`. */
    async eventsAfter(q: { afterEventId: number; customers: string[]; orderId?: string | null; maxAgeHours: number; limit?: number }): Promise<OrderEvent[]> {
      const { rows } = await store.query(
        `SELECT * FROM order_events WHERE id > $1 AND customer_id = ANY($2) AND ($3::text IS NULL OR order_id = $3)
           AND at > now() - ($4 || ' hours')::interval ORDER BY id LIMIT $5`,
        [q.afterEventId, q.customers, q.orderId ?? null, String(q.maxAgeHours), q.limit ?? 10_000],
      );
      return rows.map(eventOf);
    },

    /**
     * What a live subscriber may have missed: events after `afterEventId`, plus any committed in the
     * `lookbackMs` before `since` (ids are taken at insert, so an event can commit after one with a higher
     * id; the caller drops those it already gave out). Oldest first, capped at `limit`.
     */
    async eventsForCatchUp(q: { afterEventId: number; since: string | null; lookbackMs: number; customers: string[]; orderId?: string | null; maxAgeHours: number; limit: number }): Promise<OrderEvent[]> {
      const { rows } = await store.query(
        `SELECT * FROM order_events
          WHERE (id > $1 OR ($2::timestamptz IS NOT NULL AND at >= $2::timestamptz - ($3 || ' milliseconds')::interval))
            AND customer_id = ANY($4) AND ($5::text IS NULL OR order_id = $5)
            AND at > now() - ($6 || ' hours')::interval
          ORDER BY id LIMIT $7`,
        [q.afterEventId, q.since, String(q.lookbackMs), q.customers, q.orderId ?? null, String(q.maxAgeHours), q.limit],
      );
      return rows.map(eventOf);
    },

    /** Every event with `afterEventId` < id < `beforeEventId` (all customers), oldest first: a live feed's gap. */
    async eventsBetween(afterEventId: number, beforeEventId: number, limit: number): Promise<OrderEvent[]> {
      const { rows } = await store.query('SELECT * FROM order_events WHERE id > $1 AND id < $2 ORDER BY id LIMIT $3', [afterEventId, beforeEventId, limit]);
      return rows.map(eventOf);
    },

    /** The newest event id (0 when none): where a new live subscriber starts. */
    async lastEventId(): Promise<number> {
      const { rows } = await store.query<{ id: number | null }>('SELECT max(id) AS id FROM order_events');
      return Number(rows[0]?.id ?? 0);
    },

    /**
     * Retention: deletes events older than `retentionHours`, except each order's latest (its current status
     * keeps a history entry). Answers how many rows went.
     */
    async pruneEvents(retentionHours: number, batch = 1_000): Promise<number> {
      let total = 0;
      for (;;) {
        const { rowCount } = await store.query(
          `DELETE FROM order_events WHERE id IN (
             SELECT e.id FROM order_events e
              WHERE e.at < now() - ($1 || ' hours')::interval
                AND e.id < (SELECT max(l.id) FROM order_events l WHERE l.order_id = e.order_id)
              LIMIT $2)`,
          [String(retentionHours), batch],
        );
        total += rowCount;
        if (rowCount < batch) return total;
      }
    },

    /** Vitec's ids and the estate, found by processing; the token is dropped once it has served. */
    async saveVerified(id: string, v: { vitecOrderId: string; userId: string | null; orderUserId: string | null; tenantId: string | null; chainId: string | null; targetId: string | null; targetType: string | null }): Promise<{ mergedInto?: string; event?: OrderEvent }> {
      return store.transaction(async (tx) => {
        const current = (await tx.query<{ customer_id: string; auth_mode: IntakeAuthMode; vitec_order_id: string | null }>('SELECT customer_id, auth_mode, vitec_order_id FROM orders WHERE id = $1 FOR UPDATE', [id])).rows[0];
        if (!current) return {};
        const twin = (await tx.query<{ id: string }>('SELECT id FROM orders WHERE customer_id = $1 AND vitec_order_id = $2 AND id <> $3 AND merged_into IS NULL', [current.customer_id, v.vitecOrderId, id])).rows[0];
        if (twin) {
          // Vitec opened the URL again with a new token for an order we already have: one order, not two.
          await tx.query('UPDATE orders SET merged_into = $2, token = NULL, updated_at = now() WHERE id = $1', [id, twin.id]);
          return { mergedInto: twin.id };
        }
        await tx.query(
          `UPDATE orders SET vitec_order_id = $2, user_id = $3, order_user_id = $4, tenant_id = $5, chain_id = $6, target_id = $7, target_type = $8, token = NULL, updated_at = now() WHERE id = $1`,
          [id, v.vitecOrderId, v.userId, v.orderUserId, v.tenantId, v.chainId, v.targetId, v.targetType],
        );
        // Vitec confirmed the token: the order exists, and its subscribers learn of it now.
        const event = awaitingVerification(current) ? await insertEvent(tx, { id, customer_id: current.customer_id }, 'RECEIVED', null) : undefined;
        return { event };
      });
    },

    /** Removes a token order Vitec rejected (or never confirmed); a verified order is never removed. */
    async dropUnverified(id: string): Promise<boolean> {
      return store.transaction(async (tx) => {
        const { rows } = await tx.query(`DELETE FROM orders WHERE id = $1 AND auth_mode = 'token' AND vitec_order_id IS NULL RETURNING id`, [id]);
        return rows.length > 0;
      });
    },

    /** Prunes token orders never verified within `maxAgeS` (the processing job died or was lost); at most `limit` per call. */
    async pruneUnverified(maxAgeS: number, limit = 100): Promise<number> {
      const { rows } = await store.query(
        `DELETE FROM orders WHERE id IN (SELECT id FROM orders WHERE auth_mode = 'token' AND vitec_order_id IS NULL AND created_at < now() - ($1 || ' seconds')::interval LIMIT $2) RETURNING id`,
        [String(maxAgeS), limit],
      );
      return rows.length;
    },

    async saveEstate(id: string, estate: VitecEstate | null): Promise<void> {
      await store.query('UPDATE orders SET estate = $2::jsonb, updated_at = now() WHERE id = $1', [id, estate === null ? null : JSON.stringify(estate)]);
    },

    /**
     * Moves an order from `from` to `to` and records the event, in one transaction. Compare-and-set on the
     * status: when someone else moved the order meanwhile, CONFLICT and nothing is written.
     */
    async transition(id: string, from: OrderStatus, to: OrderStatus, description: string | null, patch: OrderPatch = {}): Promise<{ order: OrderRow; event: OrderEvent }> {
      return store.transaction(async (tx) => {
        const { rows } = await tx.query(
          `UPDATE orders SET status = $3, status_description = $4,
             user_interaction = coalesce($5::jsonb, user_interaction), delivery = coalesce($6::jsonb, delivery), updated_at = now()
           WHERE id = $1 AND status = $2 RETURNING *`,
          [id, from, to, description, patch.user_interaction ? JSON.stringify(patch.user_interaction) : null, patch.delivery ? JSON.stringify(patch.delivery) : null],
        );
        if (!rows.length) throw conflict(`order ${id} changed status meanwhile; read it again`, { expected: from });
        const order = rowOf(rows[0]!);
        return { order, event: await insertEvent(tx, order, to, description) };
      });
    },
  };
}

export type OrderStore = ReturnType<typeof createOrderStore>;
