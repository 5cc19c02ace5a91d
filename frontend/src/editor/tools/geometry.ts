// Geometry helpers of the drawing tools, in image pixels: a box with a fixed aspect ratio,
// holes and extra parts added to a polygon.
import type * as GeoJSON from "geojson";
import type { Pixel } from "../coords";

/** The opposite corner of a box dragged from `anchor` to `cursor`, keeping `ratio`
 * (width / height) when given: the smallest such box that still reaches the cursor. */
export function aspectCorner(anchor: Pixel, cursor: Pixel, ratio: number | null): Pixel {
  if (!ratio || ratio <= 0) return cursor;
  const dx = cursor[0] - anchor[0];
  const dy = cursor[1] - anchor[1];
  let w = Math.abs(dx);
  let h = Math.abs(dy);
  if (w / ratio > h) h = w / ratio;
  else w = h * ratio;
  return [anchor[0] + (dx < 0 ? -w : w), anchor[1] + (dy < 0 ? -h : h)];
}

/** Parses "4:3", "1:1", "free" -> 4/3, 1, null. */
export function parseRatio(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(text.trim());
  if (!match) return null;
  const w = Number(match[1]);
  const h = Number(match[2]);
  return w > 0 && h > 0 ? w / h : null;
}

function closeRing(ring: GeoJSON.Position[]): GeoJSON.Position[] {
  const first = ring[0];
  const last = ring[ring.length - 1];
  if (!first || !last) return ring;
  return first[0] === last[0] && first[1] === last[1] ? ring : [...ring, first];
}

/** Even-odd rule point-in-ring test. */
export function insideRing(point: GeoJSON.Position, ring: GeoJSON.Position[]): boolean {
  const [x, y] = [point[0] ?? 0, point[1] ?? 0];
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = [ring[i]?.[0] ?? 0, ring[i]?.[1] ?? 0];
    const [xj, yj] = [ring[j]?.[0] ?? 0, ring[j]?.[1] ?? 0];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** The polygon with `ring` cut out as a hole (in the part of a multipolygon that holds it). */
export function addHole(
  geometry: GeoJSON.Polygon | GeoJSON.MultiPolygon,
  ring: GeoJSON.Position[],
): GeoJSON.Polygon | GeoJSON.MultiPolygon {
  const hole = closeRing(ring);
  const probe = hole[0] ?? [0, 0];
  if (geometry.type === "Polygon") {
    return { type: "Polygon", coordinates: [...geometry.coordinates, hole] };
  }
  const index = geometry.coordinates.findIndex((part) => part[0] && insideRing(probe, part[0]));
  const at = index < 0 ? 0 : index;
  return {
    type: "MultiPolygon",
    coordinates: geometry.coordinates.map((part, i) => (i === at ? [...part, hole] : part)),
  };
}

/** The object with one more part: a Polygon becomes a MultiPolygon. */
export function addPart(
  geometry: GeoJSON.Polygon | GeoJSON.MultiPolygon,
  ring: GeoJSON.Position[],
): GeoJSON.MultiPolygon {
  const parts = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
  return { type: "MultiPolygon", coordinates: [...parts, [closeRing(ring)]] };
}
