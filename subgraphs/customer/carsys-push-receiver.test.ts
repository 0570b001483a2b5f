import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteStore, createPostgresStore, migrate, type Store } from '../../platform/db';
import { silentLogger } from '../../platform/logger';
import type { HttpRoute } from '../../platform/subgraph-server';
import { createThrowawayDatabase } from '../../test/support/throwaway-postgres';
import { createCarsysPushReceiver } from './carsys-push-receiver';
import { pushPathOf } from '../../vendors/carsys/paths';
import { signPush, signedPushHeaders } from '../../vendors/carsys/signature';
import { sandboxVehicle, workOrderPush } from '../../vendors/carsys/sandbox/data';
import { startCarsysSandbox } from '../../vendors/carsys/sandbox/server';
import type { CarsysWorkOrderPush } from '../../vendors/carsys/types';
import { createCarsysWorkOrderStore } from './carsys-store';
import { customerMigrations } from './store';

const SECRET = 'test-dealer-secret-0123456789';
const OTHER_SECRET = 'other-dealer-secret-0123456789';

async function serve(route: HttpRoute): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    if (!(await route(req, res, new URL(req.url ?? '/', 'http://x')))) res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

const engines: { name: string; open(): Promise<{ store: Store; drop(): Promise<void> }> }[] = [
  {
    name: 'PGlite',
    async open() {
      const store = await createPgliteStore();
      return { store, drop: async () => undefined };
    },
  },
  {
    name: 'PostgreSQL',
    async open() {
      const db = await createThrowawayDatabase();
      const store = createPostgresStore(db.url, 4);
      return { store, drop: db.drop };
    },
  },
];

describe.each(engines)('Carsys push receiver on $name', (engine) => {
  let store: Store;
  let drop: () => Promise<void>;
  let receiver: Awaited<ReturnType<typeof serve>>;
  const url = (dealer = 'dealer-a') => `${receiver.url}${pushPathOf(dealer)}`;

  const post = async (body: string, headers: Record<string, string>, dealer = 'dealer-a') => {
    const res = await fetch(url(dealer), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const signed = (push: unknown, secret = SECRET, dealer = 'dealer-a') => {
    const body = JSON.stringify(push);
    return post(body, signedPushHeaders(secret, body), dealer);
  };
  const count = async (sql: string, params: unknown[] = []) => Number((await store.query<{ n: number }>(sql, params)).rows[0]!.n);

  beforeAll(async () => {
    ({ store, drop } = await engine.open());
    await migrate(store, customerMigrations);
    const wo = createCarsysWorkOrderStore(store);
    receiver = await serve(
      createCarsysPushReceiver({ store: wo, dealerSecrets: { 'dealer-a': ['old-secret-rotating-out', SECRET], 'dealer-b': [OTHER_SECRET] }, replayWindowS: 300, maxBodyBytes: 64 * 1024, log: silentLogger }),
    );
  });
  afterAll(async () => {
    await receiver?.close();
    await store?.close();
    await drop?.();
  });

  it('stores a burst with duplicates and out-of-order revisions idempotently', async () => {
    const sandbox = await startCarsysSandbox({ port: 0, receiverUrl: url(), dealerId: 'dealer-a', secret: SECRET });
    try {
      const res = await fetch(`${sandbox.url}/__sandbox/push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: 24, duplicates: 9, outOfOrder: 7, concurrency: 12 }) });
      const out = (await res.json()) as { pushes: number; byStatus: Record<string, number>; workOrders: { dmsNumber: string; workOrderNumber: string; plate: string; modifiedAt: string }[] };
      expect(out.pushes).toBe(24 + 9 + 7);
      expect(out.byStatus).toEqual({ created: 24, duplicate: 9, stale: 7 });
      expect(sandbox.totals()).toMatchObject({ sent: 40, byHttpStatus: { '201': 24, '200': 16 } });
      expect(await count('SELECT count(*) AS n FROM carsys_work_orders')).toBe(24);
      // The older revisions arrived last but the stored rows still carry the newest revision.
      for (const w of out.workOrders.slice(0, 7)) {
        const row = (await store.query<{ modified_at: Date; push_count: number }>('SELECT modified_at, push_count FROM carsys_work_orders WHERE dms_number = $1 AND work_order_number = $2', [w.dmsNumber, w.workOrderNumber])).rows[0]!;
        expect(new Date(row.modified_at).toISOString()).toBe(w.modifiedAt);
        expect(Number(row.push_count)).toBe(1);
      }
      // Dutch plates are stored normalised, and the pushed spelling is kept.
      const plates = (await store.query<{ plate: string; plate_as_pushed: string }>('SELECT plate, plate_as_pushed FROM carsys_work_orders')).rows;
      for (const p of plates) {
        expect(p.plate_as_pushed).toMatch(/^[A-Z0-9]{1,3}-[A-Z0-9]{2,3}-[A-Z0-9]{1,2}$/);
        expect(p.plate).toBe(p.plate_as_pushed.replace(/-/g, ''));
      }
    } finally {
      await sandbox.close();
    }
  });

  it('applies a newer revision, and never lets an older one overwrite it (work order and persons)', async () => {
    const vehicle = sandboxVehicle(3, '99-XYZ-1');
    const v1 = workOrderPush({ seq: 9001, vehicle, revision: 1, epochMs: Date.UTC(2024, 5, 1) });
    const v2 = workOrderPush({ seq: 9001, vehicle, revision: 2, epochMs: Date.UTC(2024, 5, 1) });
    const v3: CarsysWorkOrderPush = {
      ...v2,
      modifiedAt: new Date(Date.parse(v2.modifiedAt) + 1000).toISOString(),
      interventions: [{ title: 'APK keuring', description: null, price: '44.50' }],
      persons: v2.persons.map((p) => ({ ...p, privateMobile: '06-99999999' })),
    };
    expect((await signed(v1)).body.status).toBe('created');
    expect((await signed(v3)).body.status).toBe('updated');
    expect((await signed(v2)).body.status).toBe('stale');
    expect((await signed(v3)).body.status).toBe('duplicate');
    const wo = createCarsysWorkOrderStore(store);
    const byPlate = await wo.workOrdersByPlates(['99XYZ1']);
    const stored = byPlate.get('99XYZ1')!;
    expect(stored).toHaveLength(1);
    expect(stored[0]!.interventions).toEqual([{ title: 'APK keuring', description: null, price: '44.50' }]);
    expect(stored[0]!.appliedPushes).toBe(2);
    const persons = await wo.personsByKeys([{ dealerId: 'dealer-a', personId: vehicle.driverId }]);
    expect([...persons.values()][0]!.privateMobile).toBe('06-99999999');
  });

  it('keeps dealers apart: the same DMS and WO numbers from another dealer are another work order', async () => {
    const push = workOrderPush({ seq: 9100, vehicle: sandboxVehicle(5, '1-KLM-23'), revision: 2, epochMs: Date.UTC(2024, 5, 1) });
    expect((await signed(push)).body.status).toBe('created');
    expect((await signed(push, OTHER_SECRET, 'dealer-b')).body.status).toBe('created');
    expect(await count('SELECT count(*) AS n FROM carsys_work_orders WHERE dms_number = $1', [push.dmsNumber])).toBe(2);
    // dealer-a's secret does not sign for dealer-b
    expect((await signed(push, SECRET, 'dealer-b')).status).toBe(401);
  });

  it('refuses a push with bad fields, naming every one, and stores nothing', async () => {
    const good = workOrderPush({ seq: 9200, vehicle: sandboxVehicle(7, '12-ABC-3'), revision: 1, epochMs: Date.UTC(2024, 5, 1) });
    const bad = {
      ...good,
      workOrderNumber: '',
      modifiedAt: '2024-06-01 10:00',
      appointment: { appointmentDate: good.appointment.appointmentDate, waitingCustomer: 'ja' },
      interventions: [{ title: 'APK', description: null, price: 49.95 }],
      vehicle: { ...good.vehicle, plate: '??', fuel: 'kerosine', apkDate: '2025-02-30', ownerId: 'nobody', driverId: good.persons[0]!.id, contractorId: null },
      persons: [{ ...good.persons[0]!, privateEmail: 'not-an-email' }],
    };
    const res = await signed(bad);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_body');
    const fields = (res.body.fields as { field: string }[]).map((f) => f.field).sort();
    expect(fields).toEqual(
      [
        'workOrderNumber',
        'modifiedAt',
        'appointment.creationDate',
        'appointment.waitingCustomer',
        'interventions.0.price',
        'vehicle.plate',
        'vehicle.fuel',
        'vehicle.apkDate',
        'vehicle.ownerId',
        'persons.0.privateEmail',
      ].sort(),
    );
    expect(res.body.message).toContain('vehicle.plate');
    expect(await count('SELECT count(*) AS n FROM carsys_work_orders WHERE dms_number = $1', [good.dmsNumber])).toBe(0);
    const notJson = await post('{"dmsNumber":', signedPushHeaders(SECRET, '{"dmsNumber":'));
    expect(notJson).toMatchObject({ status: 400, body: { error: 'invalid_body', fields: [{ field: '(body)' }] } });
  });

  it('authenticates: signature, rotation, replay window, dealer, media type and size', async () => {
    const push = workOrderPush({ seq: 9300, vehicle: sandboxVehicle(9, 'AB-123-C'), revision: 1, epochMs: Date.UTC(2024, 5, 1) });
    const body = JSON.stringify(push);
    const now = Math.floor(Date.now() / 1000);
    expect((await post(body, {})).body.error).toBe('invalid_signature');
    expect((await post(body, signedPushHeaders('wrong-secret-wrong-secret', body))).status).toBe(401);
    // a signature over another body (tampered payload) fails
    expect((await post(body.replace('"waitingCustomer":false', '"waitingCustomer":true').replace('"waitingCustomer":true', '"waitingCustomer":false') + ' ', signedPushHeaders(SECRET, body))).status).toBe(401);
    // the timestamp is inside the MAC: moving it invalidates the signature
    expect((await post(body, { 'x-carsys-timestamp': String(now + 1), 'x-carsys-signature': signPush(SECRET, now, body) })).body.error).toBe('invalid_signature');
    // outside the replay window, even correctly signed
    const old = now - 301;
    expect((await post(body, { 'x-carsys-timestamp': String(old), 'x-carsys-signature': signPush(SECRET, old, body) })).body).toMatchObject({ error: 'stale_timestamp' });
    // the rotating-out secret is still accepted
    expect((await post(body, signedPushHeaders('old-secret-rotating-out', body))).status).toBe(201);
    expect((await signed(push, SECRET, 'dealer-zz')).status).toBe(404);
    const text = await fetch(url(), { method: 'POST', headers: { 'content-type': 'text/plain', ...signedPushHeaders(SECRET, body) }, body });
    expect(text.status).toBe(415);
    const huge = JSON.stringify({ ...push, interventions: Array.from({ length: 100 }, () => ({ title: 'x'.repeat(190), description: 'y'.repeat(600), price: '1.00' })) });
    expect((await post(huge, signedPushHeaders(SECRET, huge))).status).toBe(413);
    expect((await fetch(url(), { method: 'GET' })).status).toBe(405);
  });

  it('reads 50 plates in one database round per resource', async () => {
    const wo = createCarsysWorkOrderStore(store);
    const plates = (await store.query<{ plate: string }>('SELECT DISTINCT plate FROM carsys_work_orders')).rows.map((r) => r.plate);
    const all = [...plates, ...Array.from({ length: 50 - plates.length }, (_, i) => `ZZ${100 + i}Z`)].slice(0, 50);
    const { eventCount } = await import('../../platform/metrics');
    const before = await eventCount('db.customer.rounds');
    const byPlate = await wo.workOrdersByPlates(all);
    const keys = [...byPlate.values()].flat().flatMap((w) => [w.driverId, w.ownerId, w.contractorId].filter((x): x is string => !!x).map((personId) => ({ dealerId: w.dealerId, personId })));
    const persons = await wo.personsByKeys(keys);
    expect((await eventCount('db.customer.rounds')) - before).toBe(2);
    expect(byPlate.size).toBe(50);
    expect(persons.size).toBeGreaterThan(10);
  });
});
