import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, secretVariables } from './index';

describe('configuration', () => {
  it('runs on the embedded defaults with nothing set', () => {
    const c = loadConfig({});
    expect(c.GATEWAY_PORT).toBe(4000);
    expect(c.VEHICLE_PORT).toBe(4001);
    expect(c.MMP_SANDBOX_PORT).toBe(4101);
    expect(c.REDIS_URL).toBeUndefined();
    expect(c.DATABASE_URL).toBeUndefined();
  });

  it('reports every bad variable at once, each with what was expected', () => {
    let err: unknown;
    try {
      loadConfig({ GATEWAY_PORT: 'eighty', MMP_VERSION: '1', REDIS_URL: 'not a url', UPSTREAM_TIMEOUT_MS: '-5' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.find((p) => p.startsWith('GATEWAY_PORT='))).toContain('Gateway HTTP/WebSocket port');
    expect(problems.find((p) => p.startsWith('MMP_VERSION='))).toContain('expected v<number>');
  });

  it('never echoes the value of a secret variable in an error', () => {
    expect(secretVariables.has('MMP_PASSWORD')).toBe(true);
    // A value the string schema refuses (an array), so the secret's validation really fails.
    const call = () => loadConfig({ MMP_PASSWORD: ['hunter2'] as unknown as string });
    expect(call).toThrow(ConfigError);
    try {
      call();
    } catch (e) {
      expect(String(e)).toContain('MMP_PASSWORD=<secret>');
      expect(String(e)).not.toContain('hunter2');
    }
  });
});
