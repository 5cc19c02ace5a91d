// How the image is shown: the tile server's band choice and stretch (query parameters of
// the image-space tiles, api/serializers/tiles.py) and the browser-side filters.

export interface Display {
  /** One of: a preset name, "bands" (custom), or an index name. */
  mode: "preset" | "bands" | "index";
  preset: string;
  bands: string[];
  index: string;
  rescale: [number, number] | null;
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
  rescale: null,
  gamma: 1,
  brightness: 0,
  contrast: 1,
  invert: false,
};

/** The tile query for a display: only what differs from the server's defaults. */
export function tileQuery(display: Display): Record<string, string> {
  const query: Record<string, string> = {};
  if (display.mode === "preset" && display.preset) query.preset = display.preset;
  if (display.mode === "bands" && display.bands.length) query.bands = display.bands.join(",");
  if (display.mode === "index" && display.index) query.index = display.index;
  if (display.rescale) query.rescale = `${display.rescale[0]},${display.rescale[1]}`;
  if (display.gamma !== 1) query.gamma = String(display.gamma);
  if (display.brightness !== 0) query.brightness = String(display.brightness);
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
