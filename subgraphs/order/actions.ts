import { AppError, badInput, ErrorCode } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import type { VitecClient } from '../../vendors/vitec/client';
import type { OrderEventFeed } from './events';
import { assertTransition, type OrderStatus } from './status';
import { awaitingVerification, type OrderPatch, type OrderRow, type OrderStore } from './store';

export interface OrderActionsOptions {
  orders: OrderStore;
  feed: OrderEventFeed;
  vitec: VitecClient;
  log: Logger;
  /** send OrderReceived as soon as an order is verified (else the partner calls acknowledgeOrder) */
  autoAcknowledge: boolean;
}

/**
 * Failures worth another attempt later (the job queue backs off): outages, and a rejected Connect
 * password (an operator fixes the configuration). A 403 (no access to that office), an invalid token or a
 * refused status are final.
 */
const transient = (err: unknown) =>
  !(err instanceof AppError) ||
  err.code === ErrorCode.UPSTREAM_UNAUTHENTICATED ||
  err.code === ErrorCode.UPSTREAM_UNAVAILABLE ||
  err.code === ErrorCode.UPSTREAM_TIMEOUT ||
  err.code === ErrorCode.UPSTREAM_ERROR ||
  err.code === ErrorCode.UPSTREAM_BAD_RESPONSE ||
  err.code === ErrorCode.RATE_LIMITED ||
  err.code === ErrorCode.STORE_UNAVAILABLE;

function checkLink(field: string, url: string, comment: string) {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) throw badInput(`${field}.url must be an absolute http(s) URL`, { field: `${field}.url` });
  if (comment.length > 1000) throw badInput(`${field}.comment is longer than 1000 characters`, { field: `${field}.comment` });
}

/**
 * What happens to an order: the background processing after intake, and the partner's mutations. Each
 * step validates the transition first, calls Vitec, then records the new status with a compare-and-set
 * and publishes the event — Vitec is never told something we then fail to record silently, and we never
 * record a status Vitec refused.
 */
export function createOrderActions(opts: OrderActionsOptions) {
  const { orders, feed, vitec, log } = opts;

  async function move(order: OrderRow, to: OrderStatus, description: string | null, patch?: OrderPatch): Promise<OrderRow> {
    const { order: updated, event } = await orders.transition(order.id, order.status, to, description, patch);
    await feed.publish(event);
    return updated;
  }

  const vitecId = (order: OrderRow) => {
    if (!order.vitec_order_id) throw badInput(`order ${order.id} is not verified with Vitec yet; try again in a moment`, { status: order.status });
    return order.vitec_order_id;
  };

  async function acknowledge(order: OrderRow): Promise<OrderRow> {
    assertTransition(order.id, order.status, 'ACKNOWLEDGED');
    if (order.status === 'RECEIVED') throw badInput(`order ${order.id} is still being processed; acknowledge it once it is VERIFIED`, { status: order.status });
    await vitec.updateStatus(order.customer_id, { id: vitecId(order), status: 'OrderReceived' });
    return move(order, 'ACKNOWLEDGED', null);
  }

  async function requestUserInteraction(order: OrderRow, input: { url: string; comment: string }): Promise<OrderRow> {
    checkLink('input', input.url, input.comment);
    assertTransition(order.id, order.status, 'USER_INTERACTION_REQUESTED');
    await vitec.requestUserInteraction(order.customer_id, { id: vitecId(order), url: input.url, comment: input.comment });
    return move(order, 'USER_INTERACTION_REQUESTED', input.comment || null, { user_interaction: { ...input, requestedAt: new Date().toISOString() } });
  }

  async function fail(order: OrderRow, description: string): Promise<OrderRow> {
    const text = description.trim();
    if (!text) throw badInput('description must say what went wrong (the user sees it in Vitec Express)', { field: 'description' });
    if (text.length > 1000) throw badInput('description is longer than 1000 characters', { field: 'description' });
    assertTransition(order.id, order.status, 'ERROR');
    await vitec.updateStatus(order.customer_id, { id: vitecId(order), status: 'Error', description: text });
    return move(order, 'ERROR', text);
  }

  async function deliver(order: OrderRow, input: { url: string; comment: string }): Promise<OrderRow> {
    checkLink('input', input.url, input.comment);
    assertTransition(order.id, order.status, 'DELIVERED');
    const id = vitecId(order);
    await vitec.deliver(order.customer_id, { id, url: input.url, comment: input.comment });
    await vitec.updateStatus(order.customer_id, { id, status: 'Delivered' });
    return move(order, 'DELIVERED', null, { delivery: { ...input, deliveredAt: new Date().toISOString() } });
  }

  /**
   * A token order Vitec did not confirm was never an order: it is removed, not failed, so it never shows
   * in a list or an event stream (a forged order link costs one verification call and nothing visible).
   */
  async function dropUnconfirmed(order: OrderRow, reason: string, err?: unknown): Promise<void> {
    const dropped = await orders.dropUnverified(order.id);
    log.warn('order link not confirmed by Vitec; the order was removed', { orderId: order.id, customerId: order.customer_id, reason, dropped, err: err ? (err as Error).message : undefined });
  }

  /** Marks an order ERROR on our side, telling Vitec too when we know its id (best effort). */
  async function failDuringProcessing(order: OrderRow, description: string): Promise<void> {
    if (order.vitec_order_id) {
      await vitec.updateStatus(order.customer_id, { id: order.vitec_order_id, status: 'Error', description }).catch((err) =>
        log.warn('could not report Error to Vitec', { orderId: order.id, err: (err as Error).message }),
      );
    }
    await move(order, 'ERROR', description);
  }

  /**
   * The background part of an order: token → ticket (token mode), estate lookup, OrderReceived.
   * Idempotent: each step is skipped when its result is already stored, so a retry or a takeover after a
   * crash resumes where the last attempt stopped.
   */
  async function processOrder(orderId: string, attempt: number, maxAttempts: number): Promise<void> {
    let order = await orders.get(orderId);
    if (!order || order.merged_into || order.status !== 'RECEIVED') return;
    try {
      if (!order.vitec_order_id) {
        if (order.auth_mode !== 'token' || !order.token) return failDuringProcessing(order, 'The order reached us without an order id.');
        let ticket: Awaited<ReturnType<VitecClient['verifyOrderToken']>>;
        try {
          ticket = await vitec.verifyOrderToken(order.customer_id, order.token);
        } catch (err) {
          if (transient(err)) throw err;
          return dropUnconfirmed(order, 'token rejected by Vitec', err);
        }
        if (ticket.CustomerId !== order.customer_id) return dropUnconfirmed(order, 'token belongs to another office');
        const saved = await orders.saveVerified(order.id, {
          vitecOrderId: ticket.OrderId,
          userId: ticket.UserId,
          orderUserId: ticket.OrderUserId,
          tenantId: ticket.TenantId,
          chainId: ticket.ChainId,
          targetId: ticket.TargetId,
          targetType: ticket.TargetType,
        });
        if (saved.mergedInto) {
          log.info('order URL re-opened with a new token; merged into the existing order', { orderId, into: saved.mergedInto });
          return;
        }
        if (saved.event) await feed.publish(saved.event);
        order = (await orders.get(orderId))!;
        if (ticket.HasExpired) return failDuringProcessing(order, 'The order link has expired; please place the order again.');
      }
      if (!order.estate && order.target_id) {
        try {
          const estate = await vitec.getEstate(order.customer_id, order.target_id);
          await orders.saveEstate(order.id, estate);
          order = { ...order, estate };
        } catch (err) {
          if (transient(err)) throw err;
          // the order is still valid without the estate summary (e.g. the estate was removed meanwhile)
          log.warn('estate lookup failed; continuing without it', { orderId, err: (err as Error).message });
        }
      }
      if (opts.autoAcknowledge) {
        await vitec.updateStatus(order.customer_id, { id: order.vitec_order_id!, status: 'OrderReceived' });
        await move(order, 'ACKNOWLEDGED', null);
      } else await move(order, 'VERIFIED', null);
    } catch (err) {
      if (!transient(err)) {
        log.warn('order processing failed for good', { orderId, err: (err as Error).message });
        const fresh = await orders.get(orderId);
        if (fresh?.status === 'RECEIVED') await failDuringProcessing(fresh, 'The order could not be processed.');
        return;
      }
      if (attempt >= maxAttempts) {
        const fresh = await orders.get(orderId);
        if (fresh && awaitingVerification(fresh)) return dropUnconfirmed(fresh, 'Vitec could not be reached to verify the token', err);
        if (fresh?.status === 'RECEIVED') await failDuringProcessing(fresh, 'Vitec could not be reached to process the order.');
        return;
      }
      throw err;
    }
  }

  return { acknowledge, requestUserInteraction, fail, deliver, processOrder };
}

export type OrderActions = ReturnType<typeof createOrderActions>;
