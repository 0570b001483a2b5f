import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEV_PARTNER, sandboxReset, sandboxStats } from './support/graphql';
import { startStack, type Stack } from './support/stack';
import { buildZip, buildZipBomb, postMultipart } from './support/zip';

/**
 * Uploads bounded at the gateway (body, file size, file count, uploads at once) and ZIP bombs refused by
 * the Customer subgraph from the central directory: every refusal is a coded error and MMP never hears of it.
 */
const MAX_FILE = 512 * 1024;
const MAX_BODY = 1024 * 1024;
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    sandboxes: ['mmp'],
    subgraphs: ['customer'],
    gateway: true,
    env: {
      GATEWAY_MAX_UPLOAD_BYTES: String(MAX_FILE),
      GATEWAY_MAX_UPLOAD_BODY_BYTES: String(MAX_BODY),
      GATEWAY_MAX_UPLOAD_FILES: '1',
      GATEWAY_MAX_CONCURRENT_UPLOADS: '1',
      CUSTOMER_IMPORT_MAX_BYTES: String(MAX_BODY),
      CUSTOMER_IMPORT_MAX_UNCOMPRESSED_BYTES: String(50 * 1024 * 1024),
      CUSTOMER_IMPORT_MAX_RATIO: '100',
    },
  });
});
afterAll(() => stack?.stop());
beforeEach(() => sandboxReset(stack.sandboxUrl('mmp')));

const IMPORT = 'mutation ($org: String!, $file: Upload!) { importMmpClientsAndInvoices(organizationId: $org, file: $file) { success entries } }';
const TWO = 'mutation ($org: String!, $file: Upload!, $other: Upload!) { a: importMmpClientsAndInvoices(organizationId: $org, file: $file) { success } b: importMmpClientsAndInvoices(organizationId: $org, file: $other) { success } }';
const mmpCalls = async () => {
  const s = await sandboxStats(stack.sandboxUrl('mmp'));
  return s.dataRequests + s.tokenRequests;
};
const upload = (content: Buffer, query = IMPORT, more: Record<string, { content: Buffer; name: string }> = {}) =>
  postMultipart(stack.gatewayUrl, query, { org: '57525' }, { file: { content, name: 'clients-factures.zip' }, ...more }, DEV_PARTNER);

describe('uploads through the gateway', () => {
  it('a ZIP bomb declaring ~4 GiB in a few hundred bytes is BAD_USER_INPUT, with no MMP call', async () => {
    const bomb = buildZipBomb(4096, 0xfffffff0);
    const res = await upload(bomb);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors?.[0]?.message).toMatch(/once unpacked/);
    expect(await mmpCalls()).toBe(0);
  });

  it('a ZIP whose entry expands 1000× is BAD_USER_INPUT, with no MMP call', async () => {
    const res = await upload(buildZipBomb(20 * 1024 * 1024));
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors?.[0]?.message).toMatch(/expands more than 100 times/);
    expect(await mmpCalls()).toBe(0);
  });

  it('an upload over the body limit is refused with 413 before it is read; a file over the file limit with BAD_USER_INPUT', async () => {
    const huge = buildZip([{ name: 'big.bin', content: Buffer.alloc(MAX_BODY + 1024, 1) }]);
    const res = await upload(huge);
    expect(res.status).toBe(413);
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', maxBytes: MAX_BODY, requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const big = buildZip([{ name: 'big.bin', content: Buffer.alloc(MAX_FILE + 1024, 1) }]);
    const file = await upload(big);
    expect(file.status).toBe(413);
    expect(file.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', maxFileBytes: MAX_FILE });
    expect(await mmpCalls()).toBe(0);
  });

  it('more files than allowed in one request are refused', async () => {
    const zip = buildZip([{ name: 'a.csv', content: 'x' }]);
    const res = await upload(zip, TWO, { other: { content: zip, name: 'b.zip' } });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', maxFiles: 1 });
    expect(await mmpCalls()).toBe(0);
  });

  it('one upload at a time (configured): a second one meanwhile gets 503 + Retry-After; the slot is freed after', async () => {
    // a client that declares 100 KB and sends 10 bytes, holding the only upload slot
    const url = new URL(stack.gatewayUrl);
    const slow = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x', 'content-length': '100000', 'x-api-key': DEV_PARTNER['x-api-key'] } });
    slow.on('error', () => undefined);
    slow.write('--x\r\nhello');
    await new Promise((r) => setTimeout(r, 300));
    const zip = buildZip([{ name: 'a.csv', content: 'x' }]);
    const busy = await upload(zip);
    expect(busy.status).toBe(503);
    expect(busy.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    slow.destroy();
    let after = busy;
    for (let i = 0; i < 20 && after.status === 503; i++) {
      await new Promise((r) => setTimeout(r, 200));
      after = await upload(zip);
    }
    expect(after.status).toBe(200);
    expect(after.body.data?.importMmpClientsAndInvoices?.success).toBe(true);
  });
});
