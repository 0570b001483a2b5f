/**
 * The route template of a vendor call, for span attributes (and metric labels): the path with the
 * segments that identify a record replaced by `{id}`, so `/properties/65a1f0c00cfac8a134776517` and
 * `/properties/65a1f0c00cfac8a134776518` are one route. A segment is an identifier when it is a number, a
 * UUID, or a long hex string (OZmap and other Mongo-style ids); names such as `vision360` or `v1` stay.
 * A client that knows its template better passes `route` on the request instead.
 */
const ID_SEGMENT = /^(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{12,})$/i;

export function routeTemplate(path: string): string {
  const bare = path.split('?')[0]!;
  return bare
    .split('/')
    .map((seg) => (ID_SEGMENT.test(decodeSegment(seg)) ? '{id}' : seg))
    .join('/');
}

function decodeSegment(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    return seg;
  }
}
