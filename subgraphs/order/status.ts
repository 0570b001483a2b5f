import { badInput } from '../../platform/errors';

export const ORDER_STATUSES = ['RECEIVED', 'VERIFIED', 'ACKNOWLEDGED', 'USER_INTERACTION_REQUESTED', 'DELIVERED', 'ERROR'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * The order lifecycle. DELIVERED and ERROR are final (no Delivered after Error, nothing after Delivered);
 * a user interaction can be asked again (a new link replaces the old one).
 */
const next: Record<OrderStatus, readonly OrderStatus[]> = {
  RECEIVED: ['VERIFIED', 'ACKNOWLEDGED', 'ERROR'],
  VERIFIED: ['ACKNOWLEDGED', 'ERROR'],
  ACKNOWLEDGED: ['USER_INTERACTION_REQUESTED', 'DELIVERED', 'ERROR'],
  USER_INTERACTION_REQUESTED: ['USER_INTERACTION_REQUESTED', 'DELIVERED', 'ERROR'],
  DELIVERED: [],
  ERROR: [],
};

export const canMove = (from: OrderStatus, to: OrderStatus) => next[from].includes(to);

/** Throws BAD_USER_INPUT naming the current status and what it allows. */
export function assertTransition(orderId: string, from: OrderStatus, to: OrderStatus): void {
  if (canMove(from, to)) return;
  const allowed = next[from];
  throw badInput(`order ${orderId} is ${from}; it cannot become ${to}${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ' (final status)'}`, { status: from, requested: to });
}
