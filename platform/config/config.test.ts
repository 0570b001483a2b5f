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

  it('WORKSHOP_LINKS: workshop:dealer:pointOfSale triples, sandbox default, every mistake named', () => {
    expect(loadConfig({}).WORKSHOP_LINKS).toEqual([{ workshopId: '121212', carsysDealerId: 'sandbox-dealer', mmpPointOfSale: '920150' }]);
    expect(loadConfig({ WORKSHOP_LINKS: '6060001:dealer-a:, 6060002::920150' }).WORKSHOP_LINKS).toEqual([
      { workshopId: '6060001', carsysDealerId: 'dealer-a', mmpPointOfSale: null },
      { workshopId: '6060002', carsysDealerId: null, mmpPointOfSale: '920150' },
    ]);
    const problem = (v: string) => {
      try {
        loadConfig({ WORKSHOP_LINKS: v });
      } catch (e) {
        return (e as ConfigError).problems.join(' ');
      }
      return 'accepted';
    };
    expect(problem('6060001:dealer-a')).toContain('expected workshopUserId:dealerId:mmpCodePdv');
    expect(problem('6060001:dealer a:')).toContain('letters, digits');
    expect(problem('6060001:a:,6060001:b:')).toContain('workshop 6060001 is linked twice');
    expect(problem('6060001:a:,6060002:a:')).toContain('Carsys dealer a is linked to two workshops');
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
