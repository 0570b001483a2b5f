import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteStore, createPostgresStore, migrate, type Store } from '../../platform/db';
import { claimJobs } from '../../platform/jobs';
import { createOrderStore, orderIdOf, orderMigrations, intakeKeyOf, PROCESS_ORDER_JOB, type OrderStore } from './store';

/**
 * The order store on both engines: embedded PGlite and the real PostgreSQL (DATABASE_URL, a throwaway
 * database per run of this file).
 */
const engines: [string, () => Promise<{ store: Store; drop: () => Promise<void> }>][] = [
  [
    'pglite',
    async () => {
      const store = await createPgliteStore();
      return { store, drop: () => store.close() };
    },
  ],
];
const pgUrl = process.env.DATABASE_URL;
if (pgUrl) {
  engines.push([
    'postgres',
    async () => {
      const name = `sb_order_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: pgUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = new URL(pgUrl);
      url.pathname = `/${name}`;
      const store = createPostgresStore(url.toString());
      return {
        store,
        async drop() {
          await store.close();
          const a = new pg.Client({ connectionString: pgUrl });
          await a.connect();
          await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await a.end();
        },
      };
    },
  ]);
}

describe.each(engines)('order store on %s', (_engine, open) => {
  let store: Store;
  let drop: () => Promise<void>;
  let orders: OrderStore;
  beforeAll(async () => {
    ({ store, drop } = await open());
    await migrate(store, orderMigrations);
    orders = createOrderStore(store);
  });
  afterAll(() => drop());

  it('stores an order with its RECEIVED event and its job in one go; a re-open changes nothing', async () => {
    const input = { customerId: 'M125', authMode: 'none' as const, vitecOrderId: 'V-1', orderUserId: 'U1', currentUserId: 'U2', targetId: 'E1', targetType: 'House' };
    const first = await orders.intake(input);
    expect(first.created).toBe(true);
    expect(first.order).toMatchObject({ id: orderIdOf(intakeKeyOf(input)), status: 'RECEIVED', vitec_order_id: 'V-1', order_user_id: 'U1', user_id: 'U2' });
    expect(first.event).toMatchObject({ orderId: first.order.id, status: 'RECEIVED', customerId: 'M125' });
    const again = await orders.intake(input);
    expect(again).toMatchObject({ created: false, order: { id: first.order.id } });
    expect(again.event).toBeUndefined();
    const jobs = await store.query<{ kind: string; payload: { orderId: string } }>('SELECT kind, payload FROM jobs');
    expect(jobs.rows).toEqual([{ kind: PROCESS_ORDER_JOB, payload: { orderId: first.order.id } }]);
    expect(await orders.history(first.order.id)).toHaveLength(1);
  });

  it('token orders are keyed by the token; the token itself is dropped once verified', async () => {
    const a = await orders.intake({ customerId: 'M123', authMode: 'token', token: 'tok/A+==' });
    const b = await orders.intake({ customerId: 'M123', authMode: 'token', token: 'tok/B+==' });
    expect(a.order.id).not.toBe(b.order.id);
    expect(a.order.intake_key).not.toContain('tok/A');
    const ids = { userId: 'U', orderUserId: 'O', tenantId: 'T', chainId: null, targetId: 'E', targetType: 'Plot' };
    // unverified: no event, in no list; confirming the token records its RECEIVED event
    expect(a.event).toBeUndefined();
    expect(await orders.history(a.order.id)).toEqual([]);
    expect((await orders.list({ customers: ['M123'], first: 10 })).rows.map((r) => r.id)).not.toContain(a.order.id);
    const verified = await orders.saveVerified(a.order.id, { vitecOrderId: 'V-2', ...ids });
    expect(verified).toEqual({ event: expect.objectContaining({ orderId: a.order.id, status: 'RECEIVED' }) });
    expect((await orders.list({ customers: ['M123'], first: 10 })).rows.map((r) => r.id)).toContain(a.order.id);
    expect((await orders.get(a.order.id))!).toMatchObject({ token: null, vitec_order_id: 'V-2', tenant_id: 'T' });
    // Vitec re-opened the same order with a new token: merged, not a second order
    expect(await orders.saveVerified(b.order.id, { vitecOrderId: 'V-2', ...ids })).toEqual({ mergedInto: a.order.id });
    expect((await orders.get(b.order.id))!.merged_into).toBe(a.order.id);
    // a verified order is never dropped; an unverified one is
    expect(await orders.dropUnverified(a.order.id)).toBe(false);
    const c = await orders.intake({ customerId: 'M123', authMode: 'token', token: 'tok/C+==' });
    expect(await orders.dropUnverified(c.order.id)).toBe(true);
    expect(await orders.get(c.order.id)).toBeUndefined();
  });

  it('moves status with compare-and-set and records every event in order', async () => {
    const { order } = await orders.intake({ customerId: 'M124', authMode: 'basic', vitecOrderId: 'V-3' });
    await orders.transition(order.id, 'RECEIVED', 'ACKNOWLEDGED', null);
    await expect(orders.transition(order.id, 'RECEIVED', 'ERROR', 'late')).rejects.toMatchObject({ code: 'CONFLICT' });
    const { order: moved } = await orders.transition(order.id, 'ACKNOWLEDGED', 'USER_INTERACTION_REQUESTED', 'pick', { user_interaction: { url: 'https://x', comment: 'pick', requestedAt: '2030-01-01T00:00:00Z' } });
    expect(moved.user_interaction).toEqual({ url: 'https://x', comment: 'pick', requestedAt: '2030-01-01T00:00:00Z' });
    const history = await orders.history(order.id);
    expect(history.map((e) => e.status)).toEqual(['RECEIVED', 'ACKNOWLEDGED', 'USER_INTERACTION_REQUESTED']);
    expect(history.map((e) => Number(e.eventId))).toEqual([...history.map((e) => Number(e.eventId))].sort((x, y) => x - y));
  });

  it('replays events after an id, for the caller’s customers only', async () => {
    const { order: mine } = await orders.intake({ customerId: 'M125', authMode: 'none', vitecOrderId: 'V-4' });
    const { order: theirs } = await orders.intake({ customerId: 'M200', authMode: 'none', vitecOrderId: 'V-5' });
    const [start] = await orders.history(mine.id);
    await orders.transition(theirs.id, 'RECEIVED', 'ACKNOWLEDGED', null);
    await orders.transition(mine.id, 'RECEIVED', 'ACKNOWLEDGED', null);
    const after = await orders.eventsAfter({ afterEventId: Number(start!.eventId), customers: ['M125'], maxAgeHours: 1 });
    expect(after.map((e) => [e.orderId, e.status])).toEqual([[mine.id, 'ACKNOWLEDGED']]);
    const one = await orders.eventsAfter({ afterEventId: 0, customers: ['M125', 'M200'], orderId: theirs.id, maxAgeHours: 1 });
    expect(one.map((e) => e.status)).toEqual(['RECEIVED', 'ACKNOWLEDGED']);
  });

  it('lists newest first with keyset pages and filters', async () => {
    for (let i = 0; i < 5; i++) await orders.intake({ customerId: 'M777', authMode: 'none', vitecOrderId: `L-${i}` });
    const seen: string[] = [];
    let after: { createdAt: string; id: string } | undefined;
    for (;;) {
      const page = await orders.list({ customers: ['M777'], first: 2, after });
      seen.push(...page.rows.map((r) => r.vitec_order_id!));
      if (!page.hasNextPage) break;
      const last = page.rows.at(-1)!;
      after = { createdAt: last.created_at, id: last.id };
    }
    expect(seen.sort()).toEqual(['L-0', 'L-1', 'L-2', 'L-3', 'L-4']);
    expect(new Set(seen).size).toBe(5);
    expect((await orders.list({ customers: ['M777'], first: 10, status: ['DELIVERED'] })).rows).toEqual([]);
    expect((await orders.list({ customers: ['M000'], first: 10 })).rows).toEqual([]);
  });

  it('a job is claimed by one worker at a time', async () => {
    const a = await claimJobs(store, [PROCESS_ORDER_JOB], 100, 60_000);
    const b = await claimJobs(store, [PROCESS_ORDER_JOB], 100, 60_000);
    expect(a.length).toBeGreaterThan(0);
    expect(b).toEqual([]);
  });
});
