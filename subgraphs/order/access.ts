import { AppError, ErrorCode, notFound } from '../../platform/errors';
import type { CallerIdentity } from '../../platform/caller-identity';
import type { OrderContext } from './context';
import type { OrderRow } from './store';

/** The caller, or UNAUTHENTICATED: orders are never public. */
export function requireCaller(ctx: OrderContext): CallerIdentity {
  if (ctx.caller) return ctx.caller;
  const why = ctx.callerProblem ? ` (identity header ${ctx.callerProblem})` : '';
  throw new AppError(ErrorCode.UNAUTHENTICATED, `orders need an authenticated caller: send a partner API key (x-api-key) or a frontend JWT (Authorization: Bearer) to the gateway${why}`);
}

export const canSee = (caller: CallerIdentity, order: OrderRow | undefined): order is OrderRow =>
  !!order && !order.merged_into && caller.customers.includes(order.customer_id);

/** An order the caller may see, or NOT_FOUND — the same answer whether it does not exist or is another tenant's. */
export async function visibleOrder(ctx: OrderContext, id: string): Promise<OrderRow> {
  const caller = requireCaller(ctx);
  const order = await ctx.loaders.order.load(id);
  if (!canSee(caller, order)) throw notFound(`no order ${id}`, { orderId: id });
  return order;
}
