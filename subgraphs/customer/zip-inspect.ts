import { badInput } from '../../platform/errors';

/**
 * Checks an upload is a plausible ZIP without unpacking it: size, the local-file-header signature
 * `PK\x03\x04` at offset 0, and the entry count read from the central directory (End Of Central Directory
 * record, then every central header walked so a lying count is caught). Nothing is decompressed, so a
 * ZIP bomb costs nothing here. ZIP64 archives (over 65 535 entries or 4 GiB) are refused: far beyond the
 * limits anyway.
 */
export interface ZipLimits {
  maxBytes: number;
  maxEntries: number;
  /** largest total uncompressed size the central directory may declare (a ZIP bomb's tell) */
  maxUncompressedBytes?: number;
  /** largest uncompressed/compressed ratio of any one entry */
  maxRatio?: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

// Kept hand-written rather than yauzl: the walk below is synchronous, reads only the central directory
// (never a local header or compressed data) and already existed with its tests; yauzl would add an
// asynchronous API and a dependency for the two size fields this check needs.
export function inspectZip(buf: Uint8Array, limits: ZipLimits): { entries: number; bytes: number; uncompressedBytes: number } {
  const arg = { argument: 'file' };
  if (buf.length === 0) throw badInput('the file is empty', arg);
  if (buf.length > limits.maxBytes) throw badInput(`the file is ${buf.length} bytes; at most ${limits.maxBytes} bytes are accepted`, arg);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 22 || view.getUint32(0, true) !== LOCAL) throw badInput('the file is not a ZIP archive (it does not start with PK\\x03\\x04)', arg);

  // The EOCD record is 22 bytes plus a comment of up to 65 535 bytes, at the very end.
  let eocd = -1;
  for (let p = buf.length - 22; p >= Math.max(0, buf.length - 22 - 0xffff); p--) {
    if (view.getUint32(p, true) === EOCD && p + 22 + view.getUint16(p + 20, true) === buf.length) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) throw badInput('the ZIP archive has no end-of-central-directory record (truncated or not a ZIP)', arg);
  const total = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  if (total === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff) throw badInput('ZIP64 archives are not accepted', arg);
  if (total === 0) throw badInput('the ZIP archive is empty', arg);
  if (total > limits.maxEntries) throw badInput(`the ZIP archive holds ${total} files; at most ${limits.maxEntries} are accepted`, arg);
  if (cdOffset + cdSize > eocd) throw badInput('the ZIP central directory lies outside the file (corrupt archive)', arg);

  let p = cdOffset;
  let seen = 0;
  let uncompressed = 0;
  const maxUncompressed = limits.maxUncompressedBytes ?? Infinity;
  const maxRatio = limits.maxRatio ?? Infinity;
  while (seen < total) {
    if (p + 46 > cdOffset + cdSize || view.getUint32(p, true) !== CENTRAL) throw badInput(`the ZIP central directory is corrupt at entry ${seen + 1}`, arg);
    const compressedSize = view.getUint32(p + 20, true);
    const uncompressedSize = view.getUint32(p + 24, true);
    if (compressedSize === 0xffffffff || uncompressedSize === 0xffffffff) throw badInput('ZIP64 archives are not accepted', arg);
    uncompressed += uncompressedSize;
    if (uncompressed > maxUncompressed) {
      throw badInput(`the ZIP archive declares more than ${maxUncompressed} bytes once unpacked; split it into smaller archives`, { ...arg, maxUncompressedBytes: maxUncompressed });
    }
    if (uncompressedSize / Math.max(compressedSize, 1) > maxRatio) {
      throw badInput(`an entry of the ZIP archive expands more than ${maxRatio} times; such archives are not accepted`, { ...arg, maxRatio });
    }
    p += 46 + view.getUint16(p + 28, true) + view.getUint16(p + 30, true) + view.getUint16(p + 32, true);
    seen++;
  }
  if (p !== cdOffset + cdSize) throw badInput('the ZIP central directory holds more entries than its end record says', arg);
  return { entries: total, bytes: buf.length, uncompressedBytes: uncompressed };
}
