import { envVar, positiveInt } from './define';

/** Customer subgraph limits and cache lifetimes. */
export const customerEnv = {
  CUSTOMER_BLACKLIST_TTL_S: envVar(positiveInt(300), 'How long the Customer subgraph keeps one MMP network blacklist (contact opt-outs) before fetching it again, in seconds'),
  CUSTOMER_IMPORT_MAX_BYTES: envVar(positiveInt(20 * 1024 * 1024), 'Largest ZIP accepted by the importMmpClientsAndInvoices mutation, in bytes (checked before anything is sent to MMP)'),
  CUSTOMER_IMPORT_IDEMPOTENCY_RETENTION_S: envVar(positiveInt(86_400), 'How long the result of a ZIP import is kept under its idempotencyKey for retries, in seconds'),
  CUSTOMER_IMPORT_IDEMPOTENCY_LEASE_S: envVar(positiveInt(120), 'A ZIP import still marked running after this many seconds (its process died) may be taken over by a retry with the same key'),
  CUSTOMER_IMPORT_MAX_ENTRIES: envVar(positiveInt(200), 'Most files one imported ZIP may hold (read from its central directory before forwarding)'),
};
