import { describe, expect, it } from 'vitest';
import { buildZip, buildZipBomb } from '../../test/support/zip';
import { inspectZip } from './zip-inspect';

const limits = { maxBytes: 10_000, maxEntries: 3 };
const bad = (buf: Buffer, l = limits) => {
  try {
    inspectZip(buf, l);
  } catch (e) {
    return { code: (e as { code?: string }).code, message: (e as Error).message };
  }
  throw new Error('accepted');
};

describe('inspectZip', () => {
  it('counts the entries of a real archive from its central directory, with or without a comment', () => {
    const zip = buildZip([{ name: 'a.csv', content: 'x' }, { name: 'b.csv', content: 'yy' }]);
    expect(inspectZip(zip, limits)).toEqual({ entries: 2, bytes: zip.length, uncompressedBytes: 3 });
    const commented = Buffer.concat([zip.subarray(0, zip.length - 2), Buffer.from([5, 0]), Buffer.from('hello')]);
    expect(inspectZip(commented, limits).entries).toBe(2);
  });

  it('refuses empty, oversized, non-ZIP, truncated, over-full and lying archives with BAD_USER_INPUT', () => {
    expect(bad(Buffer.alloc(0)).message).toMatch(/empty/);
    expect(bad(buildZip([{ name: 'a', content: Buffer.alloc(20_000) }])).message).toMatch(/at most 10000 bytes/);
    expect(bad(Buffer.from('%PDF-1.7 this is not a zip file at all')).message).toMatch(/not a ZIP/);
    const zip = buildZip([{ name: 'a.csv', content: 'x' }]);
    expect(bad(zip.subarray(0, zip.length - 5)).message).toMatch(/end-of-central-directory/);
    expect(bad(buildZip(Array.from({ length: 4 }, (_, i) => ({ name: `${i}`, content: 'x' })))).message).toMatch(/4 files; at most 3/);
    expect(bad(buildZip([])).message).toMatch(/not a ZIP|empty/);
    const lying = Buffer.from(buildZip([{ name: 'a', content: 'x' }, { name: 'b', content: 'y' }]));
    lying.writeUInt16LE(1, lying.length - 22 + 10); // end record claims 1 entry, directory holds 2
    expect(bad(lying).message).toMatch(/more entries/);
    expect(bad(Buffer.from('not a zip')).code).toBe('BAD_USER_INPUT');
  });
});

describe('inspectZip against ZIP bombs (central directory only, nothing unpacked)', () => {
  const bombLimits = { maxBytes: 10_000_000, maxEntries: 3, maxUncompressedBytes: 200 * 1024 * 1024, maxRatio: 100 };
  it('refuses an archive declaring more than the uncompressed limit', () => {
    const zip = buildZipBomb(1024, 0xfffffff0); // a few bytes that claim ~4 GiB
    expect(zip.length).toBeLessThan(1_000);
    expect(bad(zip, bombLimits)).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/more than 209715200 bytes once unpacked/) });
  });
  it('refuses an entry whose compression ratio is excessive', () => {
    const zip = buildZipBomb(20 * 1024 * 1024); // 20 MiB of zeros in ~20 KB
    expect(bad(zip, bombLimits)).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/expands more than 100 times/) });
  });
  it('accepts an ordinary archive under both limits', () => {
    const zip = buildZip([{ name: 'a.csv', content: 'x'.repeat(500) }]);
    expect(inspectZip(zip, bombLimits)).toMatchObject({ entries: 1, uncompressedBytes: 500 });
  });
});
