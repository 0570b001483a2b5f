import { badInput } from '../../platform/errors';
import { normalisePlate } from '../../platform/plates';
import type { CarsysWorkOrderStore, StoredWorkOrder, WorkOrderPosition } from './carsys-store';

/**
 * A dealer's work orders as a cursor connection, newest appointment first. Keyset pagination on the
 * order's full key (appointment instant to the microsecond, DMS number, WO number), never OFFSET: a cursor
 * names a row position, so pages stay consistent while new pushes arrive, and every page is one index range.
 */
export const MAX_FIRST = 100;

const encode = (p: WorkOrderPosition) => Buffer.from(JSON.stringify([p.appointmentAt, p.dmsNumber, p.workOrderNumber])).toString('base64url');

function decode(s: string): WorkOrderPosition {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'string' && x.length <= 200) && !Number.isNaN(Date.parse(v[0] as string))) {
      return { appointmentAt: v[0] as string, dmsNumber: v[1] as string, workOrderNumber: v[2] as string };
    }
  } catch {
    /* fall through */
  }
  throw badInput('`after` is not a cursor this connection gave out', { argument: 'after' });
}

export interface WorkOrderConnection {
  edges: { cursor: string; node: StoredWorkOrder }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export interface WorkOrderFilterInput {
  from?: string | null;
  to?: string | null;
  plate?: string | null;
  workOrderNumber?: string | null;
}

/** Checks every argument (BAD_USER_INPUT) before the store is read; then one database round. */
export async function workOrderConnection(store: CarsysWorkOrderStore, args: { dealerId: string; first?: number | null; after?: string | null; filter?: WorkOrderFilterInput | null }): Promise<WorkOrderConnection> {
  const first = args.first ?? 20;
  if (!Number.isInteger(first) || first < 0 || first > MAX_FIRST) throw badInput(`\`first\` must be between 0 and ${MAX_FIRST}`, { argument: 'first' });
  const after = args.after ? decode(args.after) : undefined;
  const f = args.filter ?? {};
  if (f.from && f.to && f.to < f.from) throw badInput('`filter.to` is before `filter.from`', { argument: 'filter' });
  if (f.workOrderNumber !== undefined && f.workOrderNumber !== null && !/^.{1,64}$/.test(f.workOrderNumber)) throw badInput('`filter.workOrderNumber` must be 1 to 64 characters', { argument: 'filter' });
  const plate = f.plate ? normalisePlate(f.plate) : null;
  if (first === 0) return { edges: [], pageInfo: { hasNextPage: false, endCursor: null } };
  const rows = await store.workOrderPage({ dealerId: args.dealerId, limit: first + 1, after, from: f.from, to: f.to, plate, workOrderNumber: f.workOrderNumber });
  const edges = rows.slice(0, first).map((w) => ({ cursor: encode({ appointmentAt: w.appointmentKey ?? w.appointmentAt, dmsNumber: w.dmsNumber, workOrderNumber: w.workOrderNumber }), node: w }));
  return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
}
