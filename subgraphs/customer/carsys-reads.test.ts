import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../platform/db';
import { openTestStore } from '../../test/support/throwaway-postgres';
import { sandboxVehicle, workOrderPush } from '../../vendors/carsys/sandbox/data';
import type { CarsysWorkOrderPush } from '../../vendors/carsys/types';
import { createCarsysWorkOrderStore, type CarsysWorkOrderStore, type StoredWorkOrder } from './carsys-store';
import { customerMigrations } from './store';
import { workOrderConnection } from './work-order-connection';

/**
 * The work-order reads of issue 12 on both engines: keyset pages (microsecond appointments and equal
 * appointments included), filters on Dutch calendar days, by number, by person, by dealer range.
 */
const EPOCH = Date.UTC(2024, 4, 1, 6, 0, 0);
function push(seq: number, appointmentDate: string, vehicleIndex = seq): CarsysWorkOrderPush {
  const p = workOrderPush({ seq, vehicle: sandboxVehicle(vehicleIndex), revision: 2, epochMs: EPOCH });
  p.appointment.appointmentDate = appointmentDate;
  return p;
}

// Three share one instant (the order then falls back to DMS and WO number); two differ by a microsecond.
const PUSHES = [
  push(1, '2031-03-04T09:00:00+01:00'),
  push(2, '2031-03-04T09:00:00+01:00'),
  push(3, '2031-03-04T09:00:00+01:00'),
  push(4, '2031-03-04T09:00:00.000001+01:00'),
  push(5, '2031-03-04T09:00:00.000002+01:00'),
  push(6, '2031-03-09T23:30:00+01:00'),
  push(7, '2031-03-10T00:30:00+01:00'),
  push(8, '2031-02-28T12:00:00+01:00', 1), // same vehicle (and persons) as seq 1
];

for (const engine of ['pglite', 'postgres'] as const) {
  describe(`Carsys work-order reads (${engine})`, () => {
    let store: Store;
    let carsys: CarsysWorkOrderStore;
    let close: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      ({ store, close } = await openTestStore(engine, customerMigrations));
      carsys = createCarsysWorkOrderStore(store);
      for (const p of PUSHES) expect((await carsys.save('d1', p)).status).toBe('created');
      expect((await carsys.save('d2', push(9, '2031-03-05T10:00:00+01:00'))).status).toBe('created');
    }, 60_000);
    afterAll(async () => {
      await close?.();
    });

    const numbers = (ws: StoredWorkOrder[]) => ws.map((w) => w.dmsNumber);

    it('pages of 2 cover every work order once, newest first, through equal and microsecond-apart appointments', async () => {
      const seen: string[] = [];
      let after: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof workOrderConnection>> = await workOrderConnection(carsys, { dealerId: 'd1', first: 2, after });
        seen.push(...page.edges.map((e) => e.node.dmsNumber));
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
      expect(seen).toEqual(['A200007', 'A200006', 'A200005', 'A200004', 'A200003', 'A200002', 'A200001', 'A200008']);
    });

    it('filters on Europe/Amsterdam days, plate and number', async () => {
      const march = await carsys.workOrderPage({ dealerId: 'd1', limit: 50, from: '2031-03-01', to: '2031-03-09' });
      expect(numbers(march)).toEqual(['A200006', 'A200005', 'A200004', 'A200003', 'A200002', 'A200001']);
      const tenth = await carsys.workOrderPage({ dealerId: 'd1', limit: 50, from: '2031-03-10', to: '2031-03-10' });
      expect(numbers(tenth)).toEqual(['A200007']);
      const plate = PUSHES[0]!.vehicle.plate.replace(/[^A-Z0-9]/gi, '').toUpperCase();
      expect(numbers(await carsys.workOrderPage({ dealerId: 'd1', limit: 50, plate }))).toEqual(['A200001', 'A200008']);
      expect(numbers(await carsys.workOrderPage({ dealerId: 'd1', limit: 50, workOrderNumber: PUSHES[2]!.workOrderNumber }))).toEqual(['A200003']);
      expect(await carsys.workOrderPage({ dealerId: 'd2', limit: 50, workOrderNumber: PUSHES[2]!.workOrderNumber })).toEqual([]);
    });

    it('by number, by person and by dealer range: one call for many keys', async () => {
      const byNumber = await carsys.workOrdersByNumbers([
        { dealerId: 'd1', workOrderNumber: PUSHES[1]!.workOrderNumber },
        { dealerId: 'd2', workOrderNumber: PUSHES[1]!.workOrderNumber },
      ]);
      expect([...byNumber.values()].map((w) => w.dmsNumber)).toEqual(['A200002']);
      const driver = { dealerId: 'd1', personId: PUSHES[0]!.vehicle.driverId! };
      const byPerson = await carsys.workOrdersByPersons([driver, { dealerId: 'd2', personId: driver.personId }], 10);
      expect([...byPerson.values()].map(numbers)).toEqual([['A200001', 'A200008'], []]);
      expect([...(await carsys.workOrdersByPersons([driver], 1)).values()].map(numbers)).toEqual([['A200001']]);
      const ranges = await carsys.workOrdersByDealerRanges(
        [
          { dealerId: 'd1', from: '2031-03-09', to: '2031-03-09' },
          { dealerId: 'd1', from: '2031-03-04', to: '2031-03-04' },
          { dealerId: 'd2', from: '2031-03-01', to: '2031-03-31' },
        ],
        3,
      );
      expect([...ranges.values()].map(numbers)).toEqual([['A200006'], ['A200001', 'A200002', 'A200003'], ['A200009']]);
    });
  });
}
