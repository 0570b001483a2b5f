import { describe, expect, it } from 'vitest';
import { clientAddress } from './client-address';

const h = (xff?: string) => new Headers(xff ? { 'x-forwarded-for': xff } : {});

describe('clientAddress', () => {
  it('is the socket address without trusted proxies, whatever X-Forwarded-For claims', () => {
    expect(clientAddress(h('6.6.6.6'), '10.0.0.9', 0)).toBe('10.0.0.9');
  });
  it('behind one proxy, is the entry that proxy appended, not what the client wrote before it', () => {
    expect(clientAddress(h('6.6.6.6, 203.0.113.7'), '10.0.0.2', 1)).toBe('203.0.113.7');
    expect(clientAddress(h('203.0.113.7'), '10.0.0.2', 1)).toBe('203.0.113.7');
  });
  it('falls back to the socket when the header is shorter than the hops', () => {
    expect(clientAddress(h(), '10.0.0.2', 1)).toBe('10.0.0.2');
  });
});
