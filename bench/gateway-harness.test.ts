import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../platform/sandbox';
import { startMmpSandbox } from '../vendors/mmp/sandbox/server';
import { buildFleet, type MmpFleet } from '../vendors/mmp/sandbox/fleet';
import { startVehicleOnSandbox } from '../test/support/vehicle';
import { compareEngines, firstDifference, procStats, type Engine } from './gateway-harness';

// The benchmark's refusal to measure engines that answer differently, on real servers: two Vehicle
// subgraphs over one MMP sandbox agree; a third over a sandbox whose ABC123 has another mileage does not.
const started: { close(): Promise<void> }[] = [];
async function vehicleEngine(name: string, sandbox: RunningSandbox): Promise<Engine> {
  const { subgraph, close } = await startVehicleOnSandbox(sandbox.url);
  started.push({ close });
  return { name, url: subgraph.url, pid: process.pid };
}

const QUERY = 'query ($plate: String!) { vehicle(plate: $plate) { plate information { vin lastVisitMileage } forecasts { label dueDate } } }';
let a: Engine, b: Engine, other: Engine;

beforeAll(async () => {
  const seeded = await startMmpSandbox({ port: 0 });
  const fleet: MmpFleet = buildFleet();
  const abc = fleet.vehicles.get('ABC123')!;
  fleet.vehicles.set('ABC123', { ...abc, vehicleInformations: { ...abc.vehicleInformations, vehicleLastVisitMileage: (abc.vehicleInformations.vehicleLastVisitMileage ?? 0) + 1 } });
  const changed = await startMmpSandbox({ port: 0, fleet });
  started.push(seeded, changed);
  [a, b, other] = await Promise.all([vehicleEngine('first', seeded), vehicleEngine('second', seeded), vehicleEngine('other data', changed)]);
});
afterAll(async () => {
  for (const s of started.reverse()) await s.close();
});

describe('the gateway benchmark checks that engines answer the same before it measures', () => {
  it('engines over the same data agree', async () => {
    expect(await compareEngines([a, b], ['ABC123', 'DEF123'].map((plate) => ({ query: QUERY, variables: { plate } })), {})).toEqual([]);
  });

  it('a different answer is reported with the path where it differs', async () => {
    const problems = await compareEngines([a, other], [{ query: QUERY, variables: { plate: 'ABC123' } }], {});
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^first and other data differ for .*ABC123.* at \$\.vehicle\.information\.lastVisitMileage: \d+ ≠ \d+$/);
  });

  it('an answer with errors is refused even when both engines give the same one', async () => {
    const problems = await compareEngines([a, b], [{ query: QUERY, variables: { plate: 'NOT A PLATE!' } }], {});
    expect(problems.filter((p) => p.includes('answered errors'))).toHaveLength(2);
  });

  it('compares objects regardless of key order and lists in order', () => {
    expect(firstDifference({ x: 1, y: [1, 2] }, { y: [1, 2], x: 1 })).toBeUndefined();
    expect(firstDifference({ y: [1, 2] }, { y: [2, 1] })).toBe('$.y[0]: 1 ≠ 2');
    expect(firstDifference({ x: 1 }, { x: 1, z: null })).toBe('$.z: only in the second');
  });

  it('reads CPU time and resident memory of a process from /proc', () => {
    const before = procStats(process.pid);
    const until = performance.now() + 50;
    while (performance.now() < until);
    const after = procStats(process.pid);
    expect(after.cpuMs).toBeGreaterThan(before.cpuMs);
    expect(after.rssMb).toBeGreaterThan(10);
  });
});
