import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { gql, sandboxStats } from './support/graphql';
import { freePort, spawnService, waitForHttp, type ChildService } from './support/processes';
import { startStack, type Stack } from './support/stack';
import { redisUrlForTests } from './support/services';

const redisUrl = redisUrlForTests();

describe.runIf(redisUrl)('one token for four processes', () => {
  let stack: Stack;
  const subgraphs: { svc: ChildService; url: string }[] = [];

  beforeAll(async () => {
    // The sandbox answers slowly so that all four processes really miss the cache at the same time.
    stack = await startStack({ sandboxes: ['mmp'], env: { SANDBOX_LATENCY_MS: '100' } });
    const mmp = stack.sandboxUrl('mmp');
    // Start cold: forget any token an earlier run cached for this sandbox address.
    const redis = createClient({ url: redisUrl });
    await redis.connect();
    const stale = await redis.keys(`switchboard:token*:mmp:${encodeURIComponent(mmp)}*`);
    if (stale.length) await redis.del(stale);
    await redis.close();
    for (let i = 0; i < 4; i++) {
      const port = await freePort();
      const svc = spawnService(`vehicle-${i}`, 'subgraphs/vehicle/main.ts', { ...stack.env, REDIS_URL: redisUrl!, MMP_BASE_URL: mmp, VEHICLE_PORT: String(port) });
      subgraphs.push({ svc, url: `http://127.0.0.1:${port}/graphql` });
    }
    await Promise.all(subgraphs.map((s) => waitForHttp(s.url.replace('/graphql', '/healthz'), 45_000, s.svc.child)));
  });
  afterAll(async () => {
    await Promise.all(subgraphs.map((s) => s.svc.stop()));
    await stack?.stop();
  });

  it('200 concurrent cold requests spread over 4 processes cause exactly 1 token request', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => gql(subgraphs[i % 4]!.url, '{ vehicle(plate: "ABC123") { plate forecasts { label } } }')),
    );
    expect(results.filter((r) => r.errors).map((r) => r.errors)).toEqual([]);
    const stats = await sandboxStats(stack.sandboxUrl('mmp'));
    expect(stats.tokenRequests).toBe(1);
    expect(stats.dataRequests).toBe(200);
  });
});
