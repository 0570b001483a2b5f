import { randomUUID } from 'node:crypto';
import { hasScope, Scope } from '../../platform/access';
import type { CallerIdentity } from '../../platform/caller-identity';
import { AppError, ErrorCode, VendorError, badInput, conflict, notFound } from '../../platform/errors';
import { isValidLatLng } from '../../platform/geo';
import type { Logger } from '../../platform/logger';
import type { OzmapClient } from '../../vendors/ozmap/client';
import type { OzmapBox, OzmapProperty, OzmapSplitter } from '../../vendors/ozmap/types';
import { requirePlan } from './feasibility';
import { inAnyRegion, type PlanRegions } from './plan-regions';
import type { CoverageStore, ProspectData, ReservationRow } from './store';

export interface ReservationOptions {
  ozmap: OzmapClient;
  store: CoverageStore;
  regions: PlanRegions;
  log: Logger;
  /** the clock; tests move it instead of waiting days */
  now: () => Date;
  reservationDays: number;
  /** how long one step (an OZmap call) may hold a reservation before another instance takes over */
  leaseMs: number;
  /** names this process in lease_owner */
  instanceId: string;
}

/** How a reservation records its caller: `partner:<id>` or `user:<sub>`. */
export const reserverOf = (caller: CallerIdentity) => `${caller.kind}:${caller.id}`;

/** Only the caller that reserved, or an admin, reads, confirms or cancels a reservation. */
export const ownsReservation = (caller: CallerIdentity | undefined | null, row: Pick<ReservationRow, 'reservedBy'>) =>
  Boolean(caller && (hasScope(caller, Scope.ADMIN) || (row.reservedBy !== null && row.reservedBy === reserverOf(caller))));

const OBJECT_ID = /^[0-9a-f]{24}$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DAY_MS = 86_400_000;

/** What a caller sends about the prospect (lat/lng optional, null allowed as GraphQL sends it). */
export type ProspectInput = Omit<ProspectData, 'lat' | 'lng'> & { lat?: number | null; lng?: number | null };

export function validateBoxId(id: string): string {
  if (!OBJECT_ID.test(id)) throw badInput(`"${id.slice(0, 40)}" is not an OZmap box id (24 hexadecimal digits)`, { argument: 'boxId' });
  return id.toLowerCase();
}

export function validateReservationId(id: string): string {
  if (!UUID.test(id)) throw badInput(`"${id.slice(0, 40)}" is not a reservation id`, { argument: 'id' });
  return id.toLowerCase();
}

function validateProspect(p: ProspectInput): ProspectData {
  const name = p.name.trim();
  const email = p.email.trim();
  const phone = p.phone.trim();
  const address = p.address.trim();
  if (name.length < 3 || name.length > 120) throw badInput('prospect.name must be 3 to 120 characters', { argument: 'prospect.name' });
  if (!EMAIL.test(email) || email.length > 200) throw badInput('prospect.email is not an e-mail address', { argument: 'prospect.email' });
  if (!/^\+?[\d\s().-]{8,20}$/.test(phone)) throw badInput('prospect.phone must be 8 to 20 digits, spaces, dashes or brackets, optionally after +', { argument: 'prospect.phone' });
  if (address.length < 5 || address.length > 200) throw badInput('prospect.address must be 5 to 200 characters', { argument: 'prospect.address' });
  const hasPoint = p.lat != null || p.lng != null;
  if (hasPoint && !isValidLatLng({ lat: p.lat, lng: p.lng })) throw badInput('prospect lat must be -90..90 and lng -180..180', { argument: 'prospect.lat/lng' });
  return { name, email, phone, address, ...(hasPoint ? { lat: p.lat!, lng: p.lng! } : {}) };
}

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));
/** Vendor errors where OZmap certainly did nothing: safe to give up the attempt at once. */
const refusedByOzmap = (err: unknown) => err instanceof VendorError && err.status !== undefined && err.status >= 400 && err.status < 500;

/**
 * Reservations as a state machine over our row and the OZmap property. Every step first moves the row
 * into an in-flight state with a lease (a conditional UPDATE: only one caller or instance wins), then
 * calls OZmap, then finishes the step. A crash leaves the row in flight; when the lease has passed the
 * sweeper finishes or undoes the step (see sweeper.ts).
 */
export function createReservations(opts: ReservationOptions) {
  const { ozmap, store, regions, log, now, instanceId: owner } = opts;
  const lease = () => new Date(now().getTime() + opts.leaseMs);

  async function loadBox(boxId: string): Promise<OzmapBox> {
    try {
      return await ozmap.getBox(boxId);
    } catch (err) {
      if (err instanceof AppError && err.code === ErrorCode.NOT_FOUND) throw notFound(`no OZmap box ${boxId}`, { boxId });
      throw err;
    }
  }

  /** Free service ports of a box in OZmap, in splitter then port order. Two OZmap calls. */
  async function freePorts(box: OzmapBox): Promise<{ splitter: OzmapSplitter; port: number }[]> {
    const splitters = (await ozmap.listSplitters({ filter: [{ property: 'parent', operator: '=', value: box.id }, { property: 'isDrop', operator: '=', value: true }], limit: 100 })).rows.filter((s) => s.implanted);
    if (!splitters.length) return [];
    const connected = await ozmap.listAll<OzmapProperty>(ozmap.listProperties, {
      filter: [{ property: 'connection.splitter', operator: 'in', value: splitters.map((s) => s.id) }],
      select: ['connection'],
      limit: 500,
    });
    const busy = new Set(connected.map((p) => `${p.connection!.splitter}#${p.connection!.port}`));
    return splitters.flatMap((s) => s.ports.filter((p) => !p.blocked && !busy.has(`${s.id}#${p.index}`)).map((p) => ({ splitter: s, port: p.index })));
  }

  async function reservePort(boxIdInput: string, prospectInput: ProspectInput, planCode: string | null | undefined, reservedBy: string): Promise<ReservationRow> {
    const boxId = validateBoxId(boxIdInput);
    const prospect = validateProspect(prospectInput);
    const plan = planCode ? await requirePlan(store, planCode) : null;
    const box = await loadBox(boxId);
    const at = { lat: box.coords[1], lng: box.coords[0] };
    if (!box.implanted) throw conflict(`box ${box.name} is "Em projeto" (not implanted): it cannot take a reservation`, { boxId, reason: 'NOT_IMPLANTED' });
    if (plan?.regionTags.length && !inAnyRegion(at, await regions.forTags(plan.regionTags))) {
      throw conflict(`box ${box.name} is outside every OZmap region tagged ${plan.regionTags.join(', ')} (plan ${plan.code})`, { boxId, reason: 'OUTSIDE_PLAN_REGION' });
    }
    const candidates = await freePorts(box);
    for (const { splitter, port } of candidates) {
      const id = randomUUID();
      const created = now();
      const row = await store.insertReserving({
        id,
        boxId,
        boxName: box.name,
        splitterId: splitter.id,
        portIndex: port,
        plan: plan?.code ?? null,
        prospect,
        createdAt: created,
        expiresAt: new Date(created.getTime() + opts.reservationDays * DAY_MS),
        leaseUntil: lease(),
        owner,
        reservedBy,
      });
      if (!row) continue; // another prospect holds this port through us: try the next one
      let property: OzmapProperty;
      try {
        property = await ozmap.createProperty({
          address: prospect.address,
          coords: prospect.lat != null ? [prospect.lng!, prospect.lat] : box.coords,
          box: box.id,
          client: { name: prospect.name, code: id, email: prospect.email, phone: prospect.phone },
          connection: { splitter: splitter.id, port },
          implanted: false,
          observation: `Reserva Conecte.ai ${id}${plan ? ` (plano ${plan.code})` : ''}`,
        });
      } catch (err) {
        if (refusedByOzmap(err)) {
          await store.finish(id, 'reserving', owner, 'failed', { endedAt: now(), lastError: describe(err) });
          if ((err as AppError).code === ErrorCode.CONFLICT) continue; // taken in OZmap by someone else
          throw err;
        }
        // Unknown outcome (timeout, 5xx): OZmap may hold the property. The row stays 'reserving' under
        // its lease; the sweeper then finds the property by client.code and undoes it.
        await store.noteError(id, owner, describe(err));
        throw err;
      }
      const done = await store.finish(id, 'reserving', owner, 'reserved', { propertyId: property.id });
      if (!done) throw new AppError(ErrorCode.INTERNAL_SERVER_ERROR, 'reservation was taken over while it was being created');
      log.info('port reserved', { reservation: id, box: box.name, splitter: splitter.id, port, expiresAt: done.expiresAt });
      return done;
    }
    throw conflict(`box ${box.name} has no free port left`, { boxId, reason: 'NO_FREE_PORTS' });
  }

  /** The reservation when `caller` may act on it (see ownsReservation); another caller's is NOT_FOUND, as if absent. */
  async function requireReservation(idInput: string, caller: CallerIdentity | undefined): Promise<ReservationRow> {
    const id = validateReservationId(idInput);
    const row = await store.get(id);
    if (!row || !ownsReservation(caller, row)) throw notFound(`no reservation ${id}`, { id });
    return row;
  }

  const stateConflict = (row: ReservationRow, action: string) =>
    conflict(`reservation ${row.id} is ${row.status}${row.status === 'reserved' && row.expiresAt <= now() ? ` and expired at ${row.expiresAt.toISOString()}` : ''}: it cannot be ${action}`, { id: row.id, status: row.status.toUpperCase() });

  async function confirmReservation(idInput: string, caller: CallerIdentity | undefined): Promise<ReservationRow> {
    const row = await requireReservation(idInput, caller);
    if (row.status === 'confirmed') return row;
    const claimed = await store.claim(row.id, 'reserved', 'confirming', owner, lease(), { notExpiredAt: now() });
    if (!claimed) throw stateConflict((await store.get(row.id))!, 'confirmed');
    try {
      await ozmap.updateProperty(claimed.propertyId!, { implanted: true });
    } catch (err) {
      if (err instanceof AppError && err.code === ErrorCode.NOT_FOUND) {
        await store.finish(row.id, 'confirming', owner, 'failed', { endedAt: now(), lastError: 'the OZmap property was deleted outside Switchboard' });
        throw conflict(`reservation ${row.id}: its OZmap property no longer exists`, { id: row.id, status: 'FAILED' });
      }
      if (refusedByOzmap(err)) await store.finish(row.id, 'confirming', owner, 'reserved', { lastError: describe(err) });
      else await store.noteError(row.id, owner, describe(err));
      throw err;
    }
    const done = await store.finish(row.id, 'confirming', owner, 'confirmed', { confirmedAt: now() });
    if (!done) throw new AppError(ErrorCode.INTERNAL_SERVER_ERROR, 'confirmation was taken over while it ran');
    log.info('reservation confirmed', { reservation: row.id });
    return done;
  }

  async function cancelReservation(idInput: string, caller: CallerIdentity | undefined): Promise<ReservationRow> {
    const row = await requireReservation(idInput, caller);
    if (row.status === 'cancelled' || row.status === 'expired' || row.status === 'failed') return row;
    const claimed = await store.claim(row.id, 'reserved', 'cancelling', owner, lease());
    if (!claimed) throw stateConflict((await store.get(row.id))!, 'cancelled');
    try {
      await ozmap.deleteProperty(claimed.propertyId!);
    } catch (err) {
      if (refusedByOzmap(err)) await store.finish(row.id, 'cancelling', owner, 'reserved', { lastError: describe(err) });
      else await store.noteError(row.id, owner, describe(err)); // the sweeper finishes it after the lease
      throw err;
    }
    const done = await store.finish(row.id, 'cancelling', owner, 'cancelled', { endedAt: now() });
    if (!done) throw new AppError(ErrorCode.INTERNAL_SERVER_ERROR, 'cancellation was taken over while it ran');
    log.info('reservation cancelled', { reservation: row.id });
    return done;
  }

  return { reservePort, confirmReservation, cancelReservation, get: requireReservation };
}
export type Reservations = ReturnType<typeof createReservations>;
