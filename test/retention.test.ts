import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore, migrate, type Store } from '../platform/db';
import { silentLogger } from '../platform/logger';
import { startRetention } from '../platform/retention';
import { createMemoryTokenCache } from '../platform/tokens';
import { deleteEndedReservations } from '../subgraphs/coverage/retention';
import { createOrderStore, orderMigrations } from '../subgraphs/order/store';
import { pruneCarsysRows } from '../subgraphs/customer/carsys-store';
import { customerMigrations } from '../subgraphs/customer/store';
import { coverageMigrations } from '../subgraphs/coverage/store';
import { createThrowawayDatabase } from './support/throwaway-postgres';

/** Nothing grows without bound: each table's retention against real PostgreSQL, and the LRU bound of caches. */
let db: Awaited<ReturnType<typeof createThrowawayDatabase>>;
let store: Store;
beforeAll(async () => {
  db = await createThrowawayDatabase();
  store = createPostgresStore(db.url);
  await migrate(store, orderMigrations, customerMigrations, coverageMigrations);
});
afterAll(async () => {
  await store?.close();
  await db?.drop();
});

describe('retention', () => {
  it('order events past the retention go, except each order\'s latest', async () => {
    for (const id of ['o1', 'o2']) {
      await store.query(`INSERT INTO orders (id, intake_key, customer_id, auth_mode, status) VALUES ($1, $1, 'M125', 'none', 'ACKNOWLEDGED')`, [id]);
    }
    const ev = (order: string, status: string, hoursAgo: number) =>
      store.query(`INSERT INTO order_events (order_id, customer_id, status, at) VALUES ($1, 'M125', $2, now() - ($3 || ' hours')::interval)`, [order, status, String(hoursAgo)]);
    await ev('o1', 'RECEIVED', 100);
    await ev('o1', 'ACKNOWLEDGED', 99); // old, but o1's latest: kept
    await ev('o2', 'RECEIVED', 100);
    await ev('o2', 'ACKNOWLEDGED', 1);
    const removed = await createOrderStore(store).pruneEvents(72);
    expect(removed).toBe(2);
    const left = (await store.query<{ order_id: string; status: string }>('SELECT order_id, status FROM order_events ORDER BY id')).rows;
    expect(left).toEqual([
      { order_id: 'o1', status: 'ACKNOWLEDGED' },
      { order_id: 'o2', status: 'ACKNOWLEDGED' },
    ]);
  });

  it('Carsys work orders not pushed again within the retention go, with persons nobody points at any more', async () => {
    const wo = (n: string, daysAgo: number, driver: string) =>
      store.query(
        `INSERT INTO carsys_work_orders (dealer_id, dms_number, work_order_number, modified_at, plate, plate_as_pushed, appointment_at, dms_created_at,
           waiting_customer, vehicle, interventions, driver_id, received_at)
         VALUES ('d', 'dms', $1, now(), 'AB123CD', 'AB-123-CD', now(), now(), false, '{}', '[]', $2, now() - ($3 || ' days')::interval)`,
        [n, driver, String(daysAgo)],
      );
    const person = (id: string, daysAgo: number) =>
      store.query(`INSERT INTO carsys_persons (dealer_id, person_id, modified_at, person, received_at) VALUES ('d', $1, now(), '{}', now() - ($2 || ' days')::interval)`, [id, String(daysAgo)]);
    await wo('old', 800, 'p-old');
    await wo('new', 10, 'p-shared');
    await person('p-old', 800);
    await person('p-shared', 800); // old, but a kept work order points at it
    await person('p-recent', 1);
    expect(await pruneCarsysRows(store, 730)).toBe(2);
    expect((await store.query('SELECT work_order_number FROM carsys_work_orders')).rows).toEqual([{ work_order_number: 'new' }]);
    expect((await store.query('SELECT person_id FROM carsys_persons ORDER BY 1')).rows).toEqual([{ person_id: 'p-recent' }, { person_id: 'p-shared' }]);
  });

  it('ended reservations are deleted with the prospect after the retention; live and confirmed ones stay', async () => {
    const r = (id: string, status: string, endedDaysAgo: number | null) =>
      store.query(
        `INSERT INTO coverage_reservations (id, status, box_id, box_name, splitter_id, port_index, prospect, created_at, expires_at, ended_at)
         VALUES ($1, $2, 'b', 'B', 's', $3, '{"name":"Ana","email":"a@x.br","phone":"+5511999999999","address":"Rua 1"}', now(), now() + interval '7 days',
                 CASE WHEN $4::int IS NULL THEN NULL ELSE now() - ($4 || ' days')::interval END)`,
        [id, status, Number(id.slice(-1)), endedDaysAgo],
      );
    await r('00000000-0000-0000-0000-000000000001', 'expired', 2);
    await r('00000000-0000-0000-0000-000000000002', 'cancelled', 2);
    await r('00000000-0000-0000-0000-000000000003', 'failed', 0);
    await r('00000000-0000-0000-0000-000000000004', 'reserved', null);
    await r('00000000-0000-0000-0000-000000000005', 'confirmed', null);
    expect(await deleteEndedReservations(store, 1)).toBe(2);
    expect((await store.query<{ status: string }>('SELECT status FROM coverage_reservations ORDER BY id')).rows.map((x) => x.status)).toEqual(['failed', 'reserved', 'confirmed']);
    expect(await deleteEndedReservations(store, 0)).toBe(1);
  });

  it('a failing task is retried at the next pass and never stops the others', async () => {
    let ok = 0;
    let failing = 0;
    const r = startRetention({
      log: silentLogger,
      intervalMs: 50,
      tasks: [
        { name: 'broken', run: async () => (failing++, Promise.reject(new Error('database away'))) },
        { name: 'fine', run: async () => ++ok },
      ],
    });
    await new Promise((res) => setTimeout(res, 200));
    await r.stop();
    expect(failing).toBeGreaterThanOrEqual(2);
    expect(ok).toBe(failing);
  });
});

describe('bounded memory', () => {
  it('the memory token cache keeps at most maxEntries tokens, dropping the least recently used', async () => {
    const cache = createMemoryTokenCache(Date.now, 3);
    const token = (s: string) => ({ accessToken: s, expiresAt: Date.now() + 60_000 });
    for (const k of ['a', 'b', 'c']) await cache.set(k, token(k));
    await cache.get('a'); // a is now the most recently used
    await cache.set('d', token('d'));
    expect(await cache.get('b')).toBeUndefined();
    for (const k of ['a', 'c', 'd']) expect((await cache.get(k))?.accessToken).toBe(k);
  });
});
