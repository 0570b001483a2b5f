import { request } from 'undici';
import { route, startSandbox, type Faults, type RunningSandbox, type SandboxResponse } from '../../../platform/sandbox';
import { signedPushHeaders } from '../signature';
import type { CarsysPushAck, CarsysWorkOrderPush } from '../types';
import { sandboxVehicle, workOrderPush, type SandboxVehicle } from './data';

/**
 * The Carsys sandbox plays a dealer's DMS: Carsys has no pull API, it pushes. `POST /__sandbox/push`
 * makes it push a burst of signed work orders to the configured receiver, with exact duplicates and
 * out-of-order (older) revisions mixed in, and answers what the receiver said to each.
 *
 *   POST /__sandbox/push {count=10, duplicates=0, outOfOrder=0, concurrency=8, plates?, invalid=0}
 *     count       new work orders (fresh DMS/WO numbers), each pushed at revision 2
 *     duplicates  extra pushes that repeat an already sent body byte for byte
 *     outOfOrder  work orders whose older revision 1 is pushed after revision 2
 *     invalid     extra pushes with broken fields (the receiver must answer 400)
 *     plates      push for these plates instead of the seeded Dutch fleet (e.g. to join MMP vehicles)
 *   GET /__sandbox/pushes  totals by receiver answer
 *
 * Counting: pushes are outgoing, so they are reported under /__sandbox/pushes (and as `pushes` in the
 * answer), not as dataRequests.
 */
export interface CarsysSandboxOptions {
  port: number;
  host?: string;
  receiverUrl: string;
  dealerId: string;
  secret: string;
  faults?: Partial<Faults>;
  /** the DMS clock's start; fixed so a run is reproducible */
  epochMs?: number;
  /** how many distinct vehicles the seeded fleet has (work orders cycle over them) */
  fleetSize?: number;
}

export interface PushTotals {
  sent: number;
  byStatus: Record<string, number>;
  byHttpStatus: Record<string, number>;
}

const bump = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);

export async function startCarsysSandbox(opts: CarsysSandboxOptions): Promise<RunningSandbox & { totals(): PushTotals }> {
  const epochMs = opts.epochMs ?? Date.UTC(2024, 4, 1, 6, 0, 0);
  const fleetSize = opts.fleetSize ?? 40;
  let nextSeq = 1;
  let totals: PushTotals = { sent: 0, byStatus: {}, byHttpStatus: {} };
  const fleet = new Map<string, SandboxVehicle>();
  const vehicleFor = (seq: number, plate?: string) => {
    const key = plate ?? `#${seq % fleetSize}`;
    let v = fleet.get(key);
    if (!v) fleet.set(key, (v = sandboxVehicle(plate ? 1000 + fleet.size : seq % fleetSize, plate)));
    return v;
  };

  async function pushOne(body: string): Promise<{ http: number; ack: Partial<CarsysPushAck> & { error?: string; fields?: unknown } }> {
    const res = await request(opts.receiverUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signedPushHeaders(opts.secret, body) },
      body,
    });
    const text = await res.body.text();
    let ack: Partial<CarsysPushAck> & { error?: string } = {};
    try {
      ack = JSON.parse(text);
    } catch {
      ack = { error: `non-JSON answer: ${text.slice(0, 80)}` };
    }
    totals.sent++;
    bump(totals.byHttpStatus, String(res.statusCode));
    bump(totals.byStatus, ack.status ?? ack.error ?? 'unknown');
    return { http: res.statusCode, ack };
  }

  /** Sends in bursts of `concurrency` parallel requests, as a DMS flushing its outbox would. */
  async function burst(bodies: string[], concurrency: number) {
    const results: Awaited<ReturnType<typeof pushOne>>[] = [];
    for (let i = 0; i < bodies.length; i += concurrency) {
      results.push(...(await Promise.all(bodies.slice(i, i + concurrency).map(pushOne))));
    }
    return results;
  }

  const push = route('POST', '/__sandbox/push', 'data', async (req): Promise<SandboxResponse> => {
    const input = req.json<{ count?: number; duplicates?: number; outOfOrder?: number; concurrency?: number; plates?: string[]; invalid?: number }>() ?? {};
    const count = input.count ?? 10;
    const duplicates = input.duplicates ?? 0;
    const outOfOrder = input.outOfOrder ?? 0;
    const invalid = input.invalid ?? 0;
    const concurrency = Math.max(1, Math.min(input.concurrency ?? 8, 64));
    const plates = input.plates ?? [];
    if (![count, duplicates, outOfOrder, invalid].every((n) => Number.isInteger(n) && n >= 0) || count > 5000 || outOfOrder > count || (duplicates > 0 && count === 0)) {
      return { status: 400, body: { error: 'expected integers count<=5000, duplicates (needs count>0), outOfOrder<=count, invalid >= 0' } };
    }
    const specs = Array.from({ length: count }, (_, i) => {
      const seq = nextSeq++;
      return { seq, vehicle: vehicleFor(seq, plates.length ? plates[i % plates.length] : undefined), epochMs };
    });
    const newest: CarsysWorkOrderPush[] = specs.map((s) => workOrderPush({ ...s, revision: 2 }));
    const bodies = newest.map((p) => JSON.stringify(p));
    // Burst 1: every work order at its newest revision. Burst 2: repeats and older revisions, late.
    const first = await burst(bodies, concurrency);
    const late: string[] = [];
    for (let i = 0; i < duplicates; i++) late.push(bodies[i % bodies.length]!);
    for (let i = 0; i < outOfOrder; i++) late.push(JSON.stringify(workOrderPush({ ...specs[i]!, revision: 1 })));
    for (let i = 0; i < invalid; i++) {
      const broken = { ...newest[i % Math.max(1, newest.length)], dmsNumber: '', modifiedAt: 'yesterday', vehicle: { ...newest[0]?.vehicle, plate: '??' } };
      late.push(JSON.stringify(broken));
    }
    const second = await burst(late, concurrency);
    const all = [...first, ...second];
    const byStatus: Record<string, number> = {};
    for (const r of all) bump(byStatus, r.ack.status ?? r.ack.error ?? 'unknown');
    return {
      status: 200,
      body: {
        pushes: all.length,
        byStatus,
        workOrders: newest.map((p) => ({ dmsNumber: p.dmsNumber, workOrderNumber: p.workOrderNumber, plate: p.vehicle.plate, modifiedAt: p.modifiedAt })),
        refused: all.filter((r) => r.http >= 400).map((r) => ({ http: r.http, ...r.ack })),
      },
    };
  });

  const pushes = route('GET', '/__sandbox/pushes', 'data', () => ({ status: 200, body: totals }));

  const sandbox = await startSandbox(
    {
      name: 'carsys',
      routes: [],
      adminRoutes: [push, pushes],
      faults: opts.faults,
      errorResponse: (status, message) => ({ status, body: { error: status === 404 ? 'not_found' : 'server_error', message } }),
      onReset: () => {
        totals = { sent: 0, byStatus: {}, byHttpStatus: {} };
      },
    },
    opts.port,
    opts.host,
  );
  return { ...sandbox, totals: () => totals };
}
