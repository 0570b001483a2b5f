import { randomBytes } from 'node:crypto';
import { haversineMeters, pointInPolygon, type LatLng } from '../../../platform/geo';
import type {
  LngLat,
  OzmapBox,
  OzmapCreateProperty,
  OzmapFilter,
  OzmapProperty,
  OzmapRegion,
  OzmapSplitter,
  OzmapTag,
  OzmapUnviableBox,
  OzmapViability,
  OzmapViableBox,
} from '../types';
import { generateNetwork, type OzmapNetworkSeed } from './seed';

/** A sandbox answer that is not 2xx: the status and OZmap's message. */
export class OzmapSandboxError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export type Collection = 'boxes' | 'splitters' | 'regions' | 'tags' | 'properties';
type Doc = { id: string } & Record<string, unknown>;

/** Which fields of a collection `populate` may expand, and into which collection. */
const REFERENCES: Record<Collection, Record<string, Collection>> = {
  boxes: { tags: 'tags' },
  splitters: { parent: 'boxes' },
  regions: { tags: 'tags' },
  tags: {},
  properties: { box: 'boxes' },
};

export const OPERATORS = new Set(['=', 'like', '!=', 'near', 'all', 'exists', '<', '<=', '>', '>=', 'in', 'notin', 'within', 'point-intersect']);

const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
const getPath = (doc: unknown, path: string): unknown => path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), doc);
const asLatLng = (v: unknown): LatLng | undefined => {
  if (Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === 'number')) return { lng: v[0] as number, lat: v[1] as number };
  if (v && typeof v === 'object' && typeof (v as LatLng).lat === 'number' && typeof (v as LatLng).lng === 'number') return v as LatLng;
  return undefined;
};
const polygonRings = (v: unknown): LngLat[][] | undefined => {
  const coords = v && typeof v === 'object' && !Array.isArray(v) ? (v as { coordinates?: unknown }).coordinates : v;
  return Array.isArray(coords) && Array.isArray(coords[0]) && Array.isArray((coords[0] as unknown[])[0]) ? (coords as LngLat[][]) : undefined;
};
const same = (a: unknown, b: unknown) => (a && typeof a === 'object' && 'id' in a ? (a as Doc).id : a) === b;

/** One filter of OZmap's list API against one document. */
export function matches(doc: Doc, f: OzmapFilter): boolean {
  const field = getPath(doc, f.property);
  const values = Array.isArray(f.value) ? f.value : [f.value];
  switch (f.operator) {
    case '=':
      return Array.isArray(field) ? field.some((x) => same(x, f.value)) : same(field, f.value);
    case '!=':
      return !matches(doc, { ...f, operator: '=' });
    case 'like':
      return typeof field === 'string' && fold(field).includes(fold(String(f.value).replace(/%/g, '')));
    case 'in':
      return Array.isArray(field) ? field.some((x) => values.some((v) => same(x, v))) : values.some((v) => same(field, v));
    case 'notin':
      return !matches(doc, { ...f, operator: 'in' });
    case 'all':
      return Array.isArray(field) && values.every((v) => field.some((x) => same(x, v)));
    case 'exists':
      return (field !== undefined && field !== null) === Boolean(f.value);
    case '<':
    case '<=':
    case '>':
    case '>=': {
      if (field === undefined || field === null) return false;
      const [a, b] = [field as number | string, f.value as number | string];
      return f.operator === '<' ? a < b : f.operator === '<=' ? a <= b : f.operator === '>' ? a > b : a >= b;
    }
    case 'near': {
      const v = f.value as { lat?: unknown; lng?: unknown; radius?: unknown };
      const at = asLatLng(field);
      const centre = asLatLng(v);
      if (!at || !centre || typeof v.radius !== 'number') throw new OzmapSandboxError(400, 'near expects {lat, lng, radius} on a coordinate field');
      return haversineMeters(at, centre) <= v.radius;
    }
    case 'within': {
      const rings = polygonRings(f.value);
      const at = asLatLng(field);
      if (!rings) throw new OzmapSandboxError(400, 'within expects a GeoJSON polygon');
      return Boolean(at && pointInPolygon(at, rings));
    }
    case 'point-intersect': {
      const p = asLatLng(f.value);
      const rings = polygonRings(field);
      if (!p) throw new OzmapSandboxError(400, 'point-intersect expects [lng, lat] or {lat, lng}');
      return Boolean(rings && pointInPolygon(p, rings));
    }
    default:
      throw new OzmapSandboxError(400, `unknown filter operator ${JSON.stringify(f.operator)}`);
  }
}

export interface ListQuery {
  page: number;
  limit: number;
  select?: string[];
  populate?: string[];
  filter: OzmapFilter[];
  sort?: string;
}

const clone = <T>(x: T): T => structuredClone(x);

/**
 * The sandbox's network state. Ports are busy when a property's `connection` points at them; the
 * `occupied` index is kept in step with every create and delete, and a check-and-connect happens in one
 * synchronous step, so two requests racing for one port cannot both get it.
 */
export function createOzmapData(opts: { seed?: number; defaultRadius: number; now?: () => Date }) {
  const now = opts.now ?? (() => new Date());
  let db: Record<Collection, Map<string, Doc>>;
  let occupied: Map<string, string>;
  const portKey = (splitter: string, port: number) => `${splitter}#${port}`;

  function load(seed: OzmapNetworkSeed) {
    const toMap = <T extends { id: string }>(xs: T[]) => new Map(xs.map((x) => [x.id, clone(x) as unknown as Doc]));
    db = { tags: toMap(seed.tags), regions: toMap(seed.regions), boxes: toMap(seed.boxes), splitters: toMap(seed.splitters), properties: toMap(seed.properties) };
    occupied = new Map();
    for (const p of seed.properties) if (p.connection) occupied.set(portKey(p.connection.splitter, p.connection.port), p.id);
  }
  const seeded = generateNetwork(opts.seed);
  load(seeded);

  const boxes = () => [...db.boxes.values()] as unknown as OzmapBox[];
  const splittersOf = (boxId: string) => ([...db.splitters.values()] as unknown as OzmapSplitter[]).filter((s) => s.parent === boxId);
  const freePortsOf = (s: OzmapSplitter) => s.ports.filter((p) => !p.blocked && !occupied.has(portKey(s.id, p.index))).map((p) => p.index);

  function populate(collection: Collection, doc: Doc, fields: string[]): Doc {
    const out = { ...doc };
    for (const f of fields) {
      const target = REFERENCES[collection][f];
      if (!target) throw new OzmapSandboxError(400, `${collection} cannot populate ${JSON.stringify(f)}`);
      const v = out[f];
      out[f] = Array.isArray(v) ? v.map((id) => db[target].get(id as string) ?? id) : typeof v === 'string' ? (db[target].get(v) ?? v) : v;
    }
    return out;
  }

  function project(doc: Doc, select?: string[]): Doc {
    if (!select?.length) return doc;
    const out: Doc = { id: doc.id };
    for (const f of select) if (f in doc) out[f] = doc[f];
    return out;
  }

  function list(collection: Collection, q: ListQuery, basePath: string) {
    let rows = [...db[collection].values()].filter((d) => q.filter.every((f) => matches(d, f)));
    const near = q.filter.find((f) => f.operator === 'near');
    if (q.sort) {
      const desc = q.sort.startsWith('-');
      const key = q.sort.replace(/^[-+]/, '');
      rows.sort((a, b) => {
        const [x, y] = [getPath(a, key) as string | number, getPath(b, key) as string | number];
        return (x < y ? -1 : x > y ? 1 : 0) * (desc ? -1 : 1);
      });
    } else if (near) {
      // like MongoDB's $near: nearest first
      const centre = asLatLng(near.value)!;
      const d = (doc: Doc) => haversineMeters(asLatLng(getPath(doc, near.property))!, centre);
      rows.sort((a, b) => d(a) - d(b));
    }
    const total = rows.length;
    const start = (q.page - 1) * q.limit;
    rows = rows.slice(start, start + q.limit);
    const hasNextPage = start + rows.length < total;
    const next = new URLSearchParams();
    next.set('page', String(q.page + 1));
    next.set('limit', String(q.limit));
    if (q.select?.length) next.set('select', q.select.join(','));
    if (q.populate?.length) next.set('populate', q.populate.join(','));
    if (q.filter.length) next.set('filter', JSON.stringify(q.filter));
    if (q.sort) next.set('sort', q.sort);
    return {
      total,
      count: rows.length,
      start,
      limit: q.limit,
      rows: rows.map((d) => project(populate(collection, clone(d), q.populate ?? []), q.select)),
      hasNextPage,
      nextUrl: hasNextPage ? `${basePath}?${next.toString()}` : null,
    };
  }

  function get(collection: Collection, id: string, populateFields: string[] = []): Doc {
    const doc = db[collection].get(id);
    if (!doc) throw new OzmapSandboxError(404, `${collection.replace(/e?s$/, '')} ${id} not found`);
    return populate(collection, clone(doc), populateFields);
  }

  /**
   * Feasibility by radius: every box within `radius` metres on the sphere; viable when implanted and at
   * least one implanted service splitter (isDrop) has a port neither blocked nor connected.
   */
  function viability(at: LatLng, radius = opts.defaultRadius): OzmapViability {
    const viable: OzmapViableBox[] = [];
    const unviable: OzmapUnviableBox[] = [];
    for (const b of boxes()) {
      const distance = haversineMeters(at, { lat: b.coords[1], lng: b.coords[0] });
      if (distance > radius) continue;
      const base = { id: b.id, name: b.name, address: b.address, coords: b.coords, implanted: b.implanted, distance: Math.round(distance * 10) / 10 };
      if (!b.implanted) {
        unviable.push({ ...base, reason: 'NOT_IMPLANTED' });
        continue;
      }
      const service = splittersOf(b.id).filter((s) => s.isDrop && s.implanted);
      if (!service.length) {
        unviable.push({ ...base, reason: 'NO_SERVICE_SPLITTER' });
        continue;
      }
      const splitters = service.map((s) => ({ id: s.id, name: s.name, freePorts: freePortsOf(s) })).filter((s) => s.freePorts.length);
      const freePorts = splitters.reduce((n, s) => n + s.freePorts.length, 0);
      if (!freePorts) unviable.push({ ...base, reason: 'NO_FREE_PORTS' });
      else viable.push({ ...base, freePorts, splitters });
    }
    viable.sort((a, b) => a.distance - b.distance);
    unviable.sort((a, b) => a.distance - b.distance);
    return { viable: viable.length > 0, lat: at.lat, lng: at.lng, radius, boxes: viable, unviableBoxes: unviable };
  }

  const objectId = () => Math.floor(now().getTime() / 1000).toString(16).padStart(8, '0').slice(-8) + randomBytes(8).toString('hex');

  /** Ours: creating a property with a `connection` connects it to that splitter port, or fails with 409. */
  function createProperty(body: OzmapCreateProperty): OzmapProperty {
    if (!body || typeof body !== 'object') throw new OzmapSandboxError(400, 'body must be a property object');
    if (typeof body.address !== 'string' || !body.address.trim()) throw new OzmapSandboxError(400, 'address is required');
    const at = asLatLng(body.coords);
    if (!at || Math.abs(at.lat) > 90 || Math.abs(at.lng) > 180) throw new OzmapSandboxError(400, 'coords must be [lng, lat]');
    const box = db.boxes.get(body.box) as unknown as OzmapBox | undefined;
    if (!box) throw new OzmapSandboxError(400, `box ${body.box} does not exist`);
    if (body.connection) {
      const s = db.splitters.get(body.connection.splitter) as unknown as OzmapSplitter | undefined;
      if (!s || s.parent !== box.id) throw new OzmapSandboxError(400, `splitter ${body.connection.splitter} is not in box ${box.name}`);
      if (!box.implanted || !s.implanted) throw new OzmapSandboxError(400, `box ${box.name} is "Em projeto": it cannot take connections`);
      const port = s.ports.find((p) => p.index === body.connection.port);
      if (!port) throw new OzmapSandboxError(400, `splitter ${s.name} has no port ${body.connection.port}`);
      if (port.blocked) throw new OzmapSandboxError(409, `port ${port.index} of ${box.name} is blocked`);
      if (occupied.has(portKey(s.id, port.index))) throw new OzmapSandboxError(409, `port ${port.index} of ${box.name} is already connected`);
    }
    const stamp = now().toISOString();
    const property: OzmapProperty = {
      id: objectId(),
      address: body.address,
      coords: [at.lng, at.lat],
      box: box.id,
      client: body.client ?? null,
      connection: body.connection ?? null,
      implanted: Boolean(body.implanted),
      observation: body.observation ?? '',
      createdAt: stamp,
      updatedAt: stamp,
    };
    db.properties.set(property.id, property as unknown as Doc);
    if (property.connection) occupied.set(portKey(property.connection.splitter, property.connection.port), property.id);
    return clone(property);
  }

  function updateProperty(id: string, patch: Partial<OzmapProperty>): OzmapProperty {
    const p = db.properties.get(id) as unknown as OzmapProperty | undefined;
    if (!p) throw new OzmapSandboxError(404, `property ${id} not found`);
    if (!patch || typeof patch !== 'object') throw new OzmapSandboxError(400, 'body must be an object');
    if (patch.implanted !== undefined) p.implanted = Boolean(patch.implanted);
    if (typeof patch.observation === 'string') p.observation = patch.observation;
    if (typeof patch.address === 'string') p.address = patch.address;
    p.updatedAt = now().toISOString();
    return clone(p);
  }

  /** Deleting a property disconnects it: its port is free again. */
  function deleteProperty(id: string): void {
    const p = db.properties.get(id) as unknown as OzmapProperty | undefined;
    if (!p) throw new OzmapSandboxError(404, `property ${id} not found`);
    db.properties.delete(id);
    if (p.connection && occupied.get(portKey(p.connection.splitter, p.connection.port)) === id) occupied.delete(portKey(p.connection.splitter, p.connection.port));
  }

  return {
    defaultRadius: opts.defaultRadius,
    list,
    get,
    viability,
    createProperty,
    updateProperty,
    deleteProperty,
    freePortsOf,
    splittersOf,
    reset: () => load(seeded),
    counts: () => ({ boxes: db.boxes.size, splitters: db.splitters.size, regions: db.regions.size, tags: db.tags.size, properties: db.properties.size }),
    regions: () => [...db.regions.values()] as unknown as OzmapRegion[],
    tags: () => [...db.tags.values()] as unknown as OzmapTag[],
  };
}
export type OzmapData = ReturnType<typeof createOzmapData>;
