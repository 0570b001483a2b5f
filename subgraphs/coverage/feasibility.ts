import { badInput, notFound } from '../../platform/errors';
import { isValidLatLng, type LatLng } from '../../platform/geo';
import type { OzmapClient } from '../../vendors/ozmap/client';
import type { OzmapUnviableReason, OzmapViabilityBox, OzmapViableBox } from '../../vendors/ozmap/types';
import { inAnyRegion, type PlanRegions } from './plan-regions';
import type { CoverageStore, PlanRow } from './store';

export type UnviableReason = OzmapUnviableReason | 'OUTSIDE_PLAN_REGION';
export interface UnviableBoxResult extends OzmapViabilityBox {
  reason: UnviableReason;
}

export interface CoverageResult {
  viable: boolean;
  point: LatLng;
  resolvedAddress: string | null;
  radiusMeters: number;
  plan: PlanRow | null;
  boxes: OzmapViableBox[];
  unviableBoxes: UnviableBoxResult[];
}

export interface CoverageQuery {
  lat?: number | null;
  lng?: number | null;
  address?: string | null;
  plan?: string | null;
  radiusMeters?: number | null;
}

export interface FeasibilityOptions {
  ozmap: OzmapClient;
  store: CoverageStore;
  regions: PlanRegions;
  /** sent when a query gives none; undefined leaves OZmap's own default radius in force */
  defaultRadiusM?: number;
  maxRadiusM: number;
}

const boxPoint = (b: { coords: [number, number] }): LatLng => ({ lat: b.coords[1], lng: b.coords[0] });

/** A plan by code, or BAD_USER_INPUT naming the plans that exist. */
export async function requirePlan(store: CoverageStore, code: string): Promise<PlanRow> {
  const plan = await store.getPlan(code);
  if (plan) return plan;
  const known = (await store.listPlans()).map((p) => p.code);
  throw badInput(`unknown plan "${code.slice(0, 60)}"; plans: ${known.join(', ')}`, { argument: 'plan' });
}

/**
 * One feasibility check: OZmap's radius search, then the plan's region restriction on our side (OZmap's
 * viability call knows nothing of plans). Upstream: 1 call, +1 to resolve an address, +2 per uncached
 * tag set.
 */
export function createFeasibility(opts: FeasibilityOptions) {
  const { ozmap, store, regions } = opts;

  async function resolvePoint(q: CoverageQuery): Promise<{ point: LatLng; resolvedAddress: string | null }> {
    const hasPoint = q.lat != null || q.lng != null;
    const address = q.address?.trim();
    if (hasPoint && address) throw badInput('give either lat/lng or address, not both', { argument: 'input' });
    if (hasPoint) {
      const point = { lat: q.lat, lng: q.lng };
      if (!isValidLatLng(point)) throw badInput('lat must be -90..90 and lng -180..180, both decimal degrees', { argument: 'input.lat/lng' });
      return { point, resolvedAddress: null };
    }
    if (!address) throw badInput('give lat and lng, or an address', { argument: 'input' });
    if (address.length < 5 || address.length > 200) throw badInput('address must be 5 to 200 characters', { argument: 'input.address' });
    const found = await ozmap.listProperties({ filter: [{ property: 'address', operator: 'like', value: address }], select: ['address', 'coords'], limit: 1 });
    const p = found.rows[0];
    if (!p) throw notFound(`OZmap knows no premises at "${address.slice(0, 80)}"; send lat and lng instead`, { argument: 'input.address' });
    return { point: boxPoint(p), resolvedAddress: p.address };
  }

  async function check(q: CoverageQuery): Promise<CoverageResult> {
    if (q.radiusMeters != null && !(Number.isInteger(q.radiusMeters) && q.radiusMeters > 0 && q.radiusMeters <= opts.maxRadiusM)) {
      throw badInput(`radiusMeters must be a whole number of metres from 1 to ${opts.maxRadiusM}`, { argument: 'input.radiusMeters' });
    }
    const plan = q.plan ? await requirePlan(store, q.plan) : null;
    const { point, resolvedAddress } = await resolvePoint(q);
    const [viability, planRegions] = await Promise.all([
      ozmap.viabilityByRadius({ ...point, radius: q.radiusMeters ?? opts.defaultRadiusM }),
      plan?.regionTags.length ? regions.forTags(plan.regionTags) : Promise.resolve(undefined),
    ]);
    let boxes = viability.boxes;
    const unviable: UnviableBoxResult[] = [...viability.unviableBoxes];
    if (planRegions) {
      const outside = boxes.filter((b) => !inAnyRegion(boxPoint(b), planRegions));
      boxes = boxes.filter((b) => !outside.includes(b));
      unviable.push(...outside.map(({ freePorts: _f, splitters: _s, ...b }) => ({ ...b, reason: 'OUTSIDE_PLAN_REGION' as const })));
      unviable.sort((a, b) => a.distance - b.distance);
    }
    return { viable: boxes.length > 0, point, resolvedAddress, radiusMeters: viability.radius, plan, boxes, unviableBoxes: unviable };
  }

  return { check };
}
export type Feasibility = ReturnType<typeof createFeasibility>;
