// The area of interest between GeoJSON (what the API stores, RFC 7946) and Leaflet (what
// the map draws): a set of drawn polygons and rectangles becomes one Polygon or
// MultiPolygon with closed, counter-clockwise outer rings, and back.
import type * as GeoJSON from "geojson";

export type Area = GeoJSON.Polygon | GeoJSON.MultiPolygon;
type Ring = GeoJSON.Position[];

/** Twice the signed area of a ring in lon/lat: positive when counter-clockwise. */
export function signedArea(ring: Ring): number {
  let sum = 0;
  for (let i = 0; i < ring.length; i++) {
    const [x1 = 0, y1 = 0] = ring[i] ?? [];
    const [x2 = 0, y2 = 0] = ring[(i + 1) % ring.length] ?? [];
    sum += x1 * y2 - x2 * y1;
  }
  return sum;
}

function closed(ring: Ring): Ring {
  const first = ring[0];
  const last = ring[ring.length - 1];
  if (!first || !last) return ring;
  return first[0] === last[0] && first[1] === last[1] ? ring : [...ring, first];
}

/** RFC 7946 §3.1.6: exterior rings counter-clockwise, holes clockwise; rings closed. */
export function orientPolygon(rings: Ring[]): Ring[] {
  return rings.map((ring, index) => {
    const ring2 = closed(ring);
    const ccw = signedArea(ring2) > 0;
    const wantCcw = index === 0;
    return ccw === wantCcw ? ring2 : [...ring2].reverse();
  });
}

/** The polygons (each a list of rings) of any geometries; other kinds are left out. */
export function polygonsOf(geometries: (GeoJSON.Geometry | null | undefined)[]): Ring[][] {
  const out: Ring[][] = [];
  for (const geometry of geometries) {
    if (!geometry) continue;
    if (geometry.type === "Polygon") out.push(geometry.coordinates);
    else if (geometry.type === "MultiPolygon") out.push(...geometry.coordinates);
    else if (geometry.type === "GeometryCollection") out.push(...polygonsOf(geometry.geometries));
  }
  return out.filter((rings) => (rings[0]?.length ?? 0) >= 3);
}

/** Drawn shapes -> the area to save: null for none, a Polygon for one, else a MultiPolygon. */
export function combineArea(geometries: (GeoJSON.Geometry | null | undefined)[]): Area | null {
  const polygons = polygonsOf(geometries).map(orientPolygon);
  if (polygons.length === 0) return null;
  if (polygons.length === 1) return { type: "Polygon", coordinates: polygons[0] ?? [] };
  return { type: "MultiPolygon", coordinates: polygons };
}

/** Leaflet bounds ([[south, west], [north, east]]) of an area, or null when there is none. */
export function areaBounds(area: Area | null): [[number, number], [number, number]] | null {
  const points = polygonsOf([area]).flatMap((rings) => rings.flat());
  if (points.length === 0) return null;
  const lons = points.map((p) => p[0] ?? 0);
  const lats = points.map((p) => p[1] ?? 0);
  return [
    [Math.min(...lats), Math.min(...lons)],
    [Math.max(...lats), Math.max(...lons)],
  ];
}

/** "2 polygons, 12.3 × 4.5°" style summary for people (and tests) to read. */
export function describeArea(area: Area | null): string {
  const bounds = areaBounds(area);
  if (!area || !bounds) return "No area of interest.";
  const count = area.type === "Polygon" ? 1 : area.coordinates.length;
  const [[south, west], [north, east]] = bounds;
  const f = (n: number) => n.toFixed(2);
  return `${count} ${count === 1 ? "polygon" : "polygons"} within ${f(west)}…${f(east)}° E, ${f(south)}…${f(north)}° N`;
}

/** A west/south/east/north box as a counter-clockwise Polygon, or why it is not one. */
export function bboxArea(west: number, south: number, east: number, north: number): Area | string {
  if (![west, south, east, north].every(Number.isFinite)) return "Give four numbers.";
  if (west < -180 || east > 180 || south < -90 || north > 90)
    return "Longitudes go from -180 to 180 and latitudes from -90 to 90.";
  if (west >= east) return "West must be less than east.";
  if (south >= north) return "South must be less than north.";
  return bboxPolygon([west, south, east, north]);
}

/** A west/south/east/north box as a GeoJSON Polygon (closed, counter-clockwise ring). */
export function bboxPolygon([west, south, east, north]: [number, number, number, number]): GeoJSON.Polygon {
  return {
    type: "Polygon",
    coordinates: [
      [
        [west, south],
        [east, south],
        [east, north],
        [west, north],
        [west, south],
      ],
    ],
  };
}
