// Which annotation is under a click, in image pixels: the shapes are drawn in batches (one
// canvas path per class), so picking is done here rather than by Leaflet per layer.
import type * as GeoJSON from "geojson";
import { insideRing } from "./geometry";

export type Box = [number, number, number, number];

export function bboxOf(geometry: GeoJSON.Geometry): Box {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (p: GeoJSON.Position) => {
    const [x, y] = [p[0] ?? 0, p[1] ?? 0];
    if (x < x0) x0 = x;
    if (y < y0) y0 = y;
    if (x > x1) x1 = x;
    if (y > y1) y1 = y;
  };
  switch (geometry.type) {
    case "Point":
      visit(geometry.coordinates);
      break;
    case "LineString":
      geometry.coordinates.forEach(visit);
      break;
    case "Polygon":
      geometry.coordinates.forEach((r) => r.forEach(visit));
      break;
    case "MultiPolygon":
      geometry.coordinates.forEach((part) => part.forEach((r) => r.forEach(visit)));
      break;
    default:
      break;
  }
  return [x0, y0, x1, y1];
}

function segmentDistance(p: GeoJSON.Position, a: GeoJSON.Position, b: GeoJSON.Position): number {
  const [px, py, ax, ay, bx, by] = [p[0] ?? 0, p[1] ?? 0, a[0] ?? 0, a[1] ?? 0, b[0] ?? 0, b[1] ?? 0];
  const dx = bx - ax;
  const dy = by - ay;
  const length = dx * dx + dy * dy;
  const t = length === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / length));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

function insidePolygon(p: GeoJSON.Position, rings: GeoJSON.Position[][]): boolean {
  const [outer, ...holes] = rings;
  return !!outer && insideRing(p, outer) && !holes.some((h) => insideRing(p, h));
}

/** Whether `geometry` is under pixel `p`; `tolerance` (image px) for points and lines. */
export function hits(geometry: GeoJSON.Geometry, p: GeoJSON.Position, tolerance: number): boolean {
  switch (geometry.type) {
    case "Point":
      return Math.hypot((p[0] ?? 0) - (geometry.coordinates[0] ?? 0), (p[1] ?? 0) - (geometry.coordinates[1] ?? 0)) <= tolerance;
    case "LineString":
      return geometry.coordinates.some((a, i) => {
        const b = geometry.coordinates[i + 1];
        return b !== undefined && segmentDistance(p, a, b) <= tolerance;
      });
    case "Polygon":
      return insidePolygon(p, geometry.coordinates);
    case "MultiPolygon":
      return geometry.coordinates.some((part) => insidePolygon(p, part));
    default:
      return false;
  }
}

/** The id of the smallest shape under `p` (points and lines before areas), or null. */
export function pick(
  shapes: Iterable<{ id: number; geometry: GeoJSON.Geometry; bbox: Box }>,
  p: GeoJSON.Position,
  tolerance: number,
): number | null {
  const [x, y] = [p[0] ?? 0, p[1] ?? 0];
  let best: number | null = null;
  let bestSize = Infinity;
  for (const shape of shapes) {
    const [x0, y0, x1, y1] = shape.bbox;
    if (x < x0 - tolerance || x > x1 + tolerance || y < y0 - tolerance || y > y1 + tolerance) continue;
    if (!hits(shape.geometry, p, tolerance)) continue;
    const size = shape.geometry.type === "Point" || shape.geometry.type === "LineString" ? 0 : (x1 - x0) * (y1 - y0);
    if (size < bestSize) {
      best = shape.id;
      bestSize = size;
    }
  }
  return best;
}
