import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../platform/http-client';
import type { RunningSandbox } from '../../platform/sandbox';
import { createVitecClient } from './client';
import { startVitecSandbox, VITEC_SANDBOX_CONNECT, VITEC_SANDBOX_INTAKE, type SandboxOrder } from './sandbox/server';

// A stand-in for Switchboard's order URL: records what Vitec (the sandbox) sent and answers 200.
let intake: Server;
const opened: { url: URL; headers: IncomingHttpHeaders }[] = [];
let sandbox: RunningSandbox;

beforeAll(async () => {
  intake = createServer((req, res) => {
    opened.push({ url: new URL(req.url!, 'http://x'), headers: req.headers });
    res.writeHead(200, { 'content-type': 'text/html' }).end('<p>ok</p>');
  });
  await new Promise<void>((r) => intake.listen(0, '127.0.0.1', r));
  const orderUrl = `http://127.0.0.1:${(intake.address() as AddressInfo).port}/vitec/order`;
  sandbox = await startVitecSandbox({ port: 0, orderUrl, tokenLifetimeS: 60 });
});
afterAll(async () => {
  await sandbox.close();
  await new Promise((r) => intake.close(r));
});

const client = (password = VITEC_SANDBOX_CONNECT.password) =>
  createVitecClient({ http: createHttpClient({ vendor: 'vitec', baseUrl: sandbox.url, timeoutMs: 2000 }), username: VITEC_SANDBOX_CONNECT.username, password });

async function place(customerId: string, authMode: string) {
  const res = await fetch(`${sandbox.url}/__sandbox/place-order`, { method: 'POST', body: JSON.stringify({ customerId, authMode }) });
  expect(res.status).toBe(200);
  return (await res.json()) as { orderId: string; intakeStatus: number };
}
const sandboxOrder = async (id: string) => (await (await fetch(`${sandbox.url}/__sandbox/orders/${id}`)).json()) as SandboxOrder;

describe('Vitec sandbox opens the order URL in each auth mode', () => {
  it('token mode: customerId and token only, no Authorization', async () => {
    const { orderId, intakeStatus } = await place('M123', 'token');
    expect(intakeStatus).toBe(200);
    const last = opened.at(-1)!;
    expect([...last.url.searchParams.keys()].sort()).toEqual(['customerId', 'token']);
    expect(last.headers.authorization).toBeUndefined();
    const ticket = await client().verifyOrderToken('M123', last.url.searchParams.get('token')!);
    expect(ticket).toMatchObject({ OrderId: orderId, CustomerId: 'M123', TenantId: 'T100', ChainId: 'C10', HasExpired: false });
  });

  it('basic mode: order parameters in the URL and the intake credentials in HTTP Basic', async () => {
    const { orderId } = await place('M124', 'basic');
    const last = opened.at(-1)!;
    expect(last.url.searchParams.get('orderId')).toBe(orderId);
    expect(last.url.searchParams.get('estateId')).toMatch(/^OBJ124_/);
    expect(last.url.searchParams.has('chainId')).toBe(false); // M124 belongs to no chain
    const decoded = Buffer.from(last.headers.authorization!.replace(/^Basic /, ''), 'base64').toString();
    expect(decoded).toBe(`${VITEC_SANDBOX_INTAKE.username}:${VITEC_SANDBOX_INTAKE.password}`);
  });

  it('none mode: parameters in the URL, no credentials', async () => {
    const { orderId } = await place('M125', 'none');
    const last = opened.at(-1)!;
    expect(last.url.searchParams.get('orderId')).toBe(orderId);
    expect(last.url.searchParams.get('chainId')).toBe('C20');
    expect(last.headers.authorization).toBeUndefined();
  });
});

describe('Vitec client', () => {
  it('reports statuses, user interaction and delivery, which the sandbox records', async () => {
    const { orderId } = await place('M123', 'none');
    const c = client();
    await c.updateStatus('M123', { id: orderId, status: 'OrderReceived' });
    await c.requestUserInteraction('M123', { id: orderId, url: 'https://partner.example/choose', comment: 'Pick a time' });
    await c.deliver('M123', { id: orderId, url: 'https://partner.example/result.pdf', comment: 'Photos' });
    await c.updateStatus('M123', { id: orderId, status: 'Delivered' });
    const o = await sandboxOrder(orderId);
    expect(o.statuses.map((s) => s.status)).toEqual(['OrderReceived', 'UserInteractionRequired', 'Delivered']);
    expect(o.deliveries[0]!.url).toBe('https://partner.example/result.pdf');
    const rows = await c.listOrders('M123', { Status: 'Delivered' });
    expect(rows.find((r) => r.Id === orderId)).toMatchObject({ Status: 'Delivered', ServiceId: 'switchboard-express' });
    // a closed order refuses further statuses with `false`
    await expect(c.updateStatus('M123', { id: orderId, status: 'Error', description: 'late' })).rejects.toMatchObject({ code: 'UPSTREAM_ERROR' });
  });

  it('sends Error with its description and refuses Error without one before calling', async () => {
    const { orderId } = await place('M125', 'none');
    const before = sandbox.stats().dataRequests;
    await expect(client().updateStatus('M125', { id: orderId, status: 'Error', description: ' ' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(sandbox.stats().dataRequests).toBe(before);
    await client().updateStatus('M125', { id: orderId, status: 'Error', description: 'Photographer unavailable' });
    expect((await sandboxOrder(orderId)).statuses).toMatchObject([{ status: 'Error', description: 'Photographer unavailable' }]);
  });

  it('reads an estate summary', async () => {
    const e = await client().getEstate('M123', 'OBJ123_1001');
    expect(e.Id).toBe('OBJ123_1001');
    expect(e.Address.City).toBeTruthy();
    await expect(client().getEstate('M123', 'nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('maps 401 (bad Basic credentials), 403 (no access to the office) and 500', async () => {
    await expect(client('wrong').getEstate('M123', 'OBJ123_1001')).rejects.toMatchObject({ code: 'UPSTREAM_UNAUTHENTICATED', status: 401 });
    await expect(client().listOrders('M999')).rejects.toMatchObject({ code: 'UPSTREAM_FORBIDDEN', status: 403 });
    sandbox.setFaults({ errorRate: 1 });
    try {
      await expect(client().listOrders('M123')).rejects.toMatchObject({ code: 'UPSTREAM_ERROR', status: 500 });
    } finally {
      sandbox.setFaults({ errorRate: 0 });
    }
    sandbox.setFaults({ malformedRate: 1 });
    try {
      await expect(client().getEstate('M123', 'OBJ123_1001')).rejects.toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
    } finally {
      sandbox.setFaults({ malformedRate: 0 });
    }
  });

  it('verifies an expired token as HasExpired and refuses another office’s token', async () => {
    await place('M123', 'token');
    const token = opened.at(-1)!.url.searchParams.get('token')!;
    await expect(client().verifyOrderToken('M124', token)).rejects.toMatchObject({ code: 'UPSTREAM_FORBIDDEN' });
    await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'POST', body: JSON.stringify({ expireTokens: true }) });
    expect((await client().verifyOrderToken('M123', token)).HasExpired).toBe(true);
    expect(sandbox.stats().tokenRequests).toBeGreaterThanOrEqual(3);
  });
});
