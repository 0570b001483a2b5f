import { once } from 'node:events';
import { request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEV_PARTNER_KEY } from '../platform/config/auth';
import { DEV_PARTNER, gql, sandboxFaults } from './support/graphql';
import { startStack, type Stack } from './support/stack';

/**
 * Graceful drain over the wire (platform/drain.ts): the gateway and the Order subgraph as real processes,
 * each sent SIGTERM with a slow request in flight and live subscriptions open. During the drain `/readyz`
 * is 503 on a new connection; after SHUTDOWN_DELAY_MS new connections are refused; the request in flight
 * completes; subscriptions end with EVENTS_INTERRUPTED naming the last event received, WebSockets close
 * with 1012, SSE streams end; the process exits 0. A job running at SIGTERM finishes within the grace.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Payload = { data?: { orderStatusChanged?: { eventId: string; status: string; orderId: string } } | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
const SUBSCRIPTION = 'subscription($after: ID) { orderStatusChanged(afterEventId: $after) { eventId status orderId } }';

/** GET on a fresh connection (no pool): the status, or the connection error's code (ECONNREFUSED). */
function probe(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end();
  });
}

const clients: Client[] = [];

/** A graphql-ws subscriber that keeps its socket (lazy: false) so the server's close code is seen. */
function subscriber(url: string, afterEventId?: string) {
  const payloads: Payload[] = [];
  let closeCode: number | undefined;
  const closed = new Promise<number>((resolve) => {
    const client: Client = createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { 'x-api-key': DEV_PARTNER_KEY },
      lazy: false,
      retryAttempts: 0,
      onNonLazyError: () => undefined, // the close is what the test looks at
      on: {
        closed: (e) => {
          closeCode = (e as { code: number }).code;
          resolve(closeCode);
        },
      },
    });
    clients.push(client);
    const stream = client.iterate({ query: SUBSCRIPTION, variables: afterEventId ? { after: afterEventId } : {} });
    void (async () => {
      for await (const r of stream) payloads.push(r as Payload);
    })().catch((err) => payloads.push({ errors: [{ message: String(err) }] }));
  });
  return { payloads, closed, get closeCode() { return closeCode; } };
}

/** An SSE subscriber (what GraphiQL uses): every `next` payload, and whether the stream ended. */
function sseSubscriber(url: string) {
  const payloads: Payload[] = [];
  let ended = false;
  const done = (async () => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...DEV_PARTNER }, body: JSON.stringify({ query: SUBSCRIPTION }) });
    let buf = '';
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
        if (/^event: *next/m.test(block) && data) payloads.push(JSON.parse(data) as Payload);
      }
    }
    ended = true;
  })();
  return { payloads, done, get ended() { return ended; } };
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 10_000) {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(50);
  }
}

describe('graceful drain on SIGTERM', () => {
  let stack: Stack;
  const service = (name: string) => stack.services.find((s) => s.name === name)!;
  const place = async () => {
    const res = await fetch(`${stack.sandboxUrl('vitec')}/__sandbox/place-order`, { method: 'POST', body: JSON.stringify({ customerId: 'M125', authMode: 'none' }) });
    const body = (await res.json()) as { orderId: string; intakeStatus: number };
    expect(body.intakeStatus).toBe(200);
    return body;
  };

  beforeAll(async () => {
    stack = await startStack({
      sandboxes: ['mmp', 'vitec'],
      subgraphs: ['vehicle', 'order'],
      gateway: true,
      env: {
        SHUTDOWN_DELAY_MS: '1000',
        SHUTDOWN_GRACE_MS: '8000',
        ORDER_EVENTS_CHANNEL: `test:order-events:${randomUUID()}`,
        ORDER_JOB_POLL_MS: '200',
        UPSTREAM_RETRIES: '0',
      },
    });
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await stack?.stop();
  });

  it('the gateway: readyz 503, in-flight request completes, subscriptions end with a resume point, WS 1012, SSE ends, new connections refused, exit 0', async () => {
    const gateway = stack.gatewayUrl;
    const ready = gateway.replace('/graphql', '/readyz');
    expect(await probe(ready)).toBe(200);
    const ws = subscriber(gateway);
    const sse = sseSubscriber(gateway);
    await sleep(700); // both subscriptions registered with the Order subgraph
    await place();
    await until('both subscribers got the first event', () => ws.payloads.length >= 1 && sse.payloads.length >= 1);
    const lastIdOf = (ps: Payload[]) => ps.filter((p) => p.data).at(-1)!.data!.orderStatusChanged!.eventId;

    await sandboxFaults(stack.sandboxUrl('mmp'), { latencyMs: 3000 });
    const startedAt = Date.now();
    const slow = gql<{ vehicle: { information: { vin: string } | null } }>(gateway, '{ vehicle(plate: "ABC123") { plate information { vin } } }');
    await sleep(300); // the request is waiting on MMP
    const exited = once(service('gateway').child, 'exit') as Promise<[number | null, string | null]>;
    service('gateway').child.kill('SIGTERM');
    await sleep(150);
    expect(await probe(ready)).toBe(503); // not ready at once, still listening during SHUTDOWN_DELAY_MS

    expect(await ws.closed).toBe(1012);
    const wsLast = ws.payloads.at(-1)!;
    expect(wsLast.errors?.[0]?.extensions, JSON.stringify(ws.payloads)).toMatchObject({ code: 'EVENTS_INTERRUPTED', resumeAfterEventId: lastIdOf(ws.payloads) });
    await sse.done;
    expect(sse.ended).toBe(true);
    expect(sse.payloads.at(-1)!.errors?.[0]?.extensions).toMatchObject({ code: 'EVENTS_INTERRUPTED', resumeAfterEventId: lastIdOf(sse.payloads) });

    await until('port closed', async () => (await probe(ready)) === 'ECONNREFUSED', 3_000);
    expect(Date.now() - startedAt).toBeLessThan(3000); // refused while the slow request still runs

    const result = await slow;
    expect(result.errors).toBeUndefined();
    expect(result.data!.vehicle.information!.vin).toBeTruthy();
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(3000);
    const [code] = await exited;
    expect(code).toBe(0);

    await sandboxFaults(stack.sandboxUrl('mmp'), { latencyMs: 0 });
    await stack.restart('gateway');
  }, 40_000);

  it('the Order subgraph: readyz 503, a running job finishes, a subscriber through the gateway resumes without a gap, WS 1012, exit 0', async () => {
    const order = stack.subgraphUrl('order');
    const ready = order.replace('/graphql', '/readyz');
    const direct = subscriber(order); // a client of the subgraph's own graphql-ws (the gateway is one)
    const viaGateway = subscriber(stack.gatewayUrl);
    await sleep(700);
    await place();
    await until('first event', () => viaGateway.payloads.length >= 1);
    expect(viaGateway.payloads[0]!.data, JSON.stringify(viaGateway.payloads)).toBeTruthy();

    // a job that waits on a slow Vitec is running when SIGTERM arrives (the sandbox's own answer to
    // place-order is slow too: the intake happens at its end, then processing starts)
    await sandboxFaults(stack.sandboxUrl('vitec'), { latencyMs: 1500 });
    const { orderId } = await place();
    await sleep(400);
    const exited = once(service('order').child, 'exit') as Promise<[number | null, string | null]>;
    service('order').child.kill('SIGTERM');
    await sleep(150);
    expect(await probe(ready)).toBe(503);

    expect(await direct.closed).toBe(1012);
    await until('the gateway subscriber got its last payload', () => Boolean(viaGateway.payloads.at(-1)?.errors));
    const interrupted = viaGateway.payloads.at(-1)!.errors![0]!.extensions!;
    const lastSeen = viaGateway.payloads.filter((p) => p.data).at(-1)!.data!.orderStatusChanged!.eventId;
    expect(interrupted).toMatchObject({ code: 'EVENTS_INTERRUPTED', resumeAfterEventId: lastSeen });
    await until('port closed', async () => (await probe(ready)) === 'ECONNREFUSED', 3_000);
    const [code] = await exited;
    expect(code).toBe(0);

    // The job ran to its end before the exit: Vitec got the status update exactly once, and after a restart
    // the order is final without the job running again.
    await sandboxFaults(stack.sandboxUrl('vitec'), { latencyMs: 0 });
    const sandboxOrder = async () => (await (await fetch(`${stack.sandboxUrl('vitec')}/__sandbox/orders/${orderId}`)).json()) as { statuses: { status: string }[] };
    expect((await sandboxOrder()).statuses.map((s) => s.status)).toEqual(['OrderReceived']);
    await stack.restart('order');

    // The subscriber resumes with the event id it was given: what it got before and after together are
    // every event there is (a full replay from the start says which), each once.
    const idsOf = (ps: Payload[]) => ps.filter((p) => p.data).map((p) => Number(p.data!.orderStatusChanged!.eventId));
    const resumed = subscriber(stack.gatewayUrl, String(interrupted.resumeAfterEventId));
    const all = subscriber(stack.gatewayUrl, '0');
    await until('the second order is final in the full replay', () => all.payloads.some((p) => p.data?.orderStatusChanged?.orderId && p.data.orderStatusChanged.status !== all.payloads.find((q) => q.data?.orderStatusChanged?.orderId === p.data!.orderStatusChanged!.orderId)!.data!.orderStatusChanged!.status && idsOf(all.payloads).length >= 3));
    await sleep(500);
    const received = [...idsOf(viaGateway.payloads), ...idsOf(resumed.payloads)];
    expect(new Set(received).size).toBe(received.length);
    const since = Math.min(...idsOf(viaGateway.payloads)); // the full replay also has the first test's events
    expect(received.sort((a, b) => a - b)).toEqual(idsOf(all.payloads).filter((id) => id >= since).sort((a, b) => a - b));
    expect(idsOf(resumed.payloads).length).toBeGreaterThan(0);
    expect((await sandboxOrder()).statuses.map((s) => s.status)).toEqual(['OrderReceived']);
  }, 40_000);
});
