import { AppError, ErrorCode } from '../errors';

/**
 * What counts as "the database is away" rather than "the SQL is wrong": lost or refused connections,
 * timeouts (connect, statement, client-side query), and the server shutting down or not accepting
 * connections. These become STORE_UNAVAILABLE (retryable: the transaction did not commit, or was a read);
 * every other error (a constraint, a syntax error) passes through unchanged.
 */
const SQLSTATE_UNAVAILABLE = new Set([
  '57014', // query_canceled (statement_timeout)
  '57P01', // admin_shutdown (pg_terminate_backend, server stop)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '25P03', // idle_in_transaction_session_timeout
]);
const MESSAGE_UNAVAILABLE = /Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Connection ended|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EHOSTUNREACH|socket hang up|store did not answer|the database system is/i;

export function isStoreUnavailable(err: unknown): boolean {
  if (err instanceof AppError) return err.code === ErrorCode.STORE_UNAVAILABLE;
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e) return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (SQLSTATE_UNAVAILABLE.has(code) || code.startsWith('08')) return true;
  if (/^E[A-Z]+$/.test(code) && /ECONN|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN/.test(code)) return true;
  return typeof e.message === 'string' && MESSAGE_UNAVAILABLE.test(e.message);
}

/** The coded error a caller sees; the driver's message (host names, SQL) stays in the logs. */
export function storeUnavailable(cause?: unknown): AppError {
  const err = new AppError(ErrorCode.STORE_UNAVAILABLE, 'the database is unavailable just now; nothing was saved, please retry', { retryable: true });
  if (cause !== undefined) (err as Error & { cause?: unknown }).cause = cause;
  return err;
}

/** Rethrows database outages as STORE_UNAVAILABLE, anything else as it is. */
export function mapStoreError(err: unknown): never {
  throw isStoreUnavailable(err) && !(err instanceof AppError) ? storeUnavailable(err) : err;
}

/** Rejects with STORE_UNAVAILABLE when `work` takes longer than `ms` (the work itself is not cancelled). */
export function withStoreDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(storeUnavailable(new Error(`store did not answer within ${ms} ms`))), ms);
    timer.unref?.();
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
