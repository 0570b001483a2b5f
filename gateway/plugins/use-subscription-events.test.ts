import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFederation, subscribeAll, type TestFederation } from '../../test/support/federation';
import { useSubscriptionEvents } from './use-subscription-events';

/**
 * Each event the gateway sends matches the subgraph's event it comes from (Order's `orderStatusChanged`):
 * an event with a field error carries that error only, the next event none; the last event, `data: null`
 * with EVENTS_INTERRUPTED (Order's end of a stream it could not keep gap-free), stays `data: null`.
 * A subgraph on loopback serves the subscription over graphql-ws; the gateway is the real runtime.
 */
const ORDERS = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query { ping: String }
  type Subscription { changes: Change! endless: Change! }
  type Change { id: ID! note: String }
`;
type Event = { id: string; failNote?: boolean; interrupted?: boolean };
const EVENTS: Event[] = [{ id: '1' }, { id: '2', failNote: true }, { id: '3' }, { id: '4', interrupted: true }];

let federation: TestFederation;
beforeAll(async () => {
  federation = await startFederation([
    {
      name: 'orders',
      typeDefs: ORDERS,
      resolvers: {
        Query: { ping: () => 'pong' },
        Subscription: {
          changes: {
            subscribe: async function* () {
              for (const e of EVENTS) yield e;
            },
            resolve: (e: Event) => {
              if (e.interrupted) throw new GraphQLError('live events could not be kept gap-free', { extensions: { code: 'EVENTS_INTERRUPTED', resumeAfterEventId: '3' } });
              return e;
            },
          },
          // one event, then nothing until the socket goes (Order's replica killed)
          endless: {
            subscribe: async function* () {
              yield { id: '1' };
              await new Promise(() => undefined);
            },
            resolve: (e: Event) => e,
          },
        },
        Change: {
          note: (e: Event) => {
            if (e.failNote) throw new GraphQLError('note unavailable', { extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
            return `event ${e.id}`;
          },
        },
      } as never,
    },
  ]);
});
afterAll(() => federation?.close());

const DOC = 'subscription { changes { id note } }';
/** What the client must get: each subgraph event as it was. */
const EXPECTED = [
  { data: { changes: { id: '1', note: 'event 1' } } },
  { data: { changes: { id: '2', note: null } }, errors: [{ message: 'note unavailable', path: ['changes', 'note'], extensions: { code: 'UPSTREAM_UNAVAILABLE' } }] },
  { data: { changes: { id: '3', note: 'event 3' } } },
  { data: null, errors: [{ message: 'live events could not be kept gap-free', path: ['changes'], extensions: { code: 'EVENTS_INTERRUPTED', resumeAfterEventId: '3' } }] },
];
const shape = (events: Awaited<ReturnType<typeof subscribeAll>>) =>
  events.map((e) => ({ data: e.data ?? null, errors: e.errors?.map((x) => ({ code: x.extensions?.code, message: x.message })) }));

describe('useSubscriptionEvents (Hive Router planner, real runtime and subgraph)', () => {
  it('the JS planner gives each subgraph event as it was (the contract)', async () => {
    const events = await subscribeAll(federation.gateway({ planner: 'js' }), DOC);
    expect(shape(events)).toEqual(shape(EXPECTED as never));
  });

  it('with the plugin, Hive Router gives the same: errors once, data null stays null', async () => {
    const events = await subscribeAll(federation.gateway({ planner: 'rust', plugins: [useSubscriptionEvents()] }), DOC);
    expect(shape(events)).toEqual(shape(EXPECTED as never));
  });

  it('without it, Hive Router repeats earlier errors and keeps the previous data (the reason for it; drop the plugin when this fails)', async () => {
    const events = shape(await subscribeAll(federation.gateway({ planner: 'rust' }), DOC));
    expect(events).toHaveLength(4);
    expect(events[2]!.errors).toEqual(shape([EXPECTED[1]] as never)[0]!.errors);
    expect(events[3]!.data).toEqual({ changes: { id: '3', note: 'event 3' } });
  });
});

describe('useSubscriptionEvents: the subgraph’s socket is lost mid-stream (an Order replica killed)', () => {
  // after the first event the subgraph's sockets are cut: the client gets the event, then the error alone
  const run = (planner: 'js' | 'rust', plugins: GatewayPlugin[] = []) =>
    subscribeAll(federation.gateway({ planner, plugins }), 'subscription { endless { id } }', {}, (_, i) => {
      if (i === 0) for (const ws of federation.subgraphs[0]!.websockets) for (const c of ws.clients) c.terminate();
    });
  const endsWithErrorAlone = (events: Awaited<ReturnType<typeof subscribeAll>>) => {
    expect(events).toHaveLength(2);
    expect(events[0]).toEqual({ data: { endless: { id: '1' } } });
    expect(events[1]!.data ?? null).toBeNull();
    expect(events[1]!.errors?.length).toBeGreaterThan(0);
  };

  it('the JS planner: the event, then the error without data', async () => {
    endsWithErrorAlone(await run('js'));
  });

  it('Hive Router with the plugin: the same (the event is not given twice)', async () => {
    endsWithErrorAlone(await run('rust', [useSubscriptionEvents()]));
  });

  it('Hive Router without it sends the last event again with the error (the reason; drop the plugin when this fails)', async () => {
    const events = await run('rust');
    expect(events[1]!.data).toEqual({ endless: { id: '1' } });
  });
});
