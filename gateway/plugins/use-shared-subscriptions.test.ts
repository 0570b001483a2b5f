import { GraphQLError, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createChannel } from './use-shared-subscriptions';

/** The fan-out's own rules: every subscriber gets every event; a slow one is cut off at its bound, alone. */
function source() {
  const pending: ((r: IteratorResult<ExecutionResult>) => void)[] = [];
  const ready: IteratorResult<ExecutionResult>[] = [];
  let returned = false;
  const it: AsyncIterableIterator<ExecutionResult> = {
    next: () => new Promise((resolve) => (ready.length ? resolve(ready.shift()!) : pending.push(resolve))),
    return: async () => {
      returned = true;
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]: () => it,
  };
  const emit = (r: IteratorResult<ExecutionResult>) => (pending.length ? pending.shift()!(r) : ready.push(r));
  return { it, event: (n: number) => emit({ value: { data: { orderStatusChanged: { eventId: String(n) } } }, done: false }), end: () => emit({ value: undefined, done: true }), returned: () => returned };
}
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('subscription channel', () => {
  it('hands every event to every subscriber; a subscriber that does not read is ended with EVENTS_INTERRUPTED past its bound, the others go on', async () => {
    const src = source();
    let closed = false;
    const channel = createChannel(src.it, 5, () => (closed = true));
    const fast = channel.join()!;
    const slow = channel.join()!;
    const got: string[] = [];
    const reading = (async () => {
      for await (const r of fast) got.push((r.data as any).orderStatusChanged.eventId);
    })();
    src.event(1);
    await tick();
    expect((await slow.next()).value).toEqual({ data: { orderStatusChanged: { eventId: '1' } } });
    for (let i = 2; i <= 20; i++) {
      src.event(i);
      await tick();
    }
    // the slow subscriber had 5 waiting when the 6th came: its backlog is dropped for one coded result, then the end
    const last = await slow.next();
    expect(last.value.errors[0].extensions).toEqual({ code: 'EVENTS_INTERRUPTED', resumeAfterEventId: '1' });
    // a GraphQLError, or the runtime would mask it as "Unexpected error." before it reaches the client
    expect(last.value.errors[0]).toBeInstanceOf(GraphQLError);
    expect((await slow.next()).done).toBe(true);
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 1)));
    expect(closed).toBe(false);
    // the last subscriber leaving ends the source
    await fast.return!();
    await reading;
    expect(closed).toBe(true);
    expect(src.returned()).toBe(true);
    expect(channel.join()).toBeUndefined();
  });

  it('the source ending ends every subscriber after what it still has queued', async () => {
    const src = source();
    const channel = createChannel(src.it, 100, () => undefined);
    const a = channel.join()!;
    const b = channel.join()!;
    src.event(1);
    src.event(2);
    src.end();
    await tick();
    for (const s of [a, b]) {
      expect((await s.next()).value.data.orderStatusChanged.eventId).toBe('1');
      expect((await s.next()).value.data.orderStatusChanged.eventId).toBe('2');
      expect((await s.next()).done).toBe(true);
    }
  });
});
