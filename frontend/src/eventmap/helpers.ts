// Pure helpers of the event map: label state of an image, GeoJSON <-> Leaflet bounds,
// tile URL templates (image COG tiles with a band preset and stretch; GIBS WMTS -> XYZ).
import type * as GeoJSON from "geojson";
import type { ImageData } from "../lib/types";

export type LabelState = "untagged" | "annotated" | "positive" | "negative";

export const STATE_COLORS: Record<LabelState, string> = {
  untagged: "#6b7785",
  annotated: "#7a3fc2",
  positive: "#1a7f37",
  negative: "#b42318",
};

export const STATE_NAMES: Record<LabelState, string> = {
  untagged: "No tags",
  annotated: "Annotated, no tags",
  positive: "Has a positive tag",
  negative: "Only negative tags",
};

/** An image's label state from its tags: any positive tag wins, then negative; without
 * tags, whether it has annotations (`labelled`: the image list's labelled=true filter). */
export function labelState(image: Pick<ImageData, "tags">, labelled = false): LabelState {
  if (image.tags.some((tag) => tag.state === "positive")) return "positive";
  if (image.tags.length > 0) return "negative";
  return labelled ? "annotated" : "untagged";
}

export type Bbox = [number, number, number, number]; // west, south, east, north

/** [[south, west], [north, east]] of a GeoJSON geometry (any type), or null when empty. */
export function geometryBounds(geometry: GeoJSON.Geometry | null): [[number, number], [number, number]] | null {
  if (!geometry) return null;
  let west = Infinity;
  let south = Infinity;
  let east = -Infinity;
  let north = -Infinity;
  const visit = (value: unknown): void => {
    if (!Array.isArray(value)) return;
    if (typeof value[0] === "number" && typeof value[1] === "number") {
      west = Math.min(west, value[0]);
      east = Math.max(east, value[0]);
      south = Math.min(south, value[1]);
      north = Math.max(north, value[1]);
      return;
    }
    value.forEach(visit);
  };
  if (geometry.type === "GeometryCollection") geometry.geometries.forEach((g) => visit(coordinatesOf(g)));
  else visit(geometry.coordinates);
  if (!Number.isFinite(west)) return null;
  return [
    [south, west],
    [north, east],
  ];
}

function coordinatesOf(geometry: GeoJSON.Geometry): unknown {
  return geometry.type === "GeometryCollection" ? geometry.geometries.map(coordinatesOf) : geometry.coordinates;
}

/** Union of several [[s, w], [n, e]] bounds. */
export function unionBounds(
  all: ([[number, number], [number, number]] | null)[],
): [[number, number], [number, number]] | null {
  const present = all.filter((b): b is [[number, number], [number, number]] => b !== null);
  if (present.length === 0) return null;
  return [
    [Math.min(...present.map((b) => b[0][0])), Math.min(...present.map((b) => b[0][1]))],
    [Math.max(...present.map((b) => b[1][0])), Math.max(...present.map((b) => b[1][1]))],
  ];
}

/** The API's bbox [west, south, east, north] from Leaflet-like bounds, rounded to 1e-6°,
 * longitudes wrapped into -180..180 and latitudes clamped. */
export function bboxOf(bounds: { west: number; south: number; east: number; north: number }): Bbox {
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  const clampLat = (v: number) => Math.max(-90, Math.min(90, v));
  let { west, east } = bounds;
  if (east - west >= 360) {
    west = -180;
    east = 180;
  } else {
    const shift = Math.floor((west + 180) / 360) * 360;
    west -= shift;
    east -= shift;
    if (east > 180) east = 180; // boxes across the antimeridian are cut at it
  }
  return [round(west), round(clampLat(bounds.south)), round(east), round(clampLat(bounds.north))];
}


export const PRESETS: { value: string; label: string; kind: "preset" | "index" | "" }[] = [
  { value: "", label: "Image default (bands 1-3)", kind: "" },
  { value: "truecolor", label: "True colour", kind: "preset" },
  { value: "falsecolor", label: "False colour (NIR)", kind: "preset" },
  { value: "swir", label: "SWIR", kind: "preset" },
  { value: "snow", label: "Snow", kind: "preset" },
  { value: "ndvi", label: "NDVI (index)", kind: "index" },
  { value: "ndsi", label: "NDSI (index)", kind: "index" },
  { value: "ndwi", label: "NDWI (index)", kind: "index" },
  { value: "nbr", label: "NBR (index)", kind: "index" },
];

export interface Stretch {
  preset: string;
  min: string;
  max: string;
  gamma: string;
}

export const DEFAULT_STRETCH: Stretch = { preset: "", min: "", max: "", gamma: "" };

/** The image's XYZ tile template with the preset/index and stretch as query parameters
 * (api/serializers/tiles.py: preset, index, rescale=min,max, gamma). Blank values are left
 * to the server's defaults; a half-given or inverted range is left out. */
export function tileUrl(template: string, stretch: Stretch): string {
  const params = new URLSearchParams();
  const chosen = PRESETS.find((p) => p.value === stretch.preset);
  if (chosen && chosen.kind) params.set(chosen.kind, chosen.value);
  const min = Number.parseFloat(stretch.min);
  const max = Number.parseFloat(stretch.max);
  if (Number.isFinite(min) && Number.isFinite(max) && min < max) params.set("rescale", `${min},${max}`);
  const gamma = Number.parseFloat(stretch.gamma);
  if (Number.isFinite(gamma) && gamma > 0) params.set("gamma", String(gamma));
  const query = params.toString().replace(/%2C/g, ",");
  if (!query) return template;
  return template + (template.includes("?") ? "&" : "?") + query;
}

/** GIBS tile matrix sets (EPSG:4326 names) and the Web Mercator set of the same resolution. */
const MERCATOR_SETS: Record<string, { set: string; maxZoom: number }> = {
  "15.625m": { set: "GoogleMapsCompatible_Level13", maxZoom: 13 },
  "31.25m": { set: "GoogleMapsCompatible_Level12", maxZoom: 12 },
  "250m": { set: "GoogleMapsCompatible_Level9", maxZoom: 9 },
  "500m": { set: "GoogleMapsCompatible_Level8", maxZoom: 8 },
  "1km": { set: "GoogleMapsCompatible_Level7", maxZoom: 7 },
  "2km": { set: "GoogleMapsCompatible_Level6", maxZoom: 6 },
};

export interface GibsXyz {
  url: string;
  maxNativeZoom: number;
}

/** A browser-loadable XYZ template for a GIBS layer on a Web Mercator map, or null.
 * The catalogue's WMTS templates are on the configured service, normally GIBS's EPSG:4326
 * endpoint, whose tiles do not fit a Web Mercator map; GIBS serves the same layers at
 * .../wmts/epsg3857/... with GoogleMapsCompatible matrix sets, so the template is moved
 * there (the 2014 service's .../wmts-geo/ to .../wmts-webmerc/). Templates already on
 * epsg3857 are used as they are. */
export function gibsXyzTemplate(
  template: string,
  tileMatrixSets: string[],
  date: string,
): GibsXyz | null {
  if (!template.includes("{TileMatrix}") || !template.includes("{TileRow}")) return null;
  let url = template;
  let matrixSet: { set: string; maxZoom: number } | undefined;
  const geographic = /\/epsg4326\//i.test(url) ? "/epsg3857/" : /\/wmts-geo\//i.test(url) ? "/wmts-webmerc/" : null;
  if (geographic) {
    // GIBS's EPSG:4326 endpoint (.../wmts/epsg4326/..., before 2015 .../wmts-geo/...) and its
    // Web Mercator twin (.../wmts/epsg3857/..., before .../wmts-webmerc/...).
    matrixSet = tileMatrixSets
      .map((s) => MERCATOR_SETS[s.replace(/^EPSG4326_/i, "")])
      .find((s) => s !== undefined);
    if (!matrixSet) return null;
    url = url.replace(/\/epsg4326\//i, "/epsg3857/").replace(/\/wmts-geo\//i, "/wmts-webmerc/");
  } else if (/\/epsg3857\//i.test(url)) {
    const name = tileMatrixSets.find((s) => s.startsWith("GoogleMapsCompatible"));
    if (!name) return null;
    const level = Number.parseInt(name.replace(/\D+/g, ""), 10);
    matrixSet = { set: name, maxZoom: Number.isFinite(level) ? level : 9 };
  } else {
    return null;
  }
  url = url
    .replace("{TileMatrixSet}", matrixSet.set)
    .replace("{TileMatrix}", "{z}")
    .replace("{TileRow}", "{y}")
    .replace("{TileCol}", "{x}")
    .replace("{Time}", date || "default");
  return { url, maxNativeZoom: matrixSet.maxZoom };
}

/** Properties of a map shape as key/value rows, without the bookkeeping the API derives. */
export const DERIVED_PROPERTIES = ["label_class", "label", "author", "created_at", "updated_at"];

export function attributeRows(properties: Record<string, unknown> | null): [string, string][] {
  return Object.entries(properties ?? {})
    .filter(([key]) => !DERIVED_PROPERTIES.includes(key))
    .map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]);
}

/** Key/value rows back to properties (blank keys dropped), with the label class. */
export function propertiesOf(rows: [string, string][], labelClass: number | null): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [key, value] of rows) if (key.trim()) properties[key.trim()] = value;
  properties.label_class = labelClass;
  return properties;
}

/** A GeoJSON file's features ready for the map-shapes API: a FeatureCollection, a Feature
 * or a bare geometry; ids and derived properties are dropped. Throws with words. */
export function featuresToImport(text: string): GeoJSON.FeatureCollection {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error("The file is not JSON.");
  }
  const object = data as { type?: string };
  let features: GeoJSON.Feature[];
  if (object?.type === "FeatureCollection") features = (data as GeoJSON.FeatureCollection).features;
  else if (object?.type === "Feature") features = [data as GeoJSON.Feature];
  else if (typeof object?.type === "string" && "coordinates" in (data as object))
    features = [{ type: "Feature", geometry: data as GeoJSON.Geometry, properties: {} }];
  else throw new Error("The file is not GeoJSON (no FeatureCollection, Feature or geometry).");
  if (features.length === 0) throw new Error("The file has no features.");
  return {
    type: "FeatureCollection",
    features: features.map((feature) => {
      const properties = Object.fromEntries(
        Object.entries(feature.properties ?? {}).filter(
          ([key]) => key === "label_class" || !DERIVED_PROPERTIES.includes(key),
        ),
      );
      return { type: "Feature", geometry: feature.geometry, properties };
    }),
  };
}

/** File name of an export: the event's slug-ish name and "shapes.geojson". */
export function exportFileName(eventName: string): string {
  const slug = eventName.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  return `${slug || "event"}-shapes.geojson`;
}

export type DrawKind = "Rectangle" | "Polygon" | "Line" | "CircleMarker";

/** What to do while drawing, in words. */
export function drawHint(kind: DrawKind, extractionBox: boolean): string {
  if (extractionBox) return "Draw the box: click one corner, then the opposite corner.";
  const name = { Rectangle: "box", Polygon: "polygon", Line: "line", CircleMarker: "point" }[kind];
  const finish = kind === "Polygon" || kind === "Line" ? "; click the last point again to finish" : "";
  return `Drawing a ${name}: click on the map${finish}.`;
}
