import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { basicOf, route, startSandbox, type Faults, type RunningSandbox, type SandboxRequest, type SandboxResponse } from '../../../platform/sandbox';
import type { VitecDelivery, VitecOrderEntry, VitecOrderStatus, VitecOrderTicket, VitecStatusUpdate, VitecUserInteraction } from '../types';
import { buildCustomers, type SandboxCustomer } from './data';

/**
 * The Vitec Express Connect sandbox, playing Vitec's side of seed 001:
 * - Connect endpoints with HTTP Basic on every call (401 bad header, 403 no access to that office, 500
 *   unexpected, body `{Message}`): token verification, order listing, user interaction (known), status
 *   update and delivery (ours, see vendors/vitec/README.md), estate summary.
 * - `POST /__sandbox/place-order {customerId, authMode}` creates an order and opens Switchboard's order URL
 *   the way Vitec does in that auth mode; `POST /__sandbox/reopen-order {orderId}` opens the same URL again.
 * - `GET /__sandbox/orders[/:orderId]` shows what Vitec recorded: statuses received, interactions,
 *   deliveries, and a timeline (intake answered vs. Connect calls) for ack-before-processing checks.
 */
export type VitecAuthMode = 'token' | 'basic' | 'none';

export interface VitecSandboxOptions {
  port: number;
  host?: string;
  faults?: Partial<Faults>;
  /** Switchboard's order URL, opened on place-order */
  orderUrl: string;
  /** our Connect account (HTTP Basic on Connect calls) */
  connect?: { username: string; password: string };
  /** the credentials Vitec sends when opening the order URL in basic mode */
  intake?: { username: string; password: string };
  /** lifetime of an order token; an older token verifies with HasExpired: true */
  tokenLifetimeS?: number;
  seed?: number;
}

export const VITEC_SANDBOX_CONNECT = { username: 'switchboard', password: 'sandbox-connect-password' };
export const VITEC_SANDBOX_INTAKE = { username: 'vitec', password: 'sandbox-intake-password' };
export const VITEC_SERVICE_ID = 'switchboard-express';

interface TimelineEntry {
  at: number;
  what: string;
}

export interface SandboxOrder {
  ticket: VitecOrderTicket;
  currentUserId: string;
  authMode: VitecAuthMode;
  url: string;
  createdAt: string;
  lastUpdatedAt: string;
  status: VitecOrderStatus;
  statuses: { status: VitecOrderStatus; description?: string; at: string }[];
  interactions: (VitecUserInteraction & { at: string })[];
  deliveries: (VitecDelivery & { at: string })[];
  intakeAnswers: { status: number; body: string; ms: number }[];
  timeline: TimelineEntry[];
}

const err = (status: number, Message: string): SandboxResponse => ({ status, body: { Message } });
const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export async function startVitecSandbox(opts: VitecSandboxOptions): Promise<RunningSandbox> {
  const connect = opts.connect ?? VITEC_SANDBOX_CONNECT;
  const intake = opts.intake ?? VITEC_SANDBOX_INTAKE;
  const lifetimeMs = (opts.tokenLifetimeS ?? 900) * 1000;
  const customers = buildCustomers(opts.seed ?? 1);
  const orders = new Map<string, SandboxOrder>();
  const tokens = new Map<string, { orderId: string; customerId: string; expiresAt: number }>();
  const placed = new Map<string, number>();

  const note = (o: SandboxOrder | undefined, what: string) => o?.timeline.push({ at: Date.now(), what });

  /** Basic auth on every Connect call, then access to the office in the path. */
  const guard = (req: SandboxRequest): { customer: SandboxCustomer } | { denied: SandboxResponse } => {
    const basic = basicOf(req.headers.authorization);
    if (!basic || !same(basic.user, connect.username) || !same(basic.pass, connect.password)) {
      return { denied: err(401, 'Authorization has been denied for this request.') };
    }
    const customer = customers.get(req.params.customerId ?? '');
    if (!customer || !customer.partnerHasAccess) return { denied: err(403, `No access to customer ${req.params.customerId}.`) };
    return { customer };
  };

  const orderOf = (customer: SandboxCustomer, id: unknown): SandboxOrder | undefined => {
    const o = typeof id === 'string' ? orders.get(id) : undefined;
    return o && o.ticket.CustomerId === customer.CustomerId ? o : undefined;
  };

  const setStatus = (o: SandboxOrder, status: VitecOrderStatus, description?: string) => {
    const at = new Date().toISOString();
    o.status = status;
    o.lastUpdatedAt = at;
    o.statuses.push({ status, ...(description ? { description } : {}), at });
  };
  const closed = (o: SandboxOrder) => o.status === 'Delivered' || o.status === 'Error' || o.status === 'Cancelled';

  const routes = [
    route('POST', '/Service/Order/Token/:customerId', 'token', (req) => {
      const g = guard(req);
      if ('denied' in g) return g.denied;
      const data = req.json<{ data?: unknown }>()?.data;
      if (typeof data !== 'string' || !data) return err(400, 'The request body must be {"data": "<token>"}.');
      const t = tokens.get(data);
      if (!t) return err(400, 'Invalid token.');
      if (t.customerId !== g.customer.CustomerId) return err(403, 'The token belongs to another customer.');
      const o = orders.get(t.orderId)!;
      note(o, 'connect:token');
      return { status: 200, body: { ...o.ticket, HasExpired: Date.now() >= t.expiresAt } };
    }),
    route('GET', '/Service/Order/:customerId', 'data', (req) => {
      const g = guard(req);
      if ('denied' in g) return g.denied;
      const q = req.query;
      const min = q.get('MinValue');
      const max = q.get('MaxValue');
      const rows: VitecOrderEntry[] = [...orders.values()]
        .filter((o) => o.ticket.CustomerId === g.customer.CustomerId)
        .filter((o) => !q.get('TargetId') || o.ticket.TargetId === q.get('TargetId'))
        .filter((o) => !q.get('Status') || o.status === q.get('Status'))
        .filter((o) => (!min || o.createdAt >= min) && (!max || o.createdAt <= max))
        .map((o) => ({ Id: o.ticket.OrderId, CreatedAt: o.createdAt, LastUpdatedAt: o.lastUpdatedAt, Status: o.status, TargetId: o.ticket.TargetId, UserId: o.ticket.UserId, ServiceId: VITEC_SERVICE_ID }));
      return { status: 200, body: rows };
    }),
    route('PUT', '/Service/Order/UserInteraction/:customerId', 'data', (req) => {
      const g = guard(req);
      if ('denied' in g) return g.denied;
      const b = req.json<Partial<VitecUserInteraction>>() ?? {};
      const o = orderOf(g.customer, b.id);
      if (!o) return err(404, `Order ${String(b.id)} not found.`);
      if (typeof b.url !== 'string' || !/^https?:\/\//.test(b.url)) return err(400, 'url must be an absolute http(s) URL.');
      if (closed(o)) return { status: 200, body: false };
      note(o, 'connect:user-interaction');
      o.interactions.push({ id: o.ticket.OrderId, url: b.url, comment: String(b.comment ?? ''), at: new Date().toISOString() });
      setStatus(o, 'UserInteractionRequired', b.comment ?? undefined);
      return { status: 200, body: true };
    }),
    route('PUT', '/Service/Order/Status/:customerId', 'data', (req) => {
      const g = guard(req);
      if ('denied' in g) return g.denied;
      const b = req.json<Partial<VitecStatusUpdate>>() ?? {};
      const o = orderOf(g.customer, b.id);
      if (!o) return err(404, `Order ${String(b.id)} not found.`);
      if (b.status !== 'OrderReceived' && b.status !== 'Error' && b.status !== 'Delivered') return err(400, 'status must be OrderReceived, Error or Delivered.');
      if (b.status === 'Error' && !b.description?.trim()) return err(400, 'status Error needs a description.');
      note(o, `connect:status:${b.status}`);
      if (closed(o)) return { status: 200, body: false };
      setStatus(o, b.status, b.description);
      return { status: 200, body: true };
    }),
    route('PUT', '/Service/Order/Delivery/:customerId', 'data', (req) => {
      const g = guard(req);
      if ('denied' in g) return g.denied;
      const b = req.json<Partial<VitecDelivery>>() ?? {};
      const o = orderOf(g.customer, b.id);
      if (!o) return err(404, `Order ${String(b.id)} not found.`);
      if (typeof b.url !== 'string' || !/^https?:\/\//.test(b.url)) return err(400, 'url must be an absolute http(s) URL.');
      if (closed(o)) return { status: 200, body: false };
      note(o, 'connect:delivery');
      o.deliveries.push({ id: o.ticket.OrderId, url: b.url, comment: String(b.comment ?? ''), at: new Date().toISOString() });
      return { status: 200, body: true };
    }),
    route('GET', '/CRM/Lead/:customerId/Estate/:id', 'data', (req) => {
      const g = guard(req);
      if ('denied' in g) return g.denied;
      const estate = g.customer.estates.find((e) => e.Id === req.params.id);
      if (!estate) return err(404, `Estate ${req.params.id} not found.`);
      for (const o of orders.values()) if (o.ticket.CustomerId === g.customer.CustomerId && o.ticket.TargetId === estate.Id && o.status === 'Created') note(o, 'connect:estate');
      return { status: 200, body: estate };
    }),
  ];

  /** Opens Switchboard's order URL like Vitec's browser flow / background call does, and records the answer. */
  async function open(o: SandboxOrder) {
    note(o, 'intake:opened');
    const started = Date.now();
    const headers: Record<string, string> = { accept: 'text/html' };
    if (o.authMode === 'basic') headers.authorization = `Basic ${Buffer.from(`${intake.username}:${intake.password}`).toString('base64')}`;
    const res = await fetch(o.url, { headers, redirect: 'manual', signal: AbortSignal.timeout(15_000) });
    const body = await res.text();
    note(o, `intake:answered:${res.status}`);
    o.intakeAnswers.push({ status: res.status, body, ms: Date.now() - started });
    return { status: res.status, body };
  }

  const placeOrder = route('POST', '/__sandbox/place-order', 'data', async (req) => {
    const b = req.json<{ customerId?: string; authMode?: string; estateId?: string }>() ?? {};
    const customer = customers.get(b.customerId ?? '');
    if (!customer) return { status: 400, body: { error: `unknown customerId; sandbox offices: ${[...customers.keys()].join(', ')}` } };
    if (b.authMode !== 'token' && b.authMode !== 'basic' && b.authMode !== 'none') return { status: 400, body: { error: 'authMode must be token, basic or none' } };
    const n = (placed.get(customer.CustomerId) ?? 0) + 1;
    placed.set(customer.CustomerId, n);
    const estate = b.estateId ? customer.estates.find((e) => e.Id === b.estateId) : customer.estates[(n - 1) % customer.estates.length];
    if (!estate) return { status: 400, body: { error: `unknown estateId for ${customer.CustomerId}` } };
    const orderId = randomUUID();
    const owner = customer.users[(n - 1) % customer.users.length]!;
    const current = customer.users[n % customer.users.length]!;
    const ticket: VitecOrderTicket = {
      OrderId: orderId,
      UserId: current,
      OrderUserId: owner,
      TargetId: estate.Id,
      TargetType: estate.EstateType,
      TenantId: customer.TenantId,
      ChainId: customer.ChainId,
      CustomerId: customer.CustomerId,
      HasExpired: false,
    };
    const url = new URL(opts.orderUrl);
    if (b.authMode === 'token') {
      const token = randomBytes(40).toString('base64');
      tokens.set(token, { orderId, customerId: customer.CustomerId, expiresAt: Date.now() + lifetimeMs });
      url.searchParams.set('customerId', customer.CustomerId);
      url.searchParams.set('token', token);
    } else {
      url.searchParams.set('orderId', orderId);
      url.searchParams.set('userId', owner);
      url.searchParams.set('currentUserId', current);
      url.searchParams.set('customerId', customer.CustomerId);
      if (customer.ChainId) url.searchParams.set('chainId', customer.ChainId);
      url.searchParams.set('estateId', estate.Id);
      url.searchParams.set('estateType', estate.EstateType);
    }
    const now = new Date().toISOString();
    const o: SandboxOrder = {
      ticket,
      currentUserId: current,
      authMode: b.authMode,
      url: url.toString(),
      createdAt: now,
      lastUpdatedAt: now,
      status: 'Created',
      statuses: [],
      interactions: [],
      deliveries: [],
      intakeAnswers: [],
      timeline: [],
    };
    orders.set(orderId, o);
    try {
      const answer = await open(o);
      return { status: 200, body: { orderId, customerId: customer.CustomerId, authMode: b.authMode, intakeStatus: answer.status, intakeMs: o.intakeAnswers.at(-1)!.ms } };
    } catch (e) {
      return { status: 502, body: { orderId, error: `Switchboard's order URL did not answer: ${(e as Error).message}` } };
    }
  });

  const reopenOrder = route('POST', '/__sandbox/reopen-order', 'data', async (req) => {
    const id = req.json<{ orderId?: string }>()?.orderId;
    const o = id ? orders.get(id) : undefined;
    if (!o) return { status: 404, body: { error: `no sandbox order ${String(id)}` } };
    try {
      const answer = await open(o);
      return { status: 200, body: { orderId: o.ticket.OrderId, intakeStatus: answer.status } };
    } catch (e) {
      return { status: 502, body: { orderId: o.ticket.OrderId, error: (e as Error).message } };
    }
  });

  const view = (o: SandboxOrder) => ({ orderId: o.ticket.OrderId, ...o });
  const listOrders = route('GET', '/__sandbox/orders', 'data', () => ({ status: 200, body: [...orders.values()].map(view) }));
  const showOrder = route('GET', '/__sandbox/orders/:orderId', 'data', (req) => {
    const o = orders.get(req.params.orderId!);
    return o ? { status: 200, body: view(o) } : { status: 404, body: { error: `no sandbox order ${req.params.orderId}` } };
  });
  const expireOrderTokens = () => {
    for (const t of tokens.values()) t.expiresAt = 0;
  };

  return startSandbox(
    {
      name: 'vitec',
      routes,
      faults: opts.faults,
      errorResponse: (status, message) => err(status, message),
      expireTokens: expireOrderTokens,
      adminRoutes: [placeOrder, reopenOrder, listOrders, showOrder],
    },
    opts.port,
    opts.host,
  );
}
