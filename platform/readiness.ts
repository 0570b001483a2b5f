import type { Queryable } from './db';
import type { RedisClient } from './redis';

/** One dependency's state as `/readyz` shows it. */
export type DependencyState = 'up' | 'down';

export interface Readiness {
  ready: boolean;
  /** e.g. { database: 'up', redis: 'down' } */
  dependencies: Record<string, DependencyState>;
}

/**
 * A service's readiness from its own dependencies, each checked within `timeoutMs`:
 * - the database (when the service has one) must answer `SELECT 1`: without it nothing can be served;
 * - Redis (when configured) is reported, but its loss does not make the service unready: every use of
 *   Redis falls back (tokens to memory, order events to the store), so a balancer must keep sending traffic.
 */
export function dependencyReadiness(deps: { store?: Queryable; redis?: RedisClient; timeoutMs?: number }): () => Promise<Readiness> {
  // shorter than the gateway's 2 s check of this route, so the gateway sees our answer rather than its timeout
  const timeoutMs = deps.timeoutMs ?? 1_000;
  const within = <T>(p: Promise<T>) =>
    Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), timeoutMs).unref())]);
  return async () => {
    const dependencies: Record<string, DependencyState> = {};
    let ready = true;
    if (deps.store) {
      const ok = await within(deps.store.query('SELECT 1')).then(
        (r) => r.rowCount === 1,
        () => false,
      );
      dependencies.database = ok ? 'up' : 'down';
      ready &&= ok;
    }
    if (deps.redis) dependencies.redis = deps.redis.isReady ? 'up' : 'down';
    return { ready, dependencies };
  };
}
