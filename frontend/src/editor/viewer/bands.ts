// What an image's bands allow: the presets and indexes of workers/tiles.py (ROLES, PRESETS,
// INDICES, the same name rules) resolved against the image's band names, and the default
// stretch (the image's p2/p98 per band) of what a display shows.
import type { Display } from "../display";

export interface BandImage {
  band_count: number;
  band_names: string[];
  dtype: string;
  stats: Record<string, unknown>[] | null;
}

/** Sentinel-2 band roles; each lists the names that can fill it, best first (case-insensitive). */
export const ROLES: Record<string, string[]> = {
  blue: ["B02", "blue", "b"],
  green: ["B03", "green", "g"],
  red: ["B04", "red", "r"],
  nir: ["B08", "nir", "B8A"],
  nir08: ["B8A", "B08", "nir"],
  swir16: ["B11", "swir16", "swir1"],
  swir22: ["B12", "swir22", "swir2"],
};

export const PRESETS: { name: string; label: string; roles: [string, string, string] }[] = [
  { name: "truecolor", label: "True colour", roles: ["red", "green", "blue"] },
  { name: "falsecolor", label: "False colour (NIR)", roles: ["nir", "red", "green"] },
  { name: "swir", label: "SWIR", roles: ["swir22", "nir08", "red"] },
  { name: "snow", label: "Snow", roles: ["swir16", "red", "green"] },
];

export const INDICES: { name: string; label: string; roles: [string, string]; colormap: string }[] = [
  { name: "ndvi", label: "NDVI (vegetation)", roles: ["nir", "red"], colormap: "rdylgn" },
  { name: "ndsi", label: "NDSI (snow)", roles: ["green", "swir16"], colormap: "blues" },
  { name: "ndwi", label: "NDWI (water)", roles: ["green", "nir"], colormap: "rdbu" },
  { name: "nbr", label: "NBR (burn)", roles: ["nir", "swir22"], colormap: "rdylgn" },
];

/** A few of rio-tiler's colormaps (api: colormap). */
export const COLORMAPS = ["viridis", "gray", "magma", "inferno", "plasma", "terrain", "rdylgn", "rdbu", "blues", "spectral"];

function roleNames(image: BandImage): string[] {
  if (image.band_names.length) return image.band_names;
  if (image.band_count === 3 || image.band_count === 4) return ["red", "green", "blue", "alpha"].slice(0, image.band_count);
  return [];
}

/** The 1-based band filling a role, or null. */
export function roleIndex(image: BandImage, role: string): number | null {
  const names = roleNames(image).map((n) => n.toLowerCase());
  for (const candidate of ROLES[role] ?? []) {
    const at = names.indexOf(candidate.toLowerCase());
    if (at >= 0) return at + 1;
  }
  return null;
}

/** The bands of some roles, or the roles the image cannot fill (with the names that would). */
export function resolveRoles(image: BandImage, roles: string[]): { indexes: number[] } | { missing: string } {
  const found = roles.map((role) => roleIndex(image, role));
  const missing = roles.filter((_, i) => found[i] === null);
  if (missing.length) return { missing: missing.map((role) => (ROLES[role] ?? [role])[0]).join(", ") };
  return { indexes: found as number[] };
}

/** The image's bands to choose from: value as the API takes it, label as a person reads it. */
export function bandChoices(image: BandImage): { value: string; label: string }[] {
  return Array.from({ length: image.band_count }, (_, i) => {
    const name = image.band_names[i];
    return name ? { value: name, label: name } : { value: String(i + 1), label: `Band ${i + 1}` };
  });
}

/** 1-based index of a band value (a name or an index), or null. */
export function bandIndex(image: BandImage, value: string): number | null {
  const at = image.band_names.findIndex((n) => n.toLowerCase() === value.toLowerCase());
  if (at >= 0) return at + 1;
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= image.band_count ? n : null;
}

/** The 1-based bands a display shows, "index" for an index, or null when it cannot. */
export function shownBands(image: BandImage, display: Display): number[] | "index" | null {
  if (display.mode === "index") return "index";
  if (display.mode === "bands") {
    const indexes = display.bands.map((b) => bandIndex(image, b));
    return indexes.every((i) => i !== null) && indexes.length ? (indexes as number[]) : null;
  }
  const preset = PRESETS.find((p) => p.name === display.preset);
  if (preset) {
    const resolved = resolveRoles(image, preset.roles);
    return "indexes" in resolved ? resolved.indexes : null;
  }
  // The server's default: true colour when the bands are there, else the first three or one.
  const truecolor = resolveRoles(image, ["red", "green", "blue"]);
  if ("indexes" in truecolor) return truecolor.indexes;
  return image.band_count >= 3 ? [1, 2, 3] : [1];
}

/** The server's default stretch of one band: its p2/p98, 0..255 for bytes, else null. */
export function bandRange(image: BandImage, index: number): [number, number] | null {
  const stats = image.stats?.[index - 1];
  const low = stats?.p2;
  const high = stats?.p98;
  if (typeof low === "number" && typeof high === "number") return high > low ? [low, high] : [low, low + 1];
  if (image.dtype === "uint8") return [0, 255];
  return null;
}

/** The default stretch of each band shown ([-1, 1] for an index); null entries are unknown. */
export function defaultRanges(image: BandImage, display: Display): ([number, number] | null)[] {
  const shown = shownBands(image, display);
  if (shown === "index") return [[-1, 1]];
  if (!shown) return [];
  return shown.map((i) => bandRange(image, i));
}

/** Names of the bands shown, for labelling the stretch rows (R, G, B or the band). */
export function shownLabels(image: BandImage, display: Display): string[] {
  const shown = shownBands(image, display);
  if (shown === "index") return [display.index.toUpperCase()];
  if (!shown) return [];
  const choices = bandChoices(image);
  const channel = shown.length === 3 ? ["R", "G", "B"] : [""];
  return shown.map((i, k) => `${channel[k] ? `${channel[k]}: ` : ""}${choices[i - 1]?.label ?? i}`);
}

/** Whether a display can be drawn from this image's bands (checked here first, so a saved
 * view that cannot is dropped without a refused request). */
export function fits(image: BandImage, display: Display): boolean {
  const shown = shownBands(image, display);
  if (shown === null) return false;
  if (shown === "index") {
    const index = INDICES.find((i) => i.name === display.index);
    if (!index || !("indexes" in resolveRoles(image, index.roles))) return false;
  }
  const outputs = shown === "index" ? 1 : shown.length;
  return !display.rescale || display.rescale.length === 1 || display.rescale.length === outputs;
}
