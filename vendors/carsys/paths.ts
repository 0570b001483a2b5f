/**
 * Where a Carsys dealer's DMS pushes its work orders: part of the wire contract (the DMS is configured with
 * it), so it lives with the vendor. The receiver that answers it is Customer-domain code
 * (`subgraphs/customer/carsys-push-receiver.ts`).
 */
export const PUSH_PATH = /^\/carsys\/dealers\/([A-Za-z0-9_-]{1,64})\/work-orders\/?$/;
export const pushPathOf = (dealerId: string) => `/carsys/dealers/${encodeURIComponent(dealerId)}/work-orders`;
