import { GraphQLError } from 'graphql';

/**
 * The stable `extensions.code` values clients can branch on. One list for every subgraph and the gateway.
 */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  UPSTREAM_UNAUTHENTICATED: 'UPSTREAM_UNAUTHENTICATED',
  UPSTREAM_FORBIDDEN: 'UPSTREAM_FORBIDDEN',
  UPSTREAM_TIMEOUT: 'UPSTREAM_TIMEOUT',
  UPSTREAM_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  UPSTREAM_BAD_RESPONSE: 'UPSTREAM_BAD_RESPONSE',
  UPSTREAM_ERROR: 'UPSTREAM_ERROR',
  RATE_LIMITED: 'RATE_LIMITED',
  /** the operation is larger than the gateway serves (cost, aliases, tokens, directives); `extensions.limit` says which */
  COST_LIMIT_EXCEEDED: 'COST_LIMIT_EXCEEDED',
  /** our own database did not answer or lost the connection: nothing was written, retrying later is safe */
  STORE_UNAVAILABLE: 'STORE_UNAVAILABLE',
  /** a live event stream could not be kept gap-free: subscribe again with afterEventId = extensions.resumeAfterEventId */
  EVENTS_INTERRUPTED: 'EVENTS_INTERRUPTED',
  /** a registered-operations-only caller sent an operation's text, or a request had neither text nor id: send `documentId` */
  PERSISTED_QUERY_ID_REQUIRED: 'PERSISTED_QUERY_ID_REQUIRED',
  /** the `documentId` (or persistedQuery hash) names no operation in the gateway's trusted-documents registry */
  PERSISTED_QUERY_NOT_IN_LIST: 'PERSISTED_QUERY_NOT_IN_LIST',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An error we raise on purpose, with the code the client will see. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badInput = (message: string, details: Record<string, unknown> = {}) => new AppError(ErrorCode.BAD_USER_INPUT, message, details);
export const notFound = (message: string, details: Record<string, unknown> = {}) => new AppError(ErrorCode.NOT_FOUND, message, details);
export const conflict = (message: string, details: Record<string, unknown> = {}) => new AppError(ErrorCode.CONFLICT, message, details);

/** A failed vendor call: which vendor, what HTTP status (if any) and the vendor's own message. */
export class VendorError extends AppError {
  constructor(
    readonly vendor: string,
    code: ErrorCode,
    message: string,
    readonly status?: number,
    details: Record<string, unknown> = {},
  ) {
    super(code, `${vendor}: ${message}`, { vendor, ...(status ? { status } : {}), ...details });
    this.name = 'VendorError';
  }
}

/**
 * The one mapping from a vendor HTTP status to our code (compare datasource-rest `errorFromResponse`).
 * A vendor 404 is NOT_FOUND for the caller; a vendor 401/403 is the gateway's credential problem, not the
 * caller's, hence the UPSTREAM_ prefix.
 */
export function codeForVendorStatus(status: number): ErrorCode {
  if (status === 400 || status === 422) return ErrorCode.BAD_USER_INPUT;
  if (status === 401) return ErrorCode.UPSTREAM_UNAUTHENTICATED;
  if (status === 403) return ErrorCode.UPSTREAM_FORBIDDEN;
  if (status === 404) return ErrorCode.NOT_FOUND;
  if (status === 409) return ErrorCode.CONFLICT;
  if (status === 429) return ErrorCode.RATE_LIMITED;
  if (status === 502 || status === 503 || status === 504) return ErrorCode.UPSTREAM_UNAVAILABLE;
  return ErrorCode.UPSTREAM_ERROR;
}

/**
 * What a caller is told when a vendor call failed: the code and what to do about it. The vendor's own
 * words, its HTTP status, its body and our URLs stay in the log (formatSubgraphError logs them).
 */
const VENDOR_PUBLIC_MESSAGES: Partial<Record<ErrorCode, string>> = {
  BAD_USER_INPUT: 'The data provider refused the request as invalid; check the values you sent.',
  NOT_FOUND: 'Nothing was found for what you asked; check the identifiers you sent.',
  CONFLICT: 'The request conflicts with the current state at the data provider; read the data again and retry.',
  UPSTREAM_UNAUTHENTICATED: 'A data provider refused our credentials. This is on our side and has been logged; try again later.',
  UPSTREAM_FORBIDDEN: 'A data provider refused access to this resource. This has been logged; try again later or contact support.',
  UPSTREAM_TIMEOUT: 'A data provider did not answer in time; try again in a moment.',
  UPSTREAM_UNAVAILABLE: 'A data provider is unavailable just now; try again in a moment.',
  UPSTREAM_BAD_RESPONSE: 'A data provider sent an answer that could not be read; try again later.',
  UPSTREAM_ERROR: 'A data provider could not serve this request; try again later.',
  RATE_LIMITED: 'A data provider is limiting our requests; try again in a moment.',
};
/** Details of a VendorError that describe the vendor rather than the caller's request. */
const VENDOR_PRIVATE_DETAILS = new Set(['vendor', 'status', 'vendorErrors', 'body']);

/** The client-facing form of a vendor failure: stable code, neutral message, the caller's own identifiers only. */
export function publicVendorError(err: VendorError): GraphQLError {
  const details = Object.fromEntries(Object.entries(err.details).filter(([k]) => !VENDOR_PRIVATE_DETAILS.has(k)));
  return new GraphQLError(VENDOR_PUBLIC_MESSAGES[err.code] ?? 'The request could not be completed; try again later.', { extensions: { ...details, code: err.code } });
}

/** Converts anything thrown in a resolver into a GraphQL error with a stable code; unknown errors are masked. */
export function toGraphQLError(err: unknown): GraphQLError {
  if (err instanceof GraphQLError && err.extensions?.code) return err;
  const original = err instanceof GraphQLError ? (err.originalError ?? err) : err;
  if (original instanceof VendorError) return publicVendorError(original);
  if (original instanceof AppError) {
    return new GraphQLError(original.message, { extensions: { code: original.code, ...original.details } });
  }
  return new GraphQLError('Internal server error', { extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } });
}
