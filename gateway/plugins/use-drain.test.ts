import { getEventListeners } from 'node:events';
import type { ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { drainable, drainWaiting } from './use-drain';

/** A source whose events the test emits. */
function source() {
  const pending: ((r: IteratorResult<ExecutionResult>) => void)[] = [];
  let returned = false;
  const it: AsyncIterableIterator<ExecutionResult> = {
    next: () => new Promise((resolve) => pending.push(resolve)),
    return: async () => ((returned = true), { value: undefined, done: true }),
    [Symbol.asyncIterator]: () => it,
  };
  const event = (n: number) => pending.shift()!({ value: { data: { orderStatusChanged: { eventId: String(n) } } }, done: false });
  return { it, event, returned: () => returned, end: () => pending.shift()!({ value: undefined, done: true }) };
}
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('drainable subscription', () => {
  it('a drain wakes the waiting subscriber: one EVENTS_INTERRUPTED naming the last event it got, then the end; the source is returned', async () => {
    const drain = new AbortController();
    const src = source();
    const stream = drainable(src.it, drain.signal);
    for (let i = 1; i <= 3; i++) {
      const next = stream.next();
      await tick();
      src.event(i);
      expect((await next).value.data.orderStatusChanged.eventId).toBe(String(i));
    }
    const waiting = stream.next();
    await tick();
    drain.abort();
    const last = await waiting;
    expect(last.value.errors[0].extensions).toMatchObject({ code: 'EVENTS_INTERRUPTED', resumeAfterEventId: '3' });
    expect((await stream.next()).done).toBe(true);
    expect(src.returned()).toBe(true);
  });

  it('a subscription that ends, or that its client leaves, no longer listens to the drain', async () => {
    const drain = new AbortController();
    const ended = source();
    const a = drainable(ended.it, drain.signal);
    const left = drainable(source().it, drain.signal);
    expect(drainWaiting(drain.signal)).toBe(2);
    expect(getEventListeners(drain.signal, 'abort')).toHaveLength(1);
    const next = a.next();
    await tick();
    ended.end();
    expect((await next).done).toBe(true);
    await left.return!();
    expect(drainWaiting(drain.signal)).toBe(0);
  });
});
