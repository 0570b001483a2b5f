import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, sandboxFaults } from './support/graphql';
import { spawnService } from './support/processes';
import { startStack, type Stack } from './support/stack';

/**
 * What a client sees when a vendor fails: a stable code and a neutral message — no internal URL, no vendor
 * body, status or raw error; those go to the subgraph's log. And a connection string's password is never
 * printed, even when the string is malformed and the process refuses to start.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ sandboxes: ['mmp'], subgraphs: ['vehicle'], gateway: true, env: { UPSTREAM_TIMEOUT_MS: '1500', TEST_LOG_LEVEL: 'warn', LOG_LEVEL: 'warn' } });
});
afterAll(() => stack?.stop());

const Q = '{ vehicle(plate: "ABC123") { plate information { vin } } }';
const INTERNAL = /127\.0\.0\.1|localhost|https?:\/\/|mmp|vision360|malformed JSON|starts with|ECONNREFUSED|HTTP \d{3}/i;
const vehicleLog = () => stack.services.find((s) => s.name === 'vehicle')!.output();

describe('errors tell the caller what to do, not how we are built', () => {
  it('a malformed vendor answer: code and neutral message; the vendor body is in the log only', async () => {
    await sandboxFaults(stack.sandboxUrl('mmp'), { malformedRate: 1 });
    try {
      const res = await gql(stack.gatewayUrl, Q);
      const err = res.errors![0]!;
      expect(err.extensions).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
      expect(err.extensions).not.toHaveProperty('vendor');
      expect(err.extensions).not.toHaveProperty('status');
      expect(JSON.stringify(res.errors)).not.toMatch(INTERNAL);
      expect(err.message).toMatch(/try again/);
    } finally {
      await sandboxFaults(stack.sandboxUrl('mmp'), { malformedRate: 0 });
    }
    await new Promise((r) => setTimeout(r, 200));
    // one JSON line per event (pino writes `msg` last): the vendor's answer is logged, under the request's id
    expect(vehicleLog()).toMatch(/"code":"UPSTREAM_BAD_RESPONSE".*malformed JSON.*"msg":"vendor call failed"/);
  });

  it('a vendor that cannot be reached: UPSTREAM_UNAVAILABLE without its URL', async () => {
    const mmp = stack.services.find((s) => s.name === 'mmp-sandbox')!;
    await mmp.stop();
    const res = await gql(stack.gatewayUrl, '{ vehicle(plate: "DEF123") { plate information { vin } } }');
    expect(res.errors![0]!.extensions!.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(JSON.stringify(res.errors)).not.toMatch(INTERNAL);
    await new Promise((r) => setTimeout(r, 200));
    // the address we could not reach is in the log (the vendor call's line), never in the answer
    expect(vehicleLog()).toMatch(/"err":"connect ECONNREFUSED 127\.0\.0\.1:\d+","msg":"vendor call got no answer"/);
    expect(vehicleLog()).toMatch(/"code":"UPSTREAM_UNAVAILABLE".*"msg":"vendor call failed"/);
  });
});

describe('connection strings are masked at start-up', () => {
  const startFails = async (entry: string, env: Record<string, string>) => {
    const svc = spawnService('bad-config', entry, env);
    const code = await new Promise<number | null>((resolve) => svc.child.once('exit', resolve));
    return { code, output: svc.output() };
  };

  it('a malformed DATABASE_URL or REDIS_URL is named, but its password is not printed', async () => {
    const db = await startFails('subgraphs/order/main.ts', { DATABASE_URL: 'postgres://admin:S3cretPw-db@db.example:54x32/app' });
    expect(db.code).not.toBe(0);
    expect(db.output).toMatch(/DATABASE_URL/);
    expect(db.output).not.toMatch(/S3cretPw/);
    const redis = await startFails('gateway/main.ts', { REDIS_URL: 'redis://:S3cretPw-redis@redis host:6379' });
    expect(redis.code).not.toBe(0);
    expect(redis.output).toMatch(/REDIS_URL/);
    expect(redis.output).not.toMatch(/S3cretPw/);
  });
});
