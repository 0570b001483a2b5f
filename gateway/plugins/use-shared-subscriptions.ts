import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { GraphQLError, Kind, getOperationAST, print, type DocumentNode, type ExecutionResult } from 'graphql';
import { ErrorCode } from '../../platform/errors';
import { gatewaySubscriptionMetrics } from '../../platform/metrics';
import { shareResult } from '../graphql-ws-server';

export interface SharedSubscriptionOptions {
  /** share one execution among identical subscriptions of the same caller (off: one per subscriber, as the runtime does) */
  share: boolean;
  /** events one subscriber may have waiting; past it the subscriber's stream ends with EVENTS_INTERRUPTED */
  maxQueuedEvents: number;
  /**
   * Root-field arguments that make a subscription replay from a point before it starts (Order's
   * `afterEventId`): such a subscription is never shared, since a subscriber joining a running channel
   * would miss what the channel replayed before it came (default: `afterEventId`).
   */
  resumeArguments?: string[];
}

type Result = ExecutionResult;

/**
 * Subscription fan-out, once per channel. A channel is one (operation document, operation name,
 * variables, authenticated caller): the same caller asking the same thing sees the same events with the
 * same access rules, so the gateway runs ONE subscription for all of them — one upstream subscription at
 * the subgraph (which then executes and serialises each event once, not once per subscriber), one
 * parse of each upstream message and one gateway execution per event — and hands every result to each
 * subscriber of the channel. Everything before the subscription itself still runs per subscriber
 * (authentication, access directives, rate limit, demand control: this plugin's `onSubscribe` comes last),
 * and so do the result hooks and the socket write; graphql-ws's serialisation of a result given to more
 * than one subscriber runs once (`shareResult`, gateway/graphql-ws-server.ts).
 *
 * Each subscriber has its own bounded queue: a subscriber whose socket does not take events as fast as
 * they come (graphql-ws waits for a write once 16 KB wait for the socket: gateway/graphql-ws-server.ts) gets, once `maxQueuedEvents` are waiting, its queue dropped
 * and one last result with `EVENTS_INTERRUPTED` (and `resumeAfterEventId`, the `eventId` of the last event
 * it was given, when the events carry one) — memory stays bounded, the others are not held up. The same
 * bound applies without sharing.
 *
 * The channel lives while it has subscribers: the last one leaving ends the upstream subscription. A
 * subscription that replays from a cursor (`afterEventId`, see `resumeArguments`) is not shared: a late
 * joiner would miss the replay. It gets its own upstream subscription, behind the same bounded queue.
 */
export function useSharedSubscriptions(opts: SharedSubscriptionOptions): GatewayPlugin {
  const channels = new Map<string, Promise<Channel | Result>>();
  const resumeArguments = new Set(opts.resumeArguments ?? ['afterEventId']);
  const printed = new WeakMap<DocumentNode, string>();
  const documentKey = (doc: DocumentNode) => {
    let s = printed.get(doc);
    if (s === undefined) printed.set(doc, (s = print(doc)));
    return s;
  };

  return {
    onSubscribe({ args, subscribeFn, setSubscribeFn }) {
      const caller = (args.contextValue as { callerIdentity?: unknown } | undefined)?.callerIdentity;
      if (!opts.share || !caller || resumesFrom(args.document, args.operationName, args.variableValues, resumeArguments)) {
        setSubscribeFn(async (a) => boundEach(await subscribeFn(a), opts.maxQueuedEvents));
        return;
      }
      const key = JSON.stringify([documentKey(args.document), args.operationName ?? null, args.variableValues ?? null, caller]);
      setSubscribeFn(async (a) => {
        let pending = channels.get(key);
        if (!pending) {
          pending = Promise.resolve(subscribeFn(a)).then((source) => {
            if (!isAsyncIterable(source)) {
              channels.delete(key);
              return source as Result;
            }
            gatewaySubscriptionMetrics.channels.inc();
            return createChannel(source as AsyncIterable<Result>, opts.maxQueuedEvents, () => {
              channels.delete(key);
              gatewaySubscriptionMetrics.channels.dec();
            });
          });
          pending.catch(() => channels.delete(key));
          channels.set(key, pending);
        }
        const channel = await pending;
        if (!(channel instanceof Channel)) return channel;
        const joined = channel.join();
        // the channel ended between our lookup and our joining: start a fresh one
        if (!joined) {
          if (channels.get(key) === pending) channels.delete(key);
          return boundEach(await subscribeFn(a), opts.maxQueuedEvents);
        }
        return joined;
      });
    },
  };
}

/** Whether a root field of the operation is given one of the resume arguments (a literal, or a variable that is set). */
function resumesFrom(document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | null | undefined, names: Set<string>): boolean {
  const op = getOperationAST(document, operationName);
  if (!op) return false;
  for (const sel of op.selectionSet.selections) {
    if (sel.kind !== Kind.FIELD) return true; // fragments at the root: do not guess, do not share
    for (const arg of sel.arguments ?? []) {
      if (!names.has(arg.name.value)) continue;
      if (arg.value.kind === Kind.VARIABLE) {
        if (variables?.[arg.value.name.value] != null) return true;
      } else if (arg.value.kind !== Kind.NULL) return true;
    }
  }
  return false;
}

const isAsyncIterable = (x: unknown): x is AsyncIterable<unknown> => typeof x === 'object' && x !== null && Symbol.asyncIterator in x;

/** The `eventId` of an event result's root field, when it has one (Order's events do). */
function eventIdOf(result: Result | undefined): string | undefined {
  const data = result?.data as Record<string, unknown> | null | undefined;
  if (!data) return undefined;
  for (const v of Object.values(data)) {
    const id = (v as { eventId?: unknown } | null)?.eventId;
    if (typeof id === 'string' || typeof id === 'number') return String(id);
  }
  return undefined;
}

const interrupted = (waiting: number, lastDelivered: Result | undefined): Result => {
  const resumeAfterEventId = eventIdOf(lastDelivered);
  gatewaySubscriptionMetrics.slowSubscribers.inc();
  // a GraphQLError: the runtime masks any other error as "Unexpected error." (INTERNAL_SERVER_ERROR)
  return {
    errors: [
      new GraphQLError(`the subscriber did not read fast enough (${waiting} events waiting); subscribe again${resumeAfterEventId ? ' with afterEventId = extensions.resumeAfterEventId' : ''}`, {
        extensions: { code: ErrorCode.EVENTS_INTERRUPTED, ...(resumeAfterEventId ? { resumeAfterEventId } : {}) },
      }),
    ],
  };
};

/**
 * One subscriber's view of a stream: a bounded queue filled by the producer, drained by graphql-ws.
 * `end(error?)` finishes it after what is queued; `overflowed` tells the producer to stop feeding it.
 */
class Subscriber implements AsyncIterableIterator<Result> {
  private queue: Result[] = [];
  private waiting: ((r: IteratorResult<Result>) => void) | undefined;
  private failWaiting: ((e: unknown) => void) | undefined;
  private ended = false;
  private error: unknown;
  private lastDelivered: Result | undefined;
  overflowed = false;

  constructor(
    private readonly maxQueued: number,
    private readonly onLeave: (s: Subscriber) => void,
  ) {}

  push(r: Result) {
    if (this.ended) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = this.failWaiting = undefined;
      this.lastDelivered = r;
      w({ value: r, done: false });
      return;
    }
    if (this.queue.length >= this.maxQueued) {
      // drop the backlog: the subscriber gets one coded result, then its stream ends
      const waitingCount = this.queue.length + 1;
      this.queue = [interrupted(waitingCount, this.lastDelivered)];
      this.overflowed = true;
      this.ended = true;
      this.onLeave(this);
      return;
    }
    this.queue.push(r);
  }

  end(error?: unknown) {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    if (this.waiting && !this.queue.length) {
      const [w, f] = [this.waiting, this.failWaiting];
      this.waiting = this.failWaiting = undefined;
      if (error !== undefined) f!(error);
      else w({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<Result>> {
    const r = this.queue.shift();
    if (r) {
      this.lastDelivered = r;
      return Promise.resolve({ value: r, done: false });
    }
    if (this.ended) return this.error !== undefined ? Promise.reject(this.error) : Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failWaiting = reject;
    });
  }

  return(): Promise<IteratorResult<Result>> {
    this.queue = [];
    if (!this.ended) {
      this.ended = true;
      this.onLeave(this);
    }
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = this.failWaiting = undefined;
      w({ value: undefined, done: true });
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

/** One running subscription and the subscribers it feeds. */
export class Channel {
  private readonly subscribers = new Set<Subscriber>();
  private readonly iterator: AsyncIterator<Result>;
  private closed = false;

  constructor(
    source: AsyncIterable<Result>,
    private readonly maxQueued: number,
    private readonly onClose: () => void,
  ) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** A new subscriber of this channel, or undefined when the channel has already ended. */
  join(): Subscriber | undefined {
    if (this.closed) return undefined;
    const s = new Subscriber(this.maxQueued, (left) => this.leave(left));
    this.subscribers.add(s);
    gatewaySubscriptionMetrics.subscribers.inc();
    if (this.subscribers.size === 1 && !this.pumping) void this.pump();
    return s;
  }

  private pumping = false;
  private async pump() {
    this.pumping = true;
    let error: unknown;
    try {
      for (;;) {
        const r = await this.iterator.next();
        if (r.done || this.closed) break;
        // serialised once for all of them by the graphql-ws server (gateway/graphql-ws-server.ts)
        if (this.subscribers.size > 1 && typeof r.value === 'object' && r.value !== null) shareResult(r.value);
        for (const s of this.subscribers) s.push(r.value);
      }
    } catch (e) {
      error = e;
    }
    this.close();
    for (const s of [...this.subscribers]) s.end(error);
    gatewaySubscriptionMetrics.subscribers.dec(this.subscribers.size);
    this.subscribers.clear();
  }

  private leave(s: Subscriber) {
    if (!this.subscribers.delete(s)) return;
    gatewaySubscriptionMetrics.subscribers.dec();
    if (this.subscribers.size === 0) {
      this.close();
      void this.iterator.return?.();
    }
  }

  private close() {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }
}

/** One stream fanned out to the subscribers that `join()` it (exported for its unit test). */
export function createChannel(source: AsyncIterable<Result>, maxQueued: number, onClose: () => void): Channel {
  return new Channel(source, maxQueued, onClose);
}

/** Without sharing: the same bounded queue in front of one subscriber's own stream. */
function boundEach(result: unknown, maxQueued: number): unknown {
  if (!isAsyncIterable(result)) return result;
  const channel = createChannel(result as AsyncIterable<Result>, maxQueued, () => undefined);
  return channel.join();
}
