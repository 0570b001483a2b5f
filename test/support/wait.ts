import { vi } from 'vitest';

/**
 * `fn()`'s value once `ok` holds for it, asked every 100 ms (vitest's `vi.waitFor`); past `ms` the test
 * fails with the last value seen.
 */
export function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  return vi.waitFor(
    async () => {
      const v = await fn();
      if (!ok(v)) throw new Error(`condition not met within ${ms} ms: ${JSON.stringify(v)}`);
      return v;
    },
    { timeout: ms, interval: 100 },
  );
}
