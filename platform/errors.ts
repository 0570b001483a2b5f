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
  /** our own database did not answer or lost the connection: nothing was written, retrying later is safe */
  STORE_UNAVAILABLE: 'STORE_UNAVAILABLE',
  /** a live event stream could not be kept gap-free: subscribe again with afterEventId = extensions.resumeAfterEventId */
  EVENTS_INTERRUPTED: 'EVENTS_INTERRUPTED',
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

/** Converts anything thrown in a resolver into a GraphQL error with a stable code; unknown errors are masked. */
export function toGraphQLError(err: unknown): GraphQLError {
  if (err instanceof GraphQLError && err.extensions?.code) return err;
  // By shape, not by class: under vitest graphql loads twice (ESM for our code, CJS for Apollo), so the
  // GraphQLError wrapping a resolver's AppError is not `instanceof` our GraphQLError.
  const original = (err as { originalError?: unknown } | null)?.originalError ?? err;
  if (original instanceof AppError) {
    return new GraphQLError(original.message, { extensions: { code: original.code, ...original.details } });
  }
  return new GraphQLError('Internal server error', { extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } });
}
