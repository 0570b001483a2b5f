/**
 * OZmap API v2 wire shapes, with OZmap's own field names (ozmap-sdk / API docs). Coordinates are GeoJSON
 * order `[lng, lat]`. Parts OZmap has not published (the viability answer, how a property holds its
 * splitter connection) are Switchboard's design and marked "ours"; the sandbox follows them exactly.
 */

export type LngLat = [number, number];

/** `POST /users/login?type=API` body */
export interface OzmapLoginRequest {
  login: string;
  password: string;
}

/** `POST /users/login?type=API` answer: the API key is in `authorization`. */
export interface OzmapLoginResponse {
  authorization: string;
  user: { id: string; username: string; name: string };
}

export interface OzmapTag {
  id: string;
  name: string;
  color: string;
  /** what the tag may be put on */
  type: 'region' | 'box' | 'client';
}

export interface OzmapBox {
  id: string;
  name: string;
  address: string;
  /** false = "Em projeto": planned in a project, not built yet */
  implanted: boolean;
  draft: boolean;
  coords: LngLat;
  /** tag ids (tag objects with populate=tags) */
  tags: (string | OzmapTag)[];
  project: string;
  pole: string | null;
  /** box type id, e.g. CTO 16 */
  boxType: string;
  hierarchyLevel: number;
  createdAt: string;
  updatedAt: string;
}

export interface OzmapSplitterPort {
  index: number;
  blocked: boolean;
  tags: string[];
  observation: string;
}

export interface OzmapSplitter {
  id: string;
  name: string;
  /** the box holding this splitter (a box object with populate=parent) */
  parent: string | OzmapBox;
  kind: 'Splitter';
  /** "splitter de atendimento": its outputs serve customer drops; only these count for feasibility */
  isDrop: boolean;
  implanted: boolean;
  splitterType: string;
  ratio: { input: number; output: number };
  ports: OzmapSplitterPort[];
}

export interface OzmapRegion {
  id: string;
  name: string;
  /** GeoJSON polygon: rings of [lng, lat], first ring the outer boundary */
  polygon: { type: 'Polygon'; coordinates: LngLat[][] };
  tags: (string | OzmapTag)[];
}

/** The integrator's customer as OZmap stores it on a property (ours: embedded, `code` is our id for it). */
export interface OzmapPropertyClient {
  name: string;
  code: string;
  email?: string;
  phone?: string;
}

/** Ours: the splitter output a property's drop cable is connected to. */
export interface OzmapPropertyConnection {
  splitter: string;
  port: number;
}

/** A customer premises, connected to a box and (when it has service or a reservation) a splitter port. */
export interface OzmapProperty {
  id: string;
  address: string;
  coords: LngLat;
  box: string | null;
  client: OzmapPropertyClient | null;
  connection: OzmapPropertyConnection | null;
  /** false while the connection is only reserved; true once the service is activated */
  implanted: boolean;
  observation: string;
  createdAt: string;
  updatedAt: string;
}

export interface OzmapCreateProperty {
  address: string;
  coords: LngLat;
  box: string;
  client: OzmapPropertyClient;
  connection: OzmapPropertyConnection;
  implanted: boolean;
  observation?: string;
}

export type OzmapUpdateProperty = Partial<Pick<OzmapProperty, 'implanted' | 'observation' | 'address'>>;

export type OzmapFilterOperator = '=' | 'like' | '!=' | 'near' | 'all' | 'exists' | '<' | '<=' | '>' | '>=' | 'in' | 'notin' | 'within' | 'point-intersect';

export interface OzmapFilter {
  property: string;
  operator: OzmapFilterOperator;
  value: unknown;
}

/** The documented list parameters of every collection. `page` is 1-based. */
export interface OzmapListParams {
  page?: number;
  limit?: number;
  /** field names to return (`id` always comes back) */
  select?: string[];
  /** reference fields to replace by the referenced objects */
  populate?: string[];
  filter?: OzmapFilter[];
  sort?: string;
}

export interface OzmapPage<T> {
  total: number;
  count: number;
  start: number;
  limit: number;
  rows: T[];
  hasNextPage: boolean;
  nextUrl: string | null;
}

export type OzmapUnviableReason = 'NOT_IMPLANTED' | 'NO_SERVICE_SPLITTER' | 'NO_FREE_PORTS';

/** Ours: one box of a viability answer. `distance` in metres on the sphere from the asked point. */
export interface OzmapViabilityBox {
  id: string;
  name: string;
  address: string;
  coords: LngLat;
  implanted: boolean;
  distance: number;
}

export interface OzmapViableBox extends OzmapViabilityBox {
  freePorts: number;
  splitters: { id: string; name: string; freePorts: number[] }[];
}

export interface OzmapUnviableBox extends OzmapViabilityBox {
  reason: OzmapUnviableReason;
}

/** Ours: `GET /ftth-viability/radius` answer. Both lists are sorted by distance, nearest first. */
export interface OzmapViability {
  viable: boolean;
  lat: number;
  lng: number;
  /** the radius used, in metres (the server's default when the request gave none) */
  radius: number;
  boxes: OzmapViableBox[];
  unviableBoxes: OzmapUnviableBox[];
}

/** OZmap's error body */
export interface OzmapErrorBody {
  message: string;
  status: number;
}
