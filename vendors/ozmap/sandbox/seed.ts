import { createRandom, type Random } from '../../../platform/sandbox/prng';
import { destination, haversineMeters, pointInPolygon, type LatLng } from '../../../platform/geo';
import type { LngLat, OzmapBox, OzmapProperty, OzmapRegion, OzmapSplitter, OzmapTag } from '../types';

/**
 * A deterministic FTTH network in Florianópolis (SC): neighbourhood regions as polygons with plan tags,
 * a few hundred CTO boxes inside them (some "Em projeto"), service splitters with busy, free and blocked
 * ports, and the customer properties that occupy the busy ports. Same seed → same network, byte for byte.
 *
 * Around Praça XV (Centro) sits a hand-placed demo cluster, `CTO-CEN-DEMO-01..07`, whose geometry the
 * README and the tests rely on (see DEMO_BOXES). Generated boxes keep 600 m away from it.
 */


export const DEFAULT_SEED = 20_240_611;
/** Praça XV de Novembro, Centro, Florianópolis */
export const DEMO_CENTER: LatLng = { lat: -27.5969, lng: -48.5495 };
/** A point in Baía Norte, kilometres from any box */
export const OPEN_WATER: LatLng = { lat: -27.5, lng: -48.6 };

export interface DemoBox {
  name: string;
  distance: number;
  bearing: number;
  implanted: boolean;
  /** port states of the single service splitter: b busy, x blocked, . free; null = no service splitter */
  ports: string | null;
  note: string;
}

/** The demo cluster: distance (m) and bearing from DEMO_CENTER. West of the centre is region "Centro Oeste". */
export const DEMO_BOXES: DemoBox[] = [
  { name: 'CTO-CEN-DEMO-01', distance: 40, bearing: 45, implanted: true, ports: 'bbbx....', note: '4 free ports, region Centro Leste (premium)' },
  { name: 'CTO-CEN-DEMO-02', distance: 90, bearing: 90, implanted: true, ports: 'bbbbbbb.', note: 'exactly one free port (the race)' },
  { name: 'CTO-CEN-DEMO-03', distance: 120, bearing: 170, implanted: false, ports: '........', note: 'Em projeto: free ports but not built' },
  { name: 'CTO-CEN-DEMO-04', distance: 160, bearing: 250, implanted: true, ports: 'bbxbbbxb', note: 'full: 6 busy, 2 blocked' },
  { name: 'CTO-CEN-DEMO-05', distance: 200, bearing: 20, implanted: true, ports: null, note: 'only a distribution splitter' },
  { name: 'CTO-CEN-DEMO-06', distance: 70, bearing: 300, implanted: true, ports: 'bbbbbbbbbb......', note: '6 free ports, region Centro Oeste (not premium)' },
  { name: 'CTO-CEN-DEMO-07', distance: 350, bearing: 120, implanted: true, ports: 'bb......', note: 'outside the default 250 m radius' },
];

/** A premises OZmap already knows, 30 m north of the centre, used to resolve an address to coordinates. */
export const DEMO_PREMISES = { address: 'Rua Felipe Schmidt, 321 - Centro, Florianópolis - SC', distance: 30, bearing: 0 };

const TAGS: { name: string; color: string; type: OzmapTag['type'] }[] = [
  { name: 'residencial', color: '#2e7d32', type: 'region' },
  { name: 'premium', color: '#6a1b9a', type: 'region' },
  { name: 'empresarial', color: '#1565c0', type: 'region' },
  { name: 'cto', color: '#757575', type: 'box' },
];

interface Hood {
  code: string;
  name: string;
  center: LatLng;
  radius: number;
  tags: string[];
  boxes: number;
  streets: string[];
}

const HOODS: Hood[] = [
  { code: 'AGR', name: 'Agronômica', center: { lat: -27.58, lng: -48.538 }, radius: 650, tags: ['residencial', 'premium'], boxes: 30, streets: ['Rua Rui Barbosa', 'Rua Frei Caneca', 'Avenida Beira-Mar Norte', 'Rua Delminda Silveira'] },
  { code: 'TRI', name: 'Trindade', center: { lat: -27.588, lng: -48.522 }, radius: 700, tags: ['residencial', 'empresarial'], boxes: 36, streets: ['Rua Lauro Linhares', 'Rua Capitão Romualdo de Barros', 'Rua Deputado Antônio Edu Vieira', 'Servidão Lourival Cascaes'] },
  { code: 'CGR', name: 'Córrego Grande', center: { lat: -27.598, lng: -48.507 }, radius: 600, tags: ['residencial'], boxes: 28, streets: ['Rua João Pio Duarte Silva', 'Rua Rosa', 'Rua Capitão Américo'] },
  { code: 'ITA', name: 'Itacorubi', center: { lat: -27.581, lng: -48.495 }, radius: 650, tags: ['empresarial', 'premium'], boxes: 30, streets: ['Rodovia Admar Gonzaga', 'Rua Jornalista Tito Carvalho', 'Rua Lauro Müller'] },
  { code: 'SDL', name: 'Saco dos Limões', center: { lat: -27.61, lng: -48.533 }, radius: 600, tags: ['residencial'], boxes: 26, streets: ['Rua Aldo Alves', 'Rua Jerônimo José Dias', 'Rodovia Admar Gonzaga'] },
  { code: 'EST', name: 'Estreito', center: { lat: -27.588, lng: -48.578 }, radius: 750, tags: ['residencial'], boxes: 36, streets: ['Rua Fúlvio Aducci', 'Rua General Liberato Bittencourt', 'Rua Santos Saraiva'] },
  { code: 'LAG', name: 'Lagoa da Conceição', center: { lat: -27.601, lng: -48.47 }, radius: 650, tags: ['residencial', 'premium'], boxes: 26, streets: ['Avenida Afonso Delambert Neto', 'Rua Henrique Veras do Nascimento', 'Rua Laurindo Januário da Silveira'] },
  { code: 'CAM', name: 'Campeche', center: { lat: -27.68, lng: -48.488 }, radius: 900, tags: ['residencial'], boxes: 34, streets: ['Avenida Pequeno Príncipe', 'Rua da Capela', 'Rua Francisco Vieira'] },
  { code: 'ING', name: 'Ingleses', center: { lat: -27.437, lng: -48.393 }, radius: 900, tags: ['residencial'], boxes: 34, streets: ['Rodovia Armando Calil Bulos', 'Rua das Gaivotas', 'Rua Dom João Becker'] },
];
const CENTRO_STREETS = ['Rua Felipe Schmidt', 'Rua Trajano', 'Rua Conselheiro Mafra', 'Avenida Hercílio Luz', 'Rua Esteves Júnior', 'Rua Bocaiúva'];
const FIRST = ['Ana', 'Bruno', 'Carla', 'Diego', 'Eduarda', 'Felipe', 'Gabriela', 'Henrique', 'Isabela', 'João', 'Larissa', 'Marcos', 'Natália', 'Otávio', 'Paula', 'Rafael', 'Sofia', 'Thiago', 'Vitória'];
const LAST = ['Silva', 'Souza', 'Oliveira', 'Pereira', 'Costa', 'Rodrigues', 'Almeida', 'Nascimento', 'Lima', 'Araújo', 'Fernandes', 'Carvalho', 'Schmitt', 'Vieira'];

export interface OzmapNetworkSeed {
  tags: OzmapTag[];
  regions: OzmapRegion[];
  boxes: OzmapBox[];
  splitters: OzmapSplitter[];
  properties: OzmapProperty[];
}

const lngLat = (p: LatLng): LngLat => [Number(p.lng.toFixed(7)), Number(p.lat.toFixed(7))];

/** An irregular 8-gon around `center`: radius varies ±20 % per vertex. */
function hoodPolygon(rng: Random, center: LatLng, radius: number): LngLat[] {
  const ring: LngLat[] = [];
  for (let i = 0; i < 8; i++) ring.push(lngLat(destination(center, radius * (0.85 + rng.next() * 0.35), i * 45)));
  ring.push(ring[0]!);
  return ring;
}

function rectangle(center: LatLng, west: number, east: number, south: number, north: number): LngLat[] {
  const n = destination(center, north, 0).lat;
  const s = destination(center, south, 180).lat;
  const e = destination(center, east, 90).lng;
  const w = destination(center, west, 270).lng;
  return [[w, s], [e, s], [e, n], [w, n], [w, s]].map(([x, y]) => [Number(x!.toFixed(7)), Number(y!.toFixed(7))] as LngLat);
}

export function generateNetwork(seed = DEFAULT_SEED): OzmapNetworkSeed {
  const rng = createRandom(seed);
  const created = '2024-03-04T12:00:00.000Z';
  const tags: OzmapTag[] = TAGS.map((t) => ({ id: rng.objectId(), ...t }));
  const tagId = (name: string) => tags.find((t) => t.name === name)!.id;
  const ctoTag = tagId('cto');
  const project = rng.objectId();
  const boxType8 = rng.objectId();
  const boxType16 = rng.objectId();
  const splitterType8 = rng.objectId();
  const splitterType16 = rng.objectId();

  const regions: OzmapRegion[] = [];
  const boxes: OzmapBox[] = [];
  const splitters: OzmapSplitter[] = [];
  const properties: OzmapProperty[] = [];

  const person = () => `${rng.pick(FIRST)} ${rng.pick(LAST)} ${rng.pick(LAST)}`;
  let clientSeq = 1000;
  const addProperty = (box: OzmapBox, splitter: OzmapSplitter | null, port: number | null, address: string, at: LatLng) => {
    const name = person();
    properties.push({
      id: rng.objectId(),
      address,
      coords: lngLat(at),
      box: box.id,
      client: { name, code: `CLI-${++clientSeq}`, email: `${name.split(' ')[0]!.toLowerCase()}.${clientSeq}@example.com.br`, phone: `+55 48 9${rng.int(8000, 9999)}-${rng.int(1000, 9999)}` },
      connection: splitter && port !== null ? { splitter: splitter.id, port } : null,
      implanted: Boolean(splitter),
      observation: '',
      createdAt: created,
      updatedAt: created,
    });
  };

  const addBox = (name: string, at: LatLng, implanted: boolean, address: string, size: 8 | 16): OzmapBox => {
    const box: OzmapBox = {
      id: rng.objectId(),
      name,
      address,
      implanted,
      draft: !implanted && rng.chance(0.5),
      coords: lngLat(at),
      tags: [ctoTag],
      project,
      pole: rng.chance(0.8) ? rng.objectId() : null,
      boxType: size === 16 ? boxType16 : boxType8,
      hierarchyLevel: 2,
      createdAt: created,
      updatedAt: created,
    };
    boxes.push(box);
    return box;
  };

  /** `ports`: b busy (a property connected), x blocked, . free */
  const addSplitter = (box: OzmapBox, isDrop: boolean, ports: string, streets: string[]) => {
    const splitter: OzmapSplitter = {
      id: rng.objectId(),
      name: `${isDrop ? 'SPL-AT' : 'SPL-DIST'} 1:${ports.length}`,
      parent: box.id,
      kind: 'Splitter',
      isDrop,
      implanted: box.implanted,
      splitterType: ports.length === 16 ? splitterType16 : splitterType8,
      ratio: { input: 1, output: ports.length },
      ports: [...ports].map((c, i) => ({ index: i + 1, blocked: c === 'x', tags: [], observation: c === 'x' ? 'porta danificada' : '' })),
    };
    splitters.push(splitter);
    const at = { lat: box.coords[1], lng: box.coords[0] };
    [...ports].forEach((c, i) => {
      if (c !== 'b') return;
      addProperty(box, splitter, i + 1, `${rng.pick(streets)}, ${rng.int(10, 1999)}`, destination(at, rng.int(5, 120), rng.int(0, 359)));
    });
    return splitter;
  };

  // Centro: two rectangles split on the demo centre's meridian; east is premium, west is not.
  regions.push({ id: rng.objectId(), name: 'Centro Leste', polygon: { type: 'Polygon', coordinates: [rectangle(DEMO_CENTER, 0, 1100, 900, 900)] }, tags: [tagId('residencial'), tagId('premium')] });
  regions.push({ id: rng.objectId(), name: 'Centro Oeste', polygon: { type: 'Polygon', coordinates: [rectangle(DEMO_CENTER, 900, 0, 900, 900)] }, tags: [tagId('residencial')] });

  for (const d of DEMO_BOXES) {
    const at = destination(DEMO_CENTER, d.distance, d.bearing);
    const size = d.ports && d.ports.length === 16 ? 16 : 8;
    const box = addBox(d.name, at, d.implanted, `${rng.pick(CENTRO_STREETS)}, ${rng.int(10, 900)} - Centro, Florianópolis - SC`, size);
    if (d.ports) addSplitter(box, true, d.ports, CENTRO_STREETS.map((s) => `${s}`));
    else addSplitter(box, false, '........', CENTRO_STREETS);
  }
  const premisesAt = destination(DEMO_CENTER, DEMO_PREMISES.distance, DEMO_PREMISES.bearing);
  properties.push({ id: rng.objectId(), address: DEMO_PREMISES.address, coords: lngLat(premisesAt), box: null, client: null, connection: null, implanted: false, observation: 'pré-cadastro', createdAt: created, updatedAt: created });

  const generateIn = (code: string, label: string, polygon: LngLat[], center: LatLng, radius: number, count: number, streets: string[], avoid?: { at: LatLng; within: number }) => {
    let made = 0;
    while (made < count) {
      const p = destination(center, radius * Math.sqrt(rng.next()), rng.next() * 360);
      if (!pointInPolygon(p, [polygon])) continue;
      if (avoid && haversineMeters(p, avoid.at) < avoid.within) continue;
      made++;
      const implanted = rng.chance(0.88);
      const size: 8 | 16 = rng.chance(0.3) ? 16 : 8;
      const box = addBox(`CTO-${code}-${String(made).padStart(3, '0')}`, p, implanted, `${rng.pick(streets)}, ${rng.int(10, 2500)} - ${label}, Florianópolis - SC`, size);
      if (implanted && rng.chance(0.08)) {
        addSplitter(box, false, '.'.repeat(8), streets);
        continue;
      }
      const full = rng.chance(0.15);
      const occupancy = full ? 1 : 0.1 + rng.next() * 0.75;
      let ports = '';
      for (let i = 0; i < size; i++) ports += rng.chance(0.08) ? 'x' : !implanted ? '.' : rng.next() < occupancy ? 'b' : '.';
      if (full) ports = ports.replace(/\./g, 'b');
      addSplitter(box, true, ports, streets);
      if (rng.chance(0.1)) addSplitter(box, false, '.'.repeat(8), streets);
    }
  };

  const centroEast = regions[0]!.polygon.coordinates[0]!;
  const centroWest = regions[1]!.polygon.coordinates[0]!;
  generateIn('CEN', 'Centro', centroEast, DEMO_CENTER, 1100, 14, CENTRO_STREETS, { at: DEMO_CENTER, within: 600 });
  generateIn('CEO', 'Centro', centroWest, DEMO_CENTER, 900, 10, CENTRO_STREETS, { at: DEMO_CENTER, within: 600 });
  for (const h of HOODS) {
    const ring = hoodPolygon(rng, h.center, h.radius);
    regions.push({ id: rng.objectId(), name: h.name, polygon: { type: 'Polygon', coordinates: [ring] }, tags: h.tags.map(tagId) });
    generateIn(h.code, h.name, ring, h.center, h.radius, h.boxes, h.streets);
  }
  // A few premises OZmap knows without a connection yet (pre-registrations), outside the demo cluster.
  for (let i = 0; i < 20; i++) {
    const box = boxes[rng.int(DEMO_BOXES.length, boxes.length - 1)]!;
    const at = destination({ lat: box.coords[1], lng: box.coords[0] }, rng.int(20, 150), rng.int(0, 359));
    properties.push({ id: rng.objectId(), address: box.address.replace(/, \d+ -/, `, ${rng.int(10, 2500)} -`), coords: lngLat(at), box: null, client: null, connection: null, implanted: false, observation: 'pré-cadastro', createdAt: created, updatedAt: created });
  }
  return { tags, regions, boxes, splitters, properties };
}
