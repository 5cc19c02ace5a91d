// Image pixels <-> Leaflet CRS.Simple coordinates, and pixel GeoJSON <-> Leaflet latlngs.
//
// The image-space tiles (workers/tiles.py) put full resolution at zoom `maxZoom` with the
// origin at the top-left corner of the top-left pixel, x right, y down. Leaflet's CRS.Simple
// projects (lat, lng) at zoom z to the point (lng * 2^z, -lat * 2^z), so an image pixel
// (x, y) is the latlng (-y / 2^maxZoom, x / 2^maxZoom): at zoom maxZoom one screen pixel
// is one image pixel, and tiles line up with the server's.
import { LatLng, LatLngBounds } from "leaflet";
import type * as GeoJSON from "geojson";

export interface Grid {
  width: number;
  height: number;
  maxZoom: number;
}

/** Same rule as workers/tiles.py image_maxzoom (rio-tiler's ImageReader). */
export function imageMaxZoom(width: number, height: number): number {
  let level = 0;
  let factor = 1;
  while (Math.min(Math.floor(width / factor), Math.floor(height / factor)) > 256) {
    factor *= 2;
    level += 1;
  }
  return level;
}

export function gridOf(image: { width: number; height: number }): Grid {
  return { width: image.width, height: image.height, maxZoom: imageMaxZoom(image.width, image.height) };
}

export type Pixel = [number, number];

export function toLatLng([x, y]: Pixel, grid: Grid): LatLng {
  const scale = 2 ** grid.maxZoom;
  return new LatLng(-y / scale, x / scale);
}

/** Pixel coordinates of a latlng, rounded to 1/1000 px (what is stored). */
export function toPixel(latlng: { lat: number; lng: number }, grid: Grid): Pixel {
  const scale = 2 ** grid.maxZoom;
  return [round(latlng.lng * scale), round(-latlng.lat * scale)];
}

export function imageBounds(grid: Grid): LatLngBounds {
  return new LatLngBounds(toLatLng([0, grid.height], grid), toLatLng([grid.width, 0], grid));
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000 + 0; // + 0: no -0
}

type Ring = LatLng[];

/** Leaflet's shapes of a pixel geometry: a point, a line, rings of a polygon (outer first,
 * then holes), or polygons of a multipolygon. */
export type LatLngShape = LatLng | LatLng[] | Ring[] | Ring[][];

export function geometryToLatLngs(geometry: GeoJSON.Geometry, grid: Grid): LatLngShape {
  const ll = (p: GeoJSON.Position) => toLatLng([p[0] ?? 0, p[1] ?? 0], grid);
  // GeoJSON rings repeat the first vertex at the end; Leaflet closes rings itself.
  const ring = (r: GeoJSON.Position[]) => r.slice(0, r.length > 1 ? -1 : undefined).map(ll);
  switch (geometry.type) {
    case "Point":
      return ll(geometry.coordinates);
    case "LineString":
      return geometry.coordinates.map(ll);
    case "Polygon":
      return geometry.coordinates.map(ring);
    case "MultiPolygon":
      return geometry.coordinates.map((polygon) => polygon.map(ring));
    default:
      throw new Error(`The editor does not draw ${geometry.type} geometries.`);
  }
}

function closed(ring: Pixel[]): Pixel[] {
  const first = ring[0];
  const last = ring[ring.length - 1];
  if (!first || !last) return ring;
  return first[0] === last[0] && first[1] === last[1] ? ring : [...ring, first];
}

export function pointGeometry(latlng: LatLng, grid: Grid): GeoJSON.Point {
  return { type: "Point", coordinates: toPixel(latlng, grid) };
}

export function lineGeometry(latlngs: LatLng[], grid: Grid): GeoJSON.LineString {
  return { type: "LineString", coordinates: latlngs.map((p) => toPixel(p, grid)) };
}

/** Rings (outer then holes) or a list of such polygons -> Polygon or MultiPolygon. */
export function polygonGeometry(
  latlngs: LatLng[] | LatLng[][] | LatLng[][][],
  grid: Grid,
): GeoJSON.Polygon | GeoJSON.MultiPolygon {
  const depth = Array.isArray(latlngs[0]) ? (Array.isArray((latlngs[0] as unknown[])[0]) ? 3 : 2) : 1;
  const rings = (rs: LatLng[][]) => rs.map((r) => closed(r.map((p) => toPixel(p, grid))));
  if (depth === 1) return { type: "Polygon", coordinates: rings([latlngs as LatLng[]]) };
  if (depth === 2) return { type: "Polygon", coordinates: rings(latlngs as LatLng[][]) };
  const polygons = (latlngs as LatLng[][][]).map(rings);
  return polygons.length === 1 && polygons[0]
    ? { type: "Polygon", coordinates: polygons[0] }
    : { type: "MultiPolygon", coordinates: polygons };
}

/** An axis-aligned box in pixels -> the Polygon the API stores for a `bbox`. */
export function boxGeometry(a: Pixel, b: Pixel): GeoJSON.Polygon {
  const [x0, x1] = [Math.min(a[0], b[0]), Math.max(a[0], b[0])];
  const [y0, y1] = [Math.min(a[1], b[1]), Math.max(a[1], b[1])];
  return {
    type: "Polygon",
    coordinates: [
      [
        [x0, y0],
        [x1, y0],
        [x1, y1],
        [x0, y1],
        [x0, y0],
      ],
    ],
  };
}
