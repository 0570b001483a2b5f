import type { HttpRequest } from './http-client';
import type { Logger } from './logger';
import { startVendorCallTimer, type NoAnswer } from './metrics';

/**
 * What one vendor call leaves behind: a latency observation by vendor, route template and status class
 * (`switchboard_vendor_request_duration_seconds`) and a log line carrying the request id of the request
 * that made it (debug when answered below 500, warn otherwise). Called in one place, around the single
 * HTTP exchange in `platform/http-client.ts`; on the hot path it costs one hrtime pair and one histogram
 * observation, and nothing is formatted unless the line is logged.
 */
export function observeVendorCall(vendor: string, method: HttpRequest['method'], route: string, log: Logger | undefined) {
  // `route` is a template (the client's own, or the path with its ids replaced: platform/vendor-route.ts),
  // never the real path, so the label stays bounded.
  const stop = startVendorCallTimer(vendor, route, method);
  return {
    answered(status: number) {
      const s = stop(status);
      if (!log) return;
      const fields = { vendor, route, method, status, ms: Math.round(s * 1000) };
      if (status >= 500) log.warn('vendor call answered with a server error', fields);
      else log.debug('vendor call', fields);
    },
    failed(why: NoAnswer, err: unknown) {
      const s = stop(why);
      log?.warn('vendor call got no answer', { vendor, route, method, outcome: why, ms: Math.round(s * 1000), err: err instanceof Error ? err.message : String(err) });
    },
  };
}
