import { describe, expect, it } from 'vitest';
import { signCallerIdentity, verifyCallerIdentity } from './caller-identity';

const secret = 'a-test-signing-secret-of-some-length';
const partner = { kind: 'partner' as const, id: 'acme', customers: ['M123', 'M124'], roles: [] };

describe('caller identity header', () => {
  it('round-trips an identity signed with the shared secret', () => {
    expect(verifyCallerIdentity(signCallerIdentity(partner, secret), secret)).toEqual({ identity: partner });
  });
  it('carries scopes and resource grants, signed like the rest', () => {
    const scoped = { ...partner, scopes: ['personal:read', 'capacity:write'], grants: { workshops: ['6060001'], dealers: ['d1'] } };
    expect(verifyCallerIdentity(signCallerIdentity(scoped, secret), secret)).toEqual({ identity: scoped });
    const [payload, sig] = signCallerIdentity(scoped, secret).split('.');
    const widened = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), grants: { workshops: ['*'] } })).toString('base64url');
    expect(verifyCallerIdentity(`${widened}.${sig}`, secret)).toEqual({ failure: 'bad-signature' });
  });
  it('refuses another secret, a tampered payload, an expired header and garbage', () => {
    const signed = signCallerIdentity(partner, secret);
    expect(verifyCallerIdentity(signed, 'another-secret-another-secret')).toEqual({ failure: 'bad-signature' });
    const [payload, sig] = signed.split('.');
    const widened = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), customers: ['M200'] })).toString('base64url');
    expect(verifyCallerIdentity(`${widened}.${sig}`, secret)).toEqual({ failure: 'bad-signature' });
    const old = signCallerIdentity(partner, secret, { ttlS: 60, now: Date.now() - 120_000 });
    expect(verifyCallerIdentity(old, secret)).toEqual({ failure: 'expired' });
    expect(verifyCallerIdentity('nodot', secret)).toEqual({ failure: 'malformed' });
    expect(verifyCallerIdentity(undefined, secret)).toBeUndefined();
  });
});
