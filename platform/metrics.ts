import client, { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics of one process (prom-client; `/metrics` serves them in the text format). Every metric
 * Switchboard defines itself is here, named `switchboard_*`, so the alert rules and the dashboard in `ops/`
 * have one list to check against. The gateway adds the Hive runtime's GraphQL metrics
 * (`graphql_envelop_*`, `graphql_gateway_*`) on its own `/metrics` (gateway/plugins/use-prometheus.ts).
 *
 * Labels are bounded: vendor and route are templates written in code, status is a class, operation names
 * coming from callers go through `boundedLabel`.
 */
export const registry: Registry = client.register;

/**
 * Declares a metric of the process registry once. A module evaluated twice in one process (vitest runs
 * several test files in one worker: fresh modules each, one prom-client) would register a name twice and
 * throw; the second evaluation gets the metric the first declared.
 */
const once =
  <K extends new (config: any) => any>(Kind: K) =>
  (config: ConstructorParameters<K>[0] & { name: string }): InstanceType<K> =>
    (registry.getSingleMetric(config.name) as InstanceType<K> | undefined) ?? new Kind(config);
const counter = once(Counter);
const gauge = once(Gauge);
const histogram = once(Histogram);

let processMetrics = false;
/** Node's default process metrics (CPU, memory, event loop lag, GC, handles), once per process. */
export function collectProcessMetrics(service: string): void {
  if (processMetrics) return;
  processMetrics = true;
  registry.setDefaultLabels({ service });
  client.collectDefaultMetrics({ register: registry });
}

/** The text exposition of every metric of this process, for a `/metrics` route. */
export async function metricsText(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}

const seconds = (startNs: bigint) => Number(process.hrtime.bigint() - startNs) / 1e9;
/** Latency buckets from 5 ms to 30 s: vendor calls and subgraph requests span that range. */
const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * A label value taken from callers (an operation name) that keeps the series count bounded: the first
 * `max` distinct values are kept, any later one is reported as `other`.
 */
export function boundedLabel(max = 200) {
  const seen = new Set<string>();
  return (value: string | null | undefined): string => {
    const v = value || 'anonymous';
    if (seen.has(v)) return v;
    if (seen.size >= max) return 'other';
    seen.add(v);
    return v;
  };
}

// --- vendor calls (platform/http-client.ts) ---------------------------------------------------------

export const vendorRequestDuration = histogram({
  name: 'switchboard_vendor_request_duration_seconds',
  help: 'Vendor REST calls: latency by vendor, route template, method and status class (2xx…5xx, or timeout/unreachable/aborted when no answer came); _count is the call rate',
  labelNames: ['vendor', 'route', 'method', 'status_class'] as const,
  buckets: latencyBuckets,
});

export type NoAnswer = 'timeout' | 'unreachable' | 'aborted';
export const statusClass = (status: number) => `${Math.floor(status / 100)}xx`;

/** Starts timing one vendor call; call the result with the HTTP status, or with why no answer came. */
export function startVendorCallTimer(vendor: string, route: string, method: string): (outcome: number | NoAnswer) => number {
  const start = process.hrtime.bigint();
  return (outcome) => {
    const s = seconds(start);
    vendorRequestDuration.observe({ vendor, route, method, status_class: typeof outcome === 'number' ? statusClass(outcome) : outcome }, s);
    return s;
  };
}

// --- circuit breaker (platform/http-client.ts) ------------------------------------------------------

export const circuitBreakerState = gauge({
  name: 'switchboard_circuit_breaker_state',
  help: 'Circuit breaker of a vendor in this process: 0 closed (calls flow), 1 half-open (a probe call is allowed), 2 open (calls fail fast)',
  labelNames: ['vendor'] as const,
});
const breakerValue = { closed: 0, half_open: 1, open: 2 } as const;
export type CircuitBreakerState = keyof typeof breakerValue;
/** For the breaker to call on every state change (and once when it is created, with `closed`). */
export function setCircuitBreakerState(vendor: string, state: CircuitBreakerState): void {
  circuitBreakerState.set({ vendor }, breakerValue[state]);
}

// --- vendor tokens (platform/tokens) ----------------------------------------------------------------

const tokenCounter = (what: string, help: string) => counter({ name: `switchboard_token_${what}_total`, help, labelNames: ['vendor'] as const });
export const tokenMetrics = {
  hits: tokenCounter('cache_hits', 'Token requests served from the token cache (memory or Redis)'),
  misses: tokenCounter('cache_misses', 'Token requests that found no cached token'),
  coalesced: tokenCounter('coalesced', 'Token requests that joined a fetch already running in this process'),
  fetches: tokenCounter('fetches', 'Tokens fetched from the vendor token endpoint'),
  lockWaits: tokenCounter('lock_waits', 'Times this process found the cross-process token-fetch lock held and waited'),
  rejections: tokenCounter('rejections', 'Cached tokens the vendor rejected (401) and that were dropped and fetched again'),
};

// --- vendor read cache (platform/vendor-cache.ts) ---------------------------------------------------

const vendorCacheCounter = (what: string, help: string, extra: string[] = []) =>
  counter({ name: `switchboard_vendor_cache_${what}_total`, help, labelNames: ['vendor', 'resource', ...extra] });
export const vendorCacheMetrics = {
  hits: vendorCacheCounter('hits', 'Vendor reads served fresh from the vendor cache, by vendor and resource (vehicle, regions, boxes, blacklist)'),
  misses: vendorCacheCounter('misses', 'Vendor reads the vendor cache did not hold (or held past its stale window): the vendor was called'),
  stale: vendorCacheCounter('stale', 'Vendor reads served stale (past their TTL, within the stale-while-revalidate window) while a background refresh ran'),
  revalidations: vendorCacheCounter('revalidations', 'Background refreshes of stale vendor cache entries, by outcome (ok, error)', ['outcome']),
  invalidations: vendorCacheCounter('invalidations', 'Vendor cache entries dropped because a push said the data changed (e.g. a Carsys push for a plate)'),
  storeErrors: vendorCacheCounter('store_errors', 'Vendor cache operations (get, set, delete) that failed or timed out in Redis; the read went to the vendor instead', ['op']),
};

// --- DataLoader batches (subgraphs/*/loaders.ts) ----------------------------------------------------

export const dataLoaderBatchSize = histogram({
  name: 'switchboard_dataloader_batch_size',
  help: 'Keys per DataLoader batch, by loader',
  labelNames: ['loader'] as const,
  buckets: [1, 2, 5, 10, 20, 50, 100, 200],
});

/** Wraps a DataLoader batch function so each batch's size is observed under `loader`. */
export function measuredBatch<K, R>(loader: string, batch: (keys: readonly K[]) => PromiseLike<ArrayLike<R | Error>>) {
  const observe = dataLoaderBatchSize.labels({ loader });
  return (keys: readonly K[]) => {
    observe.observe(keys.length);
    return batch(keys);
  };
}

// --- subgraph GraphQL requests (platform/subgraph-server.ts) ----------------------------------------

export const subgraphRequests = {
  duration: histogram({
    name: 'switchboard_subgraph_request_duration_seconds',
    help: 'GraphQL operations served by a subgraph: latency by subgraph, operation name and type; _count is the request rate',
    labelNames: ['subgraph', 'operation', 'type'] as const,
    buckets: latencyBuckets,
  }),
  errors: counter({
    name: 'switchboard_subgraph_request_errors_total',
    help: 'GraphQL errors returned by a subgraph, by subgraph, operation name and extensions.code',
    labelNames: ['subgraph', 'operation', 'code'] as const,
  }),
};

// --- subscriptions and events (Order) ---------------------------------------------------------------

export const liveSubscriptions = gauge({
  name: 'switchboard_subscriptions_active',
  help: 'Live event subscriptions served by this process, by feed',
  labelNames: ['feed'] as const,
});

export const eventDeliveryLag = histogram({
  name: 'switchboard_event_delivery_lag_seconds',
  help: 'Time from an event being stored to its hand-over to a subscriber, by feed and delivery (live, or replay after a reconnect)',
  labelNames: ['feed', 'delivery'] as const,
  buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 300, 3600],
});

// --- gateway subscription fan-out (gateway/plugins/use-shared-subscriptions.ts) ---------------------

export const gatewaySubscriptionMetrics = {
  channels: gauge({ name: 'switchboard_gateway_subscription_channels', help: 'Subscriptions the gateway runs (one per distinct operation, variables and caller), each shared by its subscribers' }),
  subscribers: gauge({ name: 'switchboard_gateway_subscribers', help: 'Client subscriptions the gateway feeds from its channels' }),
  slowSubscribers: counter({ name: 'switchboard_gateway_slow_subscribers_total', help: 'Client subscriptions ended with EVENTS_INTERRUPTED because too many events were waiting for them (GATEWAY_SUBSCRIBER_MAX_QUEUED_EVENTS)' }),
};

// --- named domain events (intake refused, pushes stored, reservations released, …) ------------------

export const domainEvents = counter({
  name: 'switchboard_events_total',
  help: 'Named domain events counted by the code (count(name)), e.g. order.intake.accepted, carsys.push.stored',
  labelNames: ['event'] as const,
});

/** Counts a named domain event; names are written in code (bounded), never built from input. */
export function count(name: string, by = 1): void {
  domainEvents.inc({ event: name }, by);
}

/** The current value of a named domain event in this process (tests and in-process benches read it). */
export async function eventCount(name: string): Promise<number> {
  const { values } = await domainEvents.get();
  return values.find((v) => v.labels.event === name)?.value ?? 0;
}

/** p-th percentile (0–100) of a list of numbers, nearest-rank. (Benches summarise their own samples with it.) */
export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
