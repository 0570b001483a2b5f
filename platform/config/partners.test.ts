import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scopesOf } from '../access';
import { ConfigError, envSections, loadConfig } from './index';
import { DEV_PARTNER_KEY_HASH } from './auth';
import { developmentDefaults, productionReasons, productionRefusal } from './production';

const sha = (k: string) => createHash('sha256').update(k).digest('hex');

describe('PARTNER_KEYS', () => {
  it('unset: the development partner, with every scope and the sandbox resources only', () => {
    const [dev, ...rest] = loadConfig({}).PARTNER_KEYS;
    expect(rest).toEqual([]);
    expect(dev).toMatchObject({ partnerId: 'dev-partner', keyHash: DEV_PARTNER_KEY_HASH, customers: ['M123', 'M124', 'M125'], roles: ['admin'] });
    expect(dev!.scopes).toEqual(expect.arrayContaining(['personal:read', 'personal-private:read', 'capacity:write', 'coverage:reserve', 'orders:read', 'admin']));
    expect(dev!.grants.workshops).toContain('121212');
    expect(dev!.grants.workshops).not.toContain('*');
    expect(dev!.grants.dealers).toEqual(['sandbox-dealer']);
  });

  it('keeps the original partnerId:hash:offices[:roles] form, holding order scopes only', () => {
    const keys = loadConfig({ PARTNER_KEYS: `acme:${sha('a')}:M200,ops:${sha('b')}:M123|M124:admin` }).PARTNER_KEYS;
    expect(keys).toEqual([
      { partnerId: 'acme', keyHash: sha('a'), customers: ['M200'], roles: [], scopes: ['orders:read', 'orders:write'], grants: { workshops: [], mmpOrganisations: [], mmpPointsOfSale: [], dealers: [] } },
      { partnerId: 'ops', keyHash: sha('b'), customers: ['M123', 'M124'], roles: ['admin'], scopes: ['orders:read', 'orders:write'], grants: { workshops: [], mmpOrganisations: [], mmpPointsOfSale: [], dealers: [] } },
    ]);
    const ops = keys[1]!;
    expect([...scopesOf({ kind: 'partner', id: ops.partnerId, customers: ops.customers, roles: ops.roles, scopes: ops.scopes })].sort()).toEqual(['admin', 'orders:read', 'orders:write']);
  });

  it('reads the JSON form inline or from @file, and reports every bad entry', () => {
    const json = JSON.stringify([{ id: 'garage', keySha256: sha('g'), scopes: ['capacity:write'], grants: { workshops: ['6060001'] } }]);
    const inline = loadConfig({ PARTNER_KEYS: json }).PARTNER_KEYS;
    expect(inline).toEqual([{ partnerId: 'garage', keyHash: sha('g'), customers: [], roles: [], scopes: ['capacity:write'], grants: { workshops: ['6060001'], mmpOrganisations: [], mmpPointsOfSale: [], dealers: [] } }]);
    const dir = mkdtempSync(join(tmpdir(), 'partners-'));
    writeFileSync(join(dir, 'p.json'), json);
    expect(loadConfig({ PARTNER_KEYS: `@${join(dir, 'p.json')}` }).PARTNER_KEYS).toEqual(inline);
    expect(() => loadConfig({ PARTNER_KEYS: `@${join(dir, 'missing.json')}` })).toThrow(/cannot read partners file/);
    try {
      loadConfig({ PARTNER_KEYS: JSON.stringify([{ id: 'x', keySha256: 'nothex', grants: { planets: ['mars'] } }]) });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const text = (err as ConfigError).problems.join('\n');
      expect(text).toMatch(/keySha256/);
      expect(text).toMatch(/planets/);
      expect(text).not.toMatch(/nothex/); // PARTNER_KEYS is secret: its value is never echoed
    }
  });
});

describe('production mode', () => {
  const prod = {
    SWITCHBOARD_ENV: 'production',
    PARTNER_KEYS: `acme:${sha('a')}:M200`,
    GATEWAY_SIGNING_SECRET: 'a-production-signing-secret',
    CARSYS_DEALER_SECRETS: 'd1:a-production-dealer-secret',
    VITEC_PASSWORD: 'p1',
    VITEC_INTAKE_PASSWORD: 'p2',
    MMP_CLIENT_SECRET: 'p3',
    MMP_PASSWORD: 'p4',
    CUSTOMERCONNECT_CLIENT_SECRET: 'p5',
    CUSTOMERCONNECT_READER_CLIENT_SECRET: 'p6',
    OZMAP_API_KEY: 'production-ozmap-key',
  };
  const refusal = (env: Record<string, string | undefined>) => productionRefusal(loadConfig(env) as unknown as Record<string, unknown>, envSections);

  it('development with defaults starts; production with production values starts', () => {
    expect(refusal({})).toBeUndefined();
    expect(refusal(prod)).toBeUndefined();
  });

  it('is implied by a vendor origin that is not a local sandbox, not by one that is', () => {
    expect(productionReasons(loadConfig({ MMP_BASE_URL: 'http://127.0.0.1:4101' }) as never)).toEqual([]);
    expect(productionReasons(loadConfig({ MMP_BASE_URL: 'http://localhost:4101' }) as never)).toEqual([]);
    expect(productionReasons(loadConfig({ OZMAP_BASE_URL: 'https://cliente.ozmap.com.br:9994' }) as never)).toEqual(['OZMAP_BASE_URL is not a local sandbox']);
  });

  it('names every development default at once, and only those', () => {
    const defaults = developmentDefaults(loadConfig({ SWITCHBOARD_ENV: 'production' }) as never, envSections).map((l) => l.split(':')[0]);
    expect(defaults.sort()).toEqual(
      ['CARSYS_DEALER_SECRETS', 'CUSTOMERCONNECT_CLIENT_SECRET', 'CUSTOMERCONNECT_READER_CLIENT_SECRET', 'GATEWAY_SIGNING_SECRET', 'MMP_CLIENT_SECRET', 'MMP_PASSWORD', 'OZMAP_API_KEY', 'PARTNER_KEYS', 'VITEC_INTAKE_PASSWORD', 'VITEC_PASSWORD'].sort(),
    );
    expect(refusal({ ...prod, VITEC_PASSWORD: undefined })).toMatch(/^refusing to start in production mode \(SWITCHBOARD_ENV=production\)[^]*- VITEC_PASSWORD: still the development default/);
    expect(refusal({ ...prod, VITEC_PASSWORD: 'sandbox-connect-password' })).toMatch(/VITEC_PASSWORD/);
    // an OZmap login replaces the API key: its default is then not in force
    expect(refusal({ ...prod, OZMAP_API_KEY: undefined, OZMAP_LOGIN: 'integration', OZMAP_PASSWORD: 'x' })).toBeUndefined();
    expect(refusal({ ...prod, OZMAP_API_KEY: undefined })).toMatch(/OZMAP_API_KEY/);
  });
});
