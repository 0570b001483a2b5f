/**
 * Vitec Express Connect wire shapes, with Vitec's own field names (PascalCase on Connect, camelCase in the
 * request bodies Vitec documents in camelCase). "Known" shapes follow Vitec's Connect help pages; the
 * status and delivery calls are ours (Vitec names the statuses but publishes no call) — see
 * vendors/vitec/README.md.
 */

/** Answer of `POST /Service/Order/Token/{customerId}` (known). */
export interface VitecOrderTicket {
  OrderId: string;
  UserId: string;
  OrderUserId: string;
  TargetId: string;
  TargetType: VitecEstateType;
  TenantId: string;
  /** only when the office belongs to a chain */
  ChainId: string | null;
  CustomerId: string;
  HasExpired: boolean;
}

/** Body of the token verification call (known). */
export interface VitecTokenRequest {
  data: string;
}

/** Order status names. Known from the seed: OrderReceived, Error, Delivered; the rest is ours. */
export type VitecOrderStatus = 'Created' | 'OrderReceived' | 'UserInteractionRequired' | 'Error' | 'Delivered' | 'Cancelled';

/** One row of `GET /Service/Order/{customerId}` (known). */
export interface VitecOrderEntry {
  Id: string;
  CreatedAt: string;
  LastUpdatedAt: string;
  Status: VitecOrderStatus;
  TargetId: string;
  UserId: string;
  ServiceId: string;
}

/** Query of the order listing (known names; MinValue/MaxValue bound CreatedAt, ISO date-times — ours). */
export interface VitecOrderQuery {
  TargetId?: string;
  MinValue?: string;
  MaxValue?: string;
  Status?: VitecOrderStatus;
}

/** Body of `PUT /Service/Order/UserInteraction/{customerId}` (known). Answer: boolean. */
export interface VitecUserInteraction {
  id: string;
  url: string;
  comment: string;
}

/** Body of `PUT /Service/Order/Status/{customerId}` (ours). Answer: boolean. */
export interface VitecStatusUpdate {
  id: string;
  status: Extract<VitecOrderStatus, 'OrderReceived' | 'Error' | 'Delivered'>;
  /** required with Error: shown to the user */
  description?: string;
}

/** Body of `PUT /Service/Order/Delivery/{customerId}` (ours): the result link shown to the user. Answer: boolean. */
export interface VitecDelivery {
  id: string;
  url: string;
  comment: string;
}

/** Estate types Connect lists (known). */
export const VITEC_ESTATE_TYPES = ['House', 'Cottage', 'HousingCooperative', 'Plot', 'Condominium', 'Farm', 'ForeignProperty', 'CommercialProperty', 'Premises'] as const;
export type VitecEstateType = (typeof VITEC_ESTATE_TYPES)[number];

export interface VitecAddress {
  StreetAddress: string;
  ZipCode: string;
  City: string;
}

/** Answer of `GET /CRM/Lead/{customerId}/Estate/{id}` — the estate summary (known field names). */
export interface VitecEstate {
  Id: string;
  EstateType: VitecEstateType;
  Address: VitecAddress;
  AssignmentType: string;
  Status: string;
  /** asking price in whole SEK */
  Price: number | null;
}

/** Connect's error body (401 bad header, 403 no access to the data, 500 unexpected). */
export interface VitecErrorBody {
  Message: string;
}
