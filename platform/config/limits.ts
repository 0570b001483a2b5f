import { z } from 'zod';
import { envVar, positiveInt } from './define';

/**
 * Demand control, rate limits and body/upload bounds of the gateway and the Vitec order intake.
 * Defaults are what a careful operator would run in front of partners: one operation may cost at most
 * 200 vendor calls, an anonymous address gets a tenth of an authenticated caller's rate.
 */
export const limitsEnv = {
  GATEWAY_MAX_COST: envVar(positiveInt(200), 'Largest estimated cost of one operation (about one unit per vendor call it may cause, from @cost/@listSize in the supergraph); above it the operation is refused with COST_LIMIT_EXCEEDED before any subgraph call'),
  GATEWAY_DEFAULT_LIST_SIZE: envVar(positiveInt(10), 'Assumed length of a list field that has no @listSize, when estimating the cost of what is selected under it'),
  GATEWAY_MAX_ALIASES: envVar(positiveInt(20), 'Most aliases in one operation (fragments included)'),
  GATEWAY_MAX_TOKENS: envVar(positiveInt(3_000), 'Most lexical tokens in one GraphQL document (counted while parsing, so a huge document stops early)'),
  GATEWAY_MAX_DIRECTIVES: envVar(positiveInt(20), 'Most directives in one operation'),
  GATEWAY_RATE_WINDOW_S: envVar(positiveInt(60), 'Length of one rate-limit window, in seconds (shared across gateway instances through Redis when REDIS_URL is set)'),
  GATEWAY_RATE_LIMIT_AUTHENTICATED: envVar(positiveInt(600), 'GraphQL operations one partner key or app user may send per window'),
  GATEWAY_RATE_LIMIT_ANONYMOUS: envVar(positiveInt(60), 'GraphQL operations one anonymous source address may send per window'),
  GATEWAY_TRUSTED_PROXY_HOPS: envVar(z.coerce.number().int().min(0).max(5).default(0), 'Reverse proxies in front of the gateway that append to X-Forwarded-For (1 behind deploy/nginx.conf); the client address used for anonymous and intake rate limits is that many entries from its end. 0: the socket address'),
  GATEWAY_RATE_LIMIT_PREFIX: envVar(z.string().min(1).default('switchboard:rate'), 'Redis key prefix of the rate-limit counters (one per deployment sharing a Redis)'),
  GATEWAY_RATE_LIMIT_MAX_KEYS: envVar(positiveInt(100_000), 'Most callers the in-memory rate limiter tracks at once (used without Redis, or while Redis is away); the oldest are dropped first'),
  GATEWAY_MAX_BODY_BYTES: envVar(positiveInt(1024 * 1024), 'Largest non-multipart request body the gateway reads, in bytes (413 above it)'),
  GATEWAY_MAX_UPLOAD_BYTES: envVar(positiveInt(20 * 1024 * 1024), 'Largest single uploaded file, in bytes'),
  GATEWAY_MAX_UPLOAD_FILES: envVar(positiveInt(1), 'Most files in one multipart request'),
  GATEWAY_MAX_UPLOAD_BODY_BYTES: envVar(positiveInt(21 * 1024 * 1024), 'Largest multipart request body (every file and field together), in bytes'),
  GATEWAY_MAX_CONCURRENT_UPLOADS: envVar(positiveInt(4), 'Multipart requests one gateway instance reads at once; more are answered 503 with Retry-After'),
  CUSTOMER_IMPORT_MAX_UNCOMPRESSED_BYTES: envVar(positiveInt(200 * 1024 * 1024), 'Largest total uncompressed size an imported ZIP may declare in its central directory, in bytes'),
  CUSTOMER_IMPORT_MAX_RATIO: envVar(positiveInt(100), 'Largest compression ratio (uncompressed / compressed) of any entry of an imported ZIP'),
  VITEC_INTAKE_RATE_PER_OFFICE: envVar(positiveInt(120), 'Order-link opens accepted per Vitec office per window (GATEWAY_RATE_WINDOW_S)'),
  VITEC_INTAKE_RATE_PER_ADDRESS: envVar(positiveInt(30), 'Order-link opens accepted per source address per window (GATEWAY_RATE_WINDOW_S)'),
  CARSYS_PUSH_RATE_PER_ADDRESS: envVar(positiveInt(1200), 'Carsys work-order pushes the gateway forwards per source address per window (GATEWAY_RATE_WINDOW_S); a DMS flushing its outbox stays well below it'),
  VITEC_INTAKE_UNVERIFIED_TTL_S: envVar(positiveInt(3_600), 'How long an order whose Vitec token was never verified is kept (hidden) before it is pruned, in seconds'),
};
