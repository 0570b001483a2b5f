import { badInput } from '../../platform/errors';
import type { VitecAddress, VitecEstate } from '../../vendors/vitec/types';
import type { EstateType } from './resolvers.generated';
import type { OrderEvent, OrderRow } from './store';

/** What an Order (and an OrderTicket) resolver holds: the stored row; field resolvers shape it. */
export type OrderModel = OrderRow;
/** What an OrderStatusEvent resolver holds: one row of the event log. */
export type OrderEventModel = OrderEvent;
/** Estates and their addresses are Vitec's wire shapes, resolved as they are. */
export type EstateModel = VitecEstate;
export type EstateAddressModel = VitecAddress;

/** Vitec's PascalCase estate types to the schema's enum (HousingCooperative → HOUSING_COOPERATIVE). */
export const estateTypeOf = (t: string | null | undefined): EstateType | null =>
  t ? (t.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase() as EstateType) : null;

export const authModeOf = (m: OrderRow['auth_mode']) => m.toUpperCase() as 'TOKEN' | 'BASIC' | 'NONE';

// Cursor = the keyset position (created_at, id), opaque to clients.
export const encodeCursor = (o: OrderRow) => Buffer.from(JSON.stringify([o.created_at, o.id])).toString('base64url');
export function decodeCursor(after: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(after, 'base64url').toString('utf8')) as [string, string];
    if (typeof createdAt === 'string' && typeof id === 'string' && !Number.isNaN(Date.parse(createdAt))) return { createdAt, id };
  } catch {
    /* reported below */
  }
  throw badInput('after is not a cursor this API gave out', { field: 'after' });
}
