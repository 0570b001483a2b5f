import { z } from 'zod';
import { envVar, nonNegativeInt, positiveInt } from './define';

/**
 * The cross-request cache of vendor reads (platform/vendor-cache.ts): in Redis when REDIS_URL is set,
 * bounded process memory otherwise. Per resource: a TTL (0 turns that cache off) and a stale window during
 * which the old copy is served while one background call refreshes it.
 */
export const vendorCacheEnv = {
  VENDOR_CACHE_PREFIX: envVar(z.string().min(1).default('switchboard:vendor-cache:'), 'Redis key prefix of the vendor read cache (every process of one deployment uses the same, so a push seen by one invalidates for all)'),
  VENDOR_CACHE_MAX_BYTES: envVar(positiveInt(64 * 1024 * 1024), 'Bound of the in-memory vendor read cache of one process (used without Redis), in bytes of cached JSON: the least recently used goes first'),
  VENDOR_CACHE_REDIS_TIMEOUT_MS: envVar(positiveInt(250), 'A vendor cache read or write that Redis has not answered within this many milliseconds counts as a miss: the vendor is called instead'),
  MMP_VEHICLE_CACHE_TTL_S: envVar(nonNegativeInt(300), 'Seconds an MMP vehicle read (vision360 and the per-facet services, by plate) is served from the cache (0: no cache). A Carsys push for a plate drops that plate at once'),
  MMP_VEHICLE_CACHE_STALE_S: envVar(nonNegativeInt(3_600), 'Seconds past MMP_VEHICLE_CACHE_TTL_S during which the cached MMP vehicle read is still served while one background call refreshes it'),
  COVERAGE_BOX_CACHE_S: envVar(nonNegativeInt(300), 'Seconds an OZmap box (name, address, coordinates, implanted; never its ports) is served from the cache by id (0: no cache)'),
  OZMAP_CACHE_STALE_S: envVar(nonNegativeInt(3_600), 'Seconds past COVERAGE_REGION_CACHE_S and COVERAGE_BOX_CACHE_S during which cached OZmap regions and boxes are still served while one background call refreshes them'),
  CUSTOMER_BLACKLIST_STALE_S: envVar(nonNegativeInt(86_400), 'Seconds past CUSTOMER_BLACKLIST_TTL_S during which the cached MMP blacklist is still served while one background call refreshes it (also when that refresh fails)'),
};
