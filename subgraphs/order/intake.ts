import { timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { VitecCustomerMode } from '../../platform/config/vitec';
import type { Logger } from '../../platform/logger';
import { count } from '../../platform/metrics';
import { basicOf } from '../../platform/http-auth';
import type { RateLimiter } from '../../platform/rate-limit';
import type { HttpRoute } from '../../platform/subgraph-server';
import type { OrderEventFeed } from './events';
import type { IntakeInput, OrderStore } from './store';

export interface OrderIntakeOptions {
  orders: OrderStore;
  feed: OrderEventFeed;
  log: Logger;
  /** the customers allowed to order, each with the auth mode Vitec uses for it */
  customers: VitecCustomerMode[];
  /** what Vitec sends as HTTP Basic in basic mode */
  basic: { username: string; password: string };
  /** wakes the job worker once the order is stored */
  onAccepted: () => void;
  path?: string;
  /** token orders never verified are pruned after this long (a safety net behind the processing job) */
  unverifiedTtlS?: number;
  /**
   * Opens accepted per office and window on this service's own URL (Vitec may be pointed straight at it).
   * The per-address limit is the gateway's (`/vitec/order` there): here every forwarded open comes from it.
   */
  officeLimit?: { limiter: RateLimiter; perOffice: number };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

function page(res: ServerResponse, status: number, title: string, text: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>`);
}

/**
 * The order URL Vitec opens (seed 001): `…/vitec/order?customerId=…&token=…` in token mode, the order's
 * parameters in the URL in basic mode (with HTTP Basic) and none mode. The order, its first event and its
 * processing job are committed before the 200 goes out; processing runs in the background. Opening the
 * same URL again answers the same page for the same order, without a second order or job.
 */
export function createOrderIntakeRoute(opts: OrderIntakeOptions): HttpRoute {
  const path = opts.path ?? '/vitec/order';
  const modes = new Map(opts.customers.map((c) => [c.customerId, c.authMode]));
  const ttlS = opts.unverifiedTtlS ?? 3_600;
  let lastPrune = 0;
  // At most once a minute, on the intake's own traffic: prune token orders Vitec never confirmed.
  const pruneNow = () => {
    if (Date.now() - lastPrune < 60_000) return;
    lastPrune = Date.now();
    opts.orders.pruneUnverified(ttlS).then(
      (n) => n && opts.log.info('pruned order links never confirmed by Vitec', { count: n }),
      (err: Error) => opts.log.warn('could not prune unconfirmed orders', { err: err.message }),
    );
  };

  return async (req, res, url) => {
    if (url.pathname !== path) return false;
    if (req.method !== 'GET' && req.method !== 'POST') {
      res.writeHead(405, { allow: 'GET, POST' }).end();
      return true;
    }
    const q = url.searchParams;
    const customerId = q.get('customerId') ?? '';
    const mode = modes.get(customerId);
    if (!mode) {
      count('order.intake.refused');
      page(res, 403, 'Not available', 'This office is not enabled for the service.');
      return true;
    }

    if (opts.officeLimit) {
      const d = await opts.officeLimit.limiter.hit(`office:${customerId}`, opts.officeLimit.perOffice);
      if (!d.allowed) {
        count('order.intake.rate_limited');
        page(res, 429, 'Please try again later', 'Too many orders were opened for this office just now.', { 'retry-after': String(d.retryAfterS) });
        return true;
      }
    }

    let input: IntakeInput;
    if (mode === 'token') {
      const token = q.get('token');
      if (!token) {
        count('order.intake.refused');
        page(res, 401, 'Not authorised', 'The order link has no token.');
        return true;
      }
      input = { customerId, authMode: 'token', token };
    } else {
      if (mode === 'basic') {
        const basic = basicOf(req.headers.authorization);
        if (!basic || !sameSecret(basic.user, opts.basic.username) || !sameSecret(basic.pass, opts.basic.password)) {
          count('order.intake.refused');
          page(res, 401, 'Not authorised', 'Valid credentials are required.', { 'www-authenticate': 'Basic realm="switchboard-order", charset="UTF-8"' });
          return true;
        }
      }
      const orderId = q.get('orderId');
      if (!orderId || !/^[A-Za-z0-9._:-]{1,100}$/.test(orderId)) {
        page(res, 400, 'Incomplete order', 'The order link has no valid orderId.');
        return true;
      }
      input = {
        customerId,
        authMode: mode,
        vitecOrderId: orderId,
        orderUserId: q.get('userId') ?? undefined,
        currentUserId: q.get('currentUserId') ?? undefined,
        chainId: q.get('chainId') ?? undefined,
        targetId: q.get('estateId') ?? undefined,
        targetType: q.get('estateType') ?? undefined,
      };
    }

    pruneNow();
    let stored: Awaited<ReturnType<OrderStore['intake']>>;
    try {
      stored = await opts.orders.intake(input);
    } catch (err) {
      // Not stored means not acknowledged: Vitec sees a 5xx and the user can try again. The store's own
      // bounds (DB_CONNECT_TIMEOUT_MS, DB_STATEMENT_TIMEOUT_MS) make this answer come in bounded time.
      opts.log.error('order intake could not store the order', { customerId, err: err as Error });
      page(res, 503, 'Please try again', 'The order could not be registered just now.', { 'retry-after': '5' });
      return true;
    }
    count(stored.created ? 'order.intake.accepted' : 'order.intake.reopened');
    page(res, 200, 'Order received', `Your order is registered with reference ${stored.order.id}. You can close this page; its status is shown in Vitec Express.`, {
      'x-switchboard-order-id': stored.order.id,
    });
    if (stored.created) {
      opts.log.info('order accepted', { orderId: stored.order.id, customerId, authMode: mode });
      // a token order has no event yet: it is published once Vitec confirms the token (actions.ts)
      if (stored.event) await opts.feed.publish(stored.event);
      opts.onAccepted();
    }
    return true;
  };
}
