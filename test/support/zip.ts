import { crc32, deflateRawSync } from 'node:zlib';

/**
 * A real ZIP archive (stored entries, no compression) for upload tests: local headers, central directory,
 * end record — what `unzip` and MMP would read. Built by hand so tests need no archiver dependency.
 */
export function buildZip(files: { name: string; content: string | Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const name = Buffer.from(f.name, 'utf8');
    const data = Buffer.isBuffer(f.content) ? f.content : Buffer.from(f.content, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** A GraphQL multipart request (spec: operations, map, then one part per file), as apollo-upload-client sends it. */
export async function postMultipart(url: string, query: string, variables: Record<string, unknown>, files: Record<string, { content: Buffer; name: string }>, headers: Record<string, string> = {}) {
  const form = new FormData();
  const map: Record<string, string[]> = {};
  const vars = { ...variables };
  Object.keys(files).forEach((v, i) => {
    map[String(i)] = [`variables.${v}`];
    vars[v] = null;
  });
  form.append('operations', JSON.stringify({ query, variables: vars }));
  form.append('map', JSON.stringify(map));
  Object.values(files).forEach((f, i) => form.append(String(i), new Blob([new Uint8Array(f.content)], { type: 'application/zip' }), f.name));
  const res = await fetch(url, { method: 'POST', body: form, headers: { 'apollo-require-preflight': 'true', ...headers } });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as { data?: any; errors?: { message: string; extensions?: Record<string, any> }[] } };
  } catch {
    throw new Error(`non-JSON answer ${res.status}: ${text.slice(0, 200)}`);
  }
}

/**
 * A ZIP bomb for upload tests: one deflated entry of `uncompressedBytes` zeros (a few KB on the wire),
 * optionally declaring a larger uncompressed size in its headers than the data holds.
 */
export function buildZipBomb(uncompressedBytes: number, declaredBytes = uncompressedBytes): Buffer {
  const zip = Buffer.from(buildZip([{ name: 'clients.csv', content: Buffer.alloc(0) }]));
  const data = deflateRawSync(Buffer.alloc(uncompressedBytes), { level: 9 });
  const name = Buffer.from('clients.csv');
  const local = Buffer.from(zip.subarray(0, 30));
  local.writeUInt16LE(8, 8); // deflate
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(declaredBytes >>> 0, 22);
  const central = Buffer.from(zip.subarray(30 + name.length, 30 + name.length + 46));
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(declaredBytes >>> 0, 24);
  const cd = Buffer.concat([central, name]);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(30 + name.length + data.length, 16);
  return Buffer.concat([local, name, data, cd, end]);
}
