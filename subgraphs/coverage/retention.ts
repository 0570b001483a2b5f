import type { Queryable } from '../../platform/db';

/**
 * Retention of the prospect's personal data: a reservation that ended without becoming a customer
 * (expired — the seed: "a reserva do cliente é excluída" —, cancelled, or failed) is deleted with its
 * prospect `retentionDays` after it ended. Confirmed reservations are customers and stay. In batches;
 * answers how many reservations went.
 */
export async function deleteEndedReservations(db: Queryable, retentionDays: number, batch = 1_000): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await db.query(
      `DELETE FROM coverage_reservations WHERE id IN (
         SELECT id FROM coverage_reservations
          WHERE status IN ('expired', 'cancelled', 'failed') AND coalesce(ended_at, expires_at) <= now() - ($1 || ' days')::interval
          LIMIT $2)`,
      [String(retentionDays), batch],
    );
    total += rowCount;
    if (rowCount < batch) return total;
  }
}
