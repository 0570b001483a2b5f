import { GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query, startFederation, type TestFederation } from '../../test/support/federation';
import { useRequiredNulls } from './use-required-nulls';

/**
 * Our contract for `@requires` (Vehicle `facts` requires Customer's `carsys`): a `null` the other subgraph
 * answered reaches the requiring subgraph as `null`, at any depth; a value whose call failed stays absent.
 * A `dms` subgraph (Customer's part) gives `carsys`; a `cars` subgraph (Vehicle's) echoes, per plate, the
 * `carsys` its representation held. Plates: A (Carsys has nothing: null), B (some nested nulls, in a
 * list too), C (no null), D (an object whose fields are all null), E (reading Carsys fails: stays absent).
 */
const DMS = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])
  type Query { fleet: [Vehicle!]! }
  type Vehicle @key(fields: "plate") { plate: String! carsys: Facts }
  type Facts @shareable { make: String model: String vin: String tags: [Tag] }
  type Tag @shareable { name: String }
`;
const CARS = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires"])
  type Query { vehicle(plate: String!): Vehicle vehicles(plates: [String!]!): [Vehicle!]! }
  type Vehicle @key(fields: "plate") {
    plate: String!
    carsys: Facts @external
    seen: String @requires(fields: "carsys { make model vin tags { name } }")
  }
  type Facts @shareable { make: String model: String vin: String tags: [Tag] }
  type Tag @shareable { name: String }
`;
const FACTS: Record<string, unknown> = {
  A: null,
  B: { make: 'VW', model: 'Golf', vin: null, tags: [{ name: null }, null] },
  C: { make: 'VW', model: 'Polo', vin: 'WVW1', tags: [{ name: 'lease' }] },
  D: { make: null, model: null, vin: null, tags: null },
};

let federation: TestFederation;
beforeAll(async () => {
  federation = await startFederation([
    {
      name: 'dms',
      typeDefs: DMS,
      resolvers: {
        Query: { fleet: () => ['A', 'B', 'C', 'D', 'E'].map((plate) => ({ plate })) },
        Vehicle: {
          __resolveReference: (ref: { plate: string }) => ref,
          carsys: ({ plate }: { plate: string }) => {
            if (plate === 'E') throw new GraphQLError('Carsys store down', { extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
            return FACTS[plate];
          },
        },
      } as never,
    },
    {
      name: 'cars',
      typeDefs: CARS,
      resolvers: {
        Query: { vehicle: (_: unknown, { plate }: { plate: string }) => ({ plate }), vehicles: (_: unknown, { plates }: { plates: string[] }) => plates.map((plate) => ({ plate })) },
        Vehicle: {
          __resolveReference: (ref: unknown) => ref,
          seen: (v: { carsys?: unknown }) => ('carsys' in v ? JSON.stringify(v.carsys) : 'ABSENT'),
        },
      } as never,
    },
  ]);
});
afterAll(() => federation?.close());

const PLATES = ['A', 'B', 'C', 'D', 'E'];
const EXPECTED = [null, FACTS.B, FACTS.C, FACTS.D, 'ABSENT'];
// The JS planner sends E's failed `carsys` as `null` too ("Carsys has nothing"): with Hive Router we keep
// the failure apart (absent), which is what Vehicle's `facts` needs to answer UPSTREAM_UNAVAILABLE.
const JS_PLANNER = [...EXPECTED.slice(0, 4), null];
const seen = (r: Awaited<ReturnType<typeof query>>, list: string) => ((r.data as Record<string, unknown>)[list] as { seen: string }[]).map((v) => (v.seen === 'ABSENT' ? v.seen : JSON.parse(v.seen)));

describe('useRequiredNulls (Hive Router planner, real runtime and subgraphs)', () => {
  const rust = () => federation.gateway({ planner: 'rust', plugins: [useRequiredNulls({ supergraphSdl: federation.supergraphSdl })] });

  it('entities reached through an entity call: the requiring subgraph gets every null, at any depth, as the JS planner sends them; a failed value stays absent', async () => {
    const doc = 'query ($p: [String!]!) { vehicles(plates: $p) { plate seen } }';
    const js = await query(federation.gateway({ planner: 'js' }), doc, { p: PLATES });
    expect(seen(js, 'vehicles')).toEqual(JS_PLANNER);
    const withPlugin = await query(rust(), doc, { p: PLATES });
    expect(seen(withPlugin, 'vehicles')).toEqual(EXPECTED);
  });

  it('entities reached through a root call of the other subgraph: the same', async () => {
    const doc = '{ fleet { plate seen } }';
    expect(seen(await query(federation.gateway({ planner: 'js' }), doc), 'fleet')).toEqual(JS_PLANNER);
    expect(seen(await query(rust(), doc), 'fleet')).toEqual(EXPECTED);
  });

  it('without the plugin the runtime leaves the nulls out (the reason for it; drop the plugin when this fails)', async () => {
    const bare = federation.gateway({ planner: 'rust' });
    const got = seen(await query(bare, 'query ($p: [String!]!) { vehicles(plates: $p) { plate seen } }', { p: PLATES }), 'vehicles');
    expect(got).toEqual(['ABSENT', { make: 'VW', model: 'Golf', tags: [null, null] }, FACTS.C, 'ABSENT', 'ABSENT']);
  });

  it('another operation (context) does not see this one’s notes; a single vehicle asked alone works too', async () => {
    const gateway = rust();
    await query(gateway, '{ fleet { plate carsys { make } } }');
    expect((await query(gateway, '{ vehicle(plate: "A") { seen } }')).data).toEqual({ vehicle: { seen: 'null' } });
    expect((await query(gateway, '{ vehicle(plate: "E") { seen } }')).data).toEqual({ vehicle: { seen: 'ABSENT' } });
  });
});
