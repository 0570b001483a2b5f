import { AppError, ErrorCode } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import { count } from '../../platform/metrics';
import type { OzmapClient } from '../../vendors/ozmap/client';
import type { CoverageStore, ReservationRow } from './store';

export interface SweeperOptions {
  ozmap: OzmapClient;
  store: CoverageStore;
  log: Logger;
  now: () => Date;
  instanceId: string;
  leaseMs: number;
  intervalMs: number;
  batch?: number;
}

/**
 * Releases reservations nobody confirmed in time (the seed: "Se em 7 dias a reserva não for confirmada,
 * a porta da CTO no OZmap é liberada … e a reserva do cliente é excluída"), and finishes steps an
 * instance left half-done. State lives only in the database, so a restart loses nothing: the first
 * sweep after start picks up whatever fell due meanwhile. Rows are claimed with SKIP LOCKED under a
 * lease, so with several instances each reservation is released by exactly one of them.
 */
export function createSweeper(opts: SweeperOptions) {
  const { ozmap, store, log, now, instanceId: owner } = opts;
  const batch = opts.batch ?? 50;

  /** Deletes the reservation's OZmap property; without a recorded id, finds it by our code (crash mid-create). */
  async function deleteProperty(r: ReservationRow): Promise<void> {
    if (r.propertyId) {
      await ozmap.deleteProperty(r.propertyId);
      return;
    }
    const found = await ozmap.listProperties({ filter: [{ property: 'client.code', operator: '=', value: r.id }], select: ['id'], limit: 10 });
    for (const p of found.rows) await ozmap.deleteProperty(p.id);
  }

  async function handle(r: ReservationRow): Promise<'released' | 'other'> {
    switch (r.status) {
      case 'releasing':
        await deleteProperty(r);
        if (await store.finish(r.id, 'releasing', owner, 'expired', { endedAt: now() })) {
          log.info('unconfirmed reservation released', { reservation: r.id, box: r.boxName, port: r.portIndex, expiredAt: r.expiresAt });
          count('coverage.reservations.released');
          return 'released';
        }
        return 'other';
      case 'cancelling':
        await deleteProperty(r);
        await store.finish(r.id, 'cancelling', owner, 'cancelled', { endedAt: now() });
        return 'other';
      case 'reserving':
        await deleteProperty(r);
        await store.finish(r.id, 'reserving', owner, 'failed', { endedAt: now(), lastError: 'interrupted before OZmap answered; undone' });
        return 'other';
      case 'confirming': {
        let implanted: boolean | undefined;
        try {
          implanted = (await ozmap.getProperty(r.propertyId!)).implanted;
        } catch (err) {
          if (!(err instanceof AppError && err.code === ErrorCode.NOT_FOUND)) throw err;
        }
        if (implanted === undefined) await store.finish(r.id, 'confirming', owner, 'failed', { endedAt: now(), lastError: 'the OZmap property was deleted outside Switchboard' });
        else if (implanted) await store.finish(r.id, 'confirming', owner, 'confirmed', { confirmedAt: now() });
        else await store.finish(r.id, 'confirming', owner, 'reserved');
        return 'other';
      }
      default:
        return 'other';
    }
  }

  /** One pass: claims due rows batch by batch until none is left. Answers how many reservations it released. */
  async function sweepOnce(): Promise<number> {
    let released = 0;
    for (;;) {
      const claimed = await store.claimDue(now(), owner, new Date(now().getTime() + opts.leaseMs), batch);
      if (!claimed.length) return released;
      for (const r of claimed) {
        try {
          if ((await handle(r)) === 'released') released++;
        } catch (err) {
          // Left in flight under our lease: another pass (ours or another instance's) retries once it passes.
          log.warn('could not finish a reservation step; will retry after the lease', { reservation: r.id, status: r.status, err: (err as Error).message });
          await store.noteError(r.id, owner, (err as Error).message).catch(() => undefined);
        }
      }
      if (claimed.length < batch) return released;
    }
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = true;
  const loop = () => {
    running = sweepOnce()
      .catch((err) => log.error('reservation sweep failed', { err: (err as Error).message }))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, opts.intervalMs);
      });
  };

  return {
    sweepOnce,
    /** sweeps at once (catching up after a restart), then every intervalMs */
    start() {
      if (!stopped) return;
      stopped = false;
      loop();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
export type Sweeper = ReturnType<typeof createSweeper>;
