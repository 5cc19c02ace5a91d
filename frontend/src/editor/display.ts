// How the image is shown: the tile server's band choice and stretch (query parameters of
// the image-space tiles, api/serializers/tiles.py) and the browser-side filters.

export interface Display {
  /** One of: a preset name, "bands" (custom), or an index name. */
  mode: "preset" | "bands" | "index";
  preset: string;
  /** Custom bands: 3 (R, G, B) or 1 (shown with `colormap`), names or 1-based indexes. */
  bands: string[];
  index: string;
  /** A rio-tiler colormap for one band or an index; "" is the server's default. */
  colormap: string;
  /** Native values mapped to 0..255: one (min, max) for every band shown or one per band;
   * null is the server's default (the image's p2/p98 per band, -1..1 for an index). */
  rescale: [number, number][] | null;
  gamma: number;
  /** -1..1 on the server (api TileQuerySerializer: brightness). */
  brightness: number;
  /** Browser-side CSS filters on the image tiles only (not the shapes). */
  contrast: number;
  invert: boolean;
}

export const DEFAULT_DISPLAY: Display = {
  mode: "preset",
  preset: "", // "": the server's default for the image (its first three bands, or true colour)
  bands: [],
  index: "ndvi",
  colormap: "",
  rescale: null,
  gamma: 1,
  brightness: 0,
  contrast: 1,
  invert: false,
};

/** Shortest text of a number (no trailing zeros, no exponent for ordinary values). */
function num(value: number): string {
  return String(Number(value.toPrecision(10)));
}

/** The tile query for a display: only what differs from the server's defaults. */
export function tileQuery(display: Display): Record<string, string> {
  const query: Record<string, string> = {};
  const oneBand =
    (display.mode === "bands" && display.bands.length === 1) || (display.mode === "index" && !!display.index);
  if (display.mode === "preset" && display.preset) query.preset = display.preset;
  if (display.mode === "bands" && display.bands.length) query.bands = display.bands.join(",");
  if (display.mode === "index" && display.index) query.index = display.index;
  if (oneBand && display.colormap) query.colormap = display.colormap;
  if (display.rescale?.length) {
    query.rescale = display.rescale.map(([low, high]) => `${num(low)},${num(high)}`).join(";");
  }
  if (display.gamma !== 1) query.gamma = num(display.gamma);
  if (display.brightness !== 0) query.brightness = num(display.brightness);
  return query;
}

/** The image-space tile URL template of an image with the display's query. */
export function tileUrl(template: string, display: Display): string {
  const params = new URLSearchParams(tileQuery(display)).toString();
  if (!params) return template;
  return `${template}${template.includes("?") ? "&" : "?"}${params}`;
}

export function cssFilter(display: Display): string {
  const parts = [];
  if (display.contrast !== 1) parts.push(`contrast(${display.contrast})`);
  if (display.invert) parts.push("invert(1)");
  return parts.join(" ") || "none";
}
