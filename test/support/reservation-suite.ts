import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPgliteStore, migrate, type Store } from '../../platform/db';
import { startOzmapSandbox, type RunningOzmapSandbox } from '../../vendors/ozmap/sandbox/server';
import type { OzmapBox } from '../../vendors/ozmap/types';
import { coverageMigrations } from '../../subgraphs/coverage/store';
import {
  CANCEL,
  CONFIRM,
  DAY,
  RESERVATION,
  RESERVE,
  createTestClock,
  createTestDatabase,
  prospect,
  startCoverageInstance,
  type CoverageInstance,
  type Engine,
  type TestClock,
  type TestDatabase,
} from './coverage';

const V = '/api/v2';

/**
 * The reservation lifecycle against one store engine. Run by reservations.pglite.test.ts and
 * reservations.postgres.test.ts, so both engines pass the same cases.
 */
export function defineReservationSuite(engine: Engine) {
  let sb: RunningOzmapSandbox;
  let db: TestDatabase;
  let store: Store;
  let clock: TestClock;
  let cov: CoverageInstance;
  const extra: { close(): Promise<void> }[] = [];
  const boxes: Record<string, OzmapBox> = {};

  const box = (name: string) => boxes[name]!;
  const property = (id: string) => sb.data.list('properties', { page: 1, limit: 5, filter: [{ property: 'id', operator: '=', value: id }] }, '/').rows[0] as Record<string, any> | undefined;
  const freePorts = (name: string) => sb.data.splittersOf(box(name).id).filter((s) => s.isDrop).flatMap((s) => sb.data.freePortsOf(s));
  const reserve = async (inst: CoverageInstance, boxName: string, over: Record<string, unknown> = {}) => inst.query(RESERVE, { boxId: box(boxName).id, prospect: prospect(), ...over });
  const ok = <T>(r: { data?: T | null; errors?: unknown }) => {
    expect(r.errors).toBeUndefined();
    return r.data as T;
  };
  const code = (r: { errors?: { extensions?: Record<string, any> }[] }) => r.errors?.[0]?.extensions?.code;

  beforeAll(async () => {
    sb = await startOzmapSandbox({ port: 0 });
    for (const b of sb.data.list('boxes', { page: 1, limit: 20, filter: [{ property: 'name', operator: 'like', value: 'CTO-CEN-DEMO' }] }, '/').rows as unknown as OzmapBox[]) boxes[b.name] = b;
    db = await createTestDatabase(engine);
    store = await db.open();
    clock = createTestClock();
    cov = await startCoverageInstance({ ozmapOrigin: sb.url, store, clock, instanceId: `${engine}-a` });
  });
  afterAll(async () => {
    await Promise.all(extra.map((e) => e.close()));
    await cov.close();
    await store.close();
    await db.drop();
    await sb.close();
  });
  beforeEach(async () => {
    await fetch(`${sb.url}/__sandbox/reset`, { method: 'POST' });
    await store.query('DELETE FROM coverage_reservations');
  });

  describe(`reservations (${engine})`, () => {
    it('reserves a free port as a connected, not implanted OZmap property expiring in 7 days', async () => {
      const before = freePorts('CTO-CEN-DEMO-01');
      const r = ok<any>(await reserve(cov, 'CTO-CEN-DEMO-01', { plan: 'FIBRA_1G' })).reservePort;
      expect(r).toMatchObject({ status: 'RESERVED', portIndex: before[0], plan: 'FIBRA_1G', box: { name: 'CTO-CEN-DEMO-01' } });
      expect(new Date(r.expiresAt).getTime() - clock.now().getTime()).toBe(7 * DAY);
      expect(property(r.propertyId)).toMatchObject({ implanted: false, box: box('CTO-CEN-DEMO-01').id, connection: { splitter: r.splitterId, port: r.portIndex }, client: { code: r.id } });
      expect(freePorts('CTO-CEN-DEMO-01')).toEqual(before.slice(1));
    });

    it('confirm makes the property implanted; the reservation then never expires; confirming twice is harmless', async () => {
      const r = ok<any>(await reserve(cov, 'CTO-CEN-DEMO-06')).reservePort;
      clock.advanceDays(6);
      const c = ok<any>(await cov.query(CONFIRM, { id: r.id })).confirmReservation;
      expect(c).toMatchObject({ status: 'CONFIRMED', confirmedAt: clock.now().toISOString(), propertyId: r.propertyId });
      expect(property(r.propertyId)).toMatchObject({ implanted: true });
      expect(ok<any>(await cov.query(CONFIRM, { id: r.id })).confirmReservation.status).toBe('CONFIRMED');
      clock.advanceDays(30);
      expect(await cov.sweeper.sweepOnce()).toBe(0);
      expect(property(r.propertyId)).toMatchObject({ implanted: true });
      const cancel = await cov.query(CANCEL, { id: r.id });
      expect(code(cancel)).toBe('CONFLICT');
      expect(sb.stats().byPath[`PATCH ${V}/properties/${r.propertyId}`]).toBe(1);
    });

    it('cancel deletes the property and frees the port; cancelling again is harmless; a cancelled one cannot be confirmed', async () => {
      const before = freePorts('CTO-CEN-DEMO-02');
      expect(before).toHaveLength(1);
      const r = ok<any>(await reserve(cov, 'CTO-CEN-DEMO-02')).reservePort;
      expect(freePorts('CTO-CEN-DEMO-02')).toEqual([]);
      const c = ok<any>(await cov.query(CANCEL, { id: r.id })).cancelReservation;
      expect(c).toMatchObject({ status: 'CANCELLED', endedAt: clock.now().toISOString() });
      expect(property(r.propertyId)).toBeUndefined();
      expect(freePorts('CTO-CEN-DEMO-02')).toEqual(before);
      expect(ok<any>(await cov.query(CANCEL, { id: r.id })).cancelReservation.status).toBe('CANCELLED');
      const confirm = await cov.query(CONFIRM, { id: r.id });
      expect(code(confirm)).toBe('CONFLICT');
      expect(confirm.errors![0]!.extensions).toMatchObject({ status: 'CANCELLED' });
      expect(sb.stats().byPath[`DELETE ${V}/properties/${r.propertyId}`]).toBe(1);
      // the port can be reserved again
      expect(ok<any>(await reserve(cov, 'CTO-CEN-DEMO-02')).reservePort.portIndex).toBe(before[0]);
    });

    it('two prospects racing for the last free port: exactly one wins, the other gets CONFLICT', async () => {
      // PostgreSQL: a second instance with its own connection pool; PGlite: one process owns the folder.
      const secondStore = engine === 'postgres' ? await db.open() : store;
      const second = await startCoverageInstance({ ozmapOrigin: sb.url, store: secondStore, clock, instanceId: `${engine}-b` });
      const own = engine === 'postgres';
      extra.push({ close: async () => (await second.close(), own ? secondStore.close() : undefined) });
      for (let round = 0; round < 3; round++) {
        await fetch(`${sb.url}/__sandbox/reset`, { method: 'POST' });
        await store.query('DELETE FROM coverage_reservations');
        const results = await Promise.all([reserve(cov, 'CTO-CEN-DEMO-02'), reserve(second, 'CTO-CEN-DEMO-02'), reserve(cov, 'CTO-CEN-DEMO-02')]);
        const won = results.filter((r) => r.data?.reservePort);
        const lost = results.filter((r) => r.errors);
        expect(won).toHaveLength(1);
        expect(lost.map(code)).toEqual(['CONFLICT', 'CONFLICT']);
        expect(lost[0]!.errors![0]!.message).toMatch(/CTO-CEN-DEMO-02 has no free port left/);
        expect(sb.data.list('properties', { page: 1, limit: 10, filter: [{ property: 'connection.splitter', operator: '=', value: won[0]!.data!.reservePort.splitterId }, { property: 'implanted', operator: '=', value: false }] }, '/').total).toBe(1);
        const { rows } = await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM coverage_reservations WHERE status = 'reserved'`);
        expect(rows[0]!.n).toBe(1);
      }
    });

    it('the database lets one live reservation hold a port, and frees the hold when it ends', async () => {
      const base = { boxId: box('CTO-CEN-DEMO-02').id, boxName: 'CTO-CEN-DEMO-02', splitterId: 'spl-1', portIndex: 8, plan: null, prospect: prospect(), createdAt: clock.now(), expiresAt: clock.now(), leaseUntil: clock.now(), owner: 't', reservedBy: 'partner:conecte' };
      const first = await cov.store.insertReserving({ ...base, id: '00000000-0000-4000-8000-000000000001' });
      expect(first?.status).toBe('reserving');
      expect(await cov.store.insertReserving({ ...base, id: '00000000-0000-4000-8000-000000000002' })).toBeUndefined();
      expect(await cov.store.insertReserving({ ...base, portIndex: 7, id: '00000000-0000-4000-8000-000000000003' })).toBeDefined();
      await cov.store.finish(first!.id, 'reserving', 't', 'failed');
      expect(await cov.store.insertReserving({ ...base, id: '00000000-0000-4000-8000-000000000004' })).toBeDefined();
    });

    it('two instances that do not share a database still cannot both take the port: OZmap answers 409 → CONFLICT', async () => {
      const otherDb = engine === 'postgres' ? await createTestDatabase('postgres') : undefined;
      const otherStore = otherDb ? await otherDb.open() : await createPgliteStore();
      if (!otherDb) await migrate(otherStore, coverageMigrations);
      const other = await startCoverageInstance({ ozmapOrigin: sb.url, store: otherStore, clock, instanceId: 'elsewhere' });
      try {
        const results = await Promise.all([reserve(cov, 'CTO-CEN-DEMO-02'), reserve(other, 'CTO-CEN-DEMO-02')]);
        expect(results.filter((r) => r.data?.reservePort)).toHaveLength(1);
        expect(results.filter((r) => r.errors).map(code)).toEqual(['CONFLICT']);
      } finally {
        await other.close();
        await otherStore.close();
        await otherDb?.drop();
      }
    });

    it('releases an unconfirmed reservation after 7 days (not a second earlier) and the port is free again', async () => {
      const r = ok<any>(await reserve(cov, 'CTO-CEN-DEMO-02')).reservePort;
      clock.advance(7 * DAY - 1000);
      expect(await cov.sweeper.sweepOnce()).toBe(0);
      expect(property(r.propertyId)).toBeDefined();
      clock.advance(1000);
      // due but not yet swept: it can no longer be confirmed
      const late = await cov.query(CONFIRM, { id: r.id });
      expect(code(late)).toBe('CONFLICT');
      expect(late.errors![0]!.message).toMatch(/expired at/);
      expect(await cov.sweeper.sweepOnce()).toBe(1);
      expect(ok<any>(await cov.query(RESERVATION, { id: r.id })).portReservation).toMatchObject({ status: 'EXPIRED', endedAt: clock.now().toISOString() });
      expect(property(r.propertyId)).toBeUndefined();
      expect(freePorts('CTO-CEN-DEMO-02')).toEqual([r.portIndex]);
      expect(await cov.sweeper.sweepOnce()).toBe(0);
      expect(sb.stats().byPath[`DELETE ${V}/properties/${r.propertyId}`]).toBe(1);
    });

    it('the reservation period is configurable', async () => {
      const short = await startCoverageInstance({ ozmapOrigin: sb.url, store, clock, instanceId: `${engine}-short`, settings: { reservationDays: 2 } });
      try {
        const r = ok<any>(await reserve(short, 'CTO-CEN-DEMO-01')).reservePort;
        expect(new Date(r.expiresAt).getTime() - clock.now().getTime()).toBe(2 * DAY);
        clock.advanceDays(2);
        expect(await short.sweeper.sweepOnce()).toBe(1);
      } finally {
        await short.close();
      }
    });

    it('survives a restart: an instance started after the expiry releases what fell due while it was down', async () => {
      const kept = ok<any>(await reserve(cov, 'CTO-CEN-DEMO-01')).reservePort;
      const due = ok<any>(await reserve(cov, 'CTO-CEN-DEMO-02')).reservePort;
      ok(await cov.query(CONFIRM, { id: kept.id }));
      await cov.close();
      await store.close();
      clock.advanceDays(8);
      store = await db.open();
      cov = await startCoverageInstance({ ozmapOrigin: sb.url, store, clock, instanceId: `${engine}-restarted`, settings: { sweepIntervalMs: 50 } });
      cov.sweeper.start();
      for (let i = 0; i < 100 && property(due.propertyId); i++) await new Promise((r) => setTimeout(r, 20));
      expect(property(due.propertyId)).toBeUndefined();
      expect(ok<any>(await cov.query(RESERVATION, { id: due.id })).portReservation.status).toBe('EXPIRED');
      expect(ok<any>(await cov.query(RESERVATION, { id: kept.id })).portReservation.status).toBe('CONFIRMED');
      await cov.sweeper.stop();
    });

    it('several instances sweeping at once release each reservation exactly once', async () => {
      const ids: { id: string; propertyId: string }[] = [];
      for (const name of ['CTO-CEN-DEMO-01', 'CTO-CEN-DEMO-06']) {
        for (const _ of freePorts(name)) ids.push(ok<any>(await reserve(cov, name)).reservePort);
      }
      expect(ids).toHaveLength(10);
      clock.advanceDays(7);
      const stores = engine === 'postgres' ? await Promise.all([db.open(), db.open()]) : [store, store];
      const sweepers = await Promise.all(stores.map((s, i) => startCoverageInstance({ ozmapOrigin: sb.url, store: s, clock, instanceId: `${engine}-sweeper-${i}` })));
      try {
        const counts = await Promise.all([cov, ...sweepers, cov, ...sweepers].map((inst) => inst.sweeper.sweepOnce()));
        expect(counts.reduce((a, b) => a + b, 0)).toBe(10);
        for (const r of ids) expect(sb.stats().byPath[`DELETE ${V}/properties/${r.propertyId}`]).toBe(1);
        const { rows } = await store.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM coverage_reservations GROUP BY status');
        expect(rows).toEqual([{ status: 'expired', n: 10 }]);
      } finally {
        await Promise.all(sweepers.map((s) => s.close()));
        if (engine === 'postgres') await Promise.all(stores.map((s) => s.close()));
      }
    });

    it('a reservation interrupted mid-call (OZmap answered too late) is undone by the sweeper once its lease passes', async () => {
      const slow = await startCoverageInstance({ ozmapOrigin: sb.url, store, clock, instanceId: `${engine}-slow`, timeoutMs: 150 });
      try {
        await fetch(`${sb.url}/__sandbox/write-latency`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ms: 400 }) });
        const r = await reserve(slow, 'CTO-CEN-DEMO-02');
        expect(code(r)).toBe('UPSTREAM_TIMEOUT');
        await new Promise((res) => setTimeout(res, 600)); // OZmap finishes the create after we gave up
        expect(freePorts('CTO-CEN-DEMO-02')).toEqual([]);
        const { rows } = await store.query<{ id: string; status: string }>('SELECT id::text AS id, status FROM coverage_reservations');
        expect(rows).toEqual([{ id: expect.any(String), status: 'reserving' }]);
        // the port stays held by us until then: nobody else gets it through Switchboard
        expect(code(await reserve(cov, 'CTO-CEN-DEMO-02'))).toBe('CONFLICT');
        expect(await cov.sweeper.sweepOnce()).toBe(0);
        expect(freePorts('CTO-CEN-DEMO-02')).toEqual([]);
        clock.advance(61_000);
        await cov.sweeper.sweepOnce();
        expect(freePorts('CTO-CEN-DEMO-02')).toEqual([8]);
        expect(ok<any>(await cov.query(RESERVATION, { id: rows[0]!.id })).portReservation.status).toBe('FAILED');
      } finally {
        await slow.close();
      }
    });

    it('answers coded errors: unknown box, malformed ids, a box in project, a plan outside its regions, bad prospects, unknown reservations', async () => {
      const expectCode = async (r: Promise<{ errors?: any[] }>, expected: string, message?: RegExp) => {
        const res = await r;
        expect(code(res)).toBe(expected);
        if (message) expect(res.errors![0]!.message).toMatch(message);
      };
      await expectCode(cov.query(RESERVE, { boxId: '65a1f0c0ffffffffffffffff', prospect: prospect() }), 'NOT_FOUND', /no OZmap box/);
      await expectCode(cov.query(RESERVE, { boxId: 'box-1', prospect: prospect() }), 'BAD_USER_INPUT', /not an OZmap box id/);
      await expectCode(reserve(cov, 'CTO-CEN-DEMO-03'), 'CONFLICT', /Em projeto/);
      await expectCode(reserve(cov, 'CTO-CEN-DEMO-04'), 'CONFLICT', /no free port left/);
      await expectCode(reserve(cov, 'CTO-CEN-DEMO-06', { plan: 'FIBRA_1G' }), 'CONFLICT', /outside every OZmap region tagged premium/);
      await expectCode(reserve(cov, 'CTO-CEN-DEMO-01', { plan: 'NOPE' }), 'BAD_USER_INPUT', /unknown plan/);
      await expectCode(reserve(cov, 'CTO-CEN-DEMO-01', { prospect: prospect({ email: 'not-an-email' }) }), 'BAD_USER_INPUT', /e-mail/);
      await expectCode(reserve(cov, 'CTO-CEN-DEMO-01', { prospect: prospect({ lat: 120, lng: 0 }) }), 'BAD_USER_INPUT', /lat must be/);
      await expectCode(cov.query(CONFIRM, { id: '00000000-0000-4000-8000-000000000000' }), 'NOT_FOUND');
      await expectCode(cov.query(CANCEL, { id: 'x' }), 'BAD_USER_INPUT');
      expect(ok<any>(await cov.query(RESERVATION, { id: '00000000-0000-4000-8000-000000000000' })).portReservation).toBeNull();
      const { rows } = await store.query<{ n: number }>('SELECT count(*)::int AS n FROM coverage_reservations');
      expect(rows[0]!.n).toBe(0);
      expect(sb.stats().byPath[`POST ${V}/properties`]).toBeUndefined();
    });
  });
}
