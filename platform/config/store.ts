import { envVar, nonNegativeInt, positiveInt } from './define';

/**
 * Bounds of the durable store and of what the stateful services keep. Every wait on PostgreSQL has a
 * limit (a database that accepts connections and never answers costs a coded error, not a hung caller),
 * and every table that grows with traffic has a retention.
 */
export const storeEnv = {
  DB_POOL_MAX: envVar(positiveInt(10), 'Most PostgreSQL connections one process holds'),
  DB_CONNECT_TIMEOUT_MS: envVar(positiveInt(2_000), 'Longest wait for a PostgreSQL connection (connect and pool checkout), in milliseconds'),
  DB_IDLE_TIMEOUT_MS: envVar(positiveInt(30_000), 'An idle PostgreSQL connection is closed after this many milliseconds'),
  DB_STATEMENT_TIMEOUT_MS: envVar(positiveInt(5_000), 'Longest one SQL statement may run: PostgreSQL cancels it (statement_timeout), and the client gives up 1 s later if the server does not answer at all'),
  JOB_CONCURRENCY: envVar(positiveInt(8), 'How many background jobs (e.g. order processing) one process runs in parallel'),
  JOB_RETENTION_HOURS: envVar(positiveInt(72), 'Finished background jobs are deleted this many hours after they finished'),
  RETENTION_SWEEP_INTERVAL_MS: envVar(positiveInt(10 * 60_000), 'How often a stateful service deletes what is past its retention, in milliseconds'),
  CARSYS_RETENTION_DAYS: envVar(positiveInt(730), 'Carsys work orders and persons not pushed again for this many days are deleted'),
  RESERVATION_RETENTION_DAYS: envVar(nonNegativeInt(0), 'Days after a coverage reservation expired, was cancelled or failed before it is deleted with the prospect\'s personal data (0: at the next retention pass; the OZmap seed says an unconfirmed reservation is deleted)'),
  ORDER_EVENT_RETENTION_DAYS: envVar(positiveInt(90), 'Order status events older than this many days are deleted, except each order\'s latest (never less than ORDER_EVENT_REPLAY_HOURS)'),
  ORDER_EVENT_MAX_GAP_MS: envVar(positiveInt(60_000), 'A live order subscription that cannot be caught up from the store for this long (Redis and the database both away) ends with EVENTS_INTERRUPTED and the event id to resume after'),
  CACHE_MAX_ENTRIES: envVar(positiveInt(10_000), 'Most entries of each in-memory cache (tokens, blacklists, …): the least recently used goes first'),
};
