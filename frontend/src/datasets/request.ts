// Pure helpers of the datasets page: the form's state, the API request built from it
// (POST /api/v1/events/{id}/datasets/, workers/exports/build.py) and its checks in words.

export interface FormatChoice {
  name: string;
  title: string;
  hint: string;
}

/** How the known export formats are shown; the list offered comes from the server. */
export const FORMATS: FormatChoice[] = [
  { name: "coco", title: "COCO", hint: "boxes, polygons, masks (instances JSON per split)" },
  { name: "yolo", title: "YOLO", hint: "detection and segmentation labels, data.yaml" },
  { name: "voc", title: "Pascal VOC", hint: "boxes as XML" },
  { name: "geojson", title: "GeoJSON", hint: "EPSG:4326 annotations, map shapes, footprints" },
  { name: "gpkg", title: "GeoPackage", hint: "the same layers, typed columns" },
  { name: "shapefile", title: "Shapefile", hint: "one file per geometry family" },
  { name: "stac", title: "STAC", hint: "catalog with label extension" },
  { name: "masks", title: "Masks", hint: "GeoTIFF class masks on the image grid" },
  { name: "classification_csv", title: "Classification CSV", hint: "image-level tags" },
];

/**
 * The formats to offer: the server's registry (workers/exports EXPORTERS, in the page data)
 * in its order, shown with the titles above; a format without one shows its name.
 */
export function formatChoices(registered: unknown): FormatChoice[] {
  const names = Array.isArray(registered)
    ? registered.filter((n): n is string => typeof n === "string")
    : FORMATS.map((f) => f.name);
  return names.map((name) => FORMATS.find((f) => f.name === name) ?? { name, title: name, hint: "" });
}

export const TAG_STATES = ["positive", "negative"] as const;
export const REVIEW_STATES = ["pending", "accepted", "rejected"] as const;
export const SOURCES = ["upload", "geotiff", "gibs", "sentinelhub"] as const;
export const SPLITS = ["train", "validation", "test"] as const;
export type Split = (typeof SPLITS)[number];

export interface DatasetForm {
  name: string;
  formats: string[];
  labelClasses: number[];
  tagStates: string[];
  reviewStates: string[];
  sources: string[];
  /** yyyy-mm-dd from a date input, or "" */
  acquiredAfter: string;
  acquiredBefore: string;
  labelledOnly: boolean;
  /** Ratios as typed (strings from number inputs). */
  ratios: Record<Split, string>;
  seed: string;
  stratify: boolean;
  groupCellKm: string;
  includeImages: boolean;
  chipSize: string;
  chipOverlap: string;
  keepEmptyChips: boolean;
}

export const DEFAULT_FORM: DatasetForm = {
  name: "",
  formats: ["coco", "geojson"],
  labelClasses: [],
  tagStates: [],
  reviewStates: [],
  sources: [],
  acquiredAfter: "",
  acquiredBefore: "",
  labelledOnly: false,
  ratios: { train: "0.8", validation: "0.1", test: "0.1" },
  seed: "0",
  stratify: true,
  groupCellKm: "",
  includeImages: false,
  chipSize: "",
  chipOverlap: "0",
  keepEmptyChips: true,
};

export interface DatasetRequest {
  name: string;
  formats: string[];
  filters: Record<string, unknown>;
  split: Record<string, unknown>;
  options: Record<string, unknown>;
}

function parseNumber(text: string): number | null {
  if (text.trim() === "") return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

/** Problems with the ratios in words (empty when they are fine). */
export function ratioErrors(ratios: Record<Split, string>): string[] {
  const errors: string[] = [];
  let total = 0;
  for (const split of SPLITS) {
    const value = parseNumber(ratios[split] ?? "");
    if (value === null || value < 0 || value > 1) {
      errors.push(`The ${split} ratio must be a number from 0 to 1.`);
      continue;
    }
    total += value;
  }
  if (errors.length === 0 && Math.abs(total - 1) > 1e-6) {
    errors.push(`The split ratios must add up to 1 (they add up to ${Number(total.toFixed(6))}).`);
  }
  return errors;
}

/** An inclusive end date: the last instant of that day in UTC (the API compares <=). */
export function endOfDay(date: string): string {
  return `${date}T23:59:59.999999+00:00`;
}

/** The request for the API, or the form's problems in words (then `request` is null). */
export function buildDatasetRequest(form: DatasetForm): {
  request: DatasetRequest | null;
  errors: string[];
} {
  const errors: string[] = [];
  if (form.formats.length === 0) errors.push("Choose at least one export format.");
  errors.push(...ratioErrors(form.ratios));

  const filters: Record<string, unknown> = {};
  if (form.labelClasses.length) filters.label_classes = [...form.labelClasses].sort((a, b) => a - b);
  if (form.tagStates.length) filters.tag_states = [...form.tagStates];
  if (form.reviewStates.length) filters.review_states = [...form.reviewStates];
  if (form.sources.length) filters.sources = [...form.sources];
  if (form.acquiredAfter) filters.acquired_after = form.acquiredAfter;
  if (form.acquiredBefore) filters.acquired_before = endOfDay(form.acquiredBefore);
  if (form.acquiredAfter && form.acquiredBefore && form.acquiredAfter > form.acquiredBefore) {
    errors.push("The date range ends before it starts.");
  }
  if (form.labelledOnly) filters.labelled_only = true;

  const split: Record<string, unknown> = {};
  for (const name of SPLITS) split[name] = parseNumber(form.ratios[name]) ?? 0;
  const seed = parseNumber(form.seed);
  if (form.seed.trim() !== "" && (seed === null || !Number.isInteger(seed))) {
    errors.push("The seed must be a whole number.");
  } else {
    split.seed = seed ?? 0;
  }
  split.stratify = form.stratify;
  if (form.groupCellKm.trim() !== "") {
    const cell = parseNumber(form.groupCellKm);
    if (cell === null || cell <= 0 || cell > 20000) {
      errors.push("The spatial grouping cell must be a positive number of kilometres (at most 20000).");
    } else {
      split.group_cell_km = cell;
    }
  }

  const options: Record<string, unknown> = { include_images: form.includeImages };
  if (form.chipSize.trim() !== "") {
    const size = parseNumber(form.chipSize);
    const overlap = parseNumber(form.chipOverlap) ?? 0;
    if (size === null || !Number.isInteger(size) || size < 32 || size > 8192) {
      errors.push("The chip size must be a whole number of pixels from 32 to 8192.");
    } else if (!Number.isInteger(overlap) || overlap < 0 || overlap > Math.floor(size / 2)) {
      errors.push(`The chip overlap must be a whole number from 0 to ${Math.floor(size / 2)} pixels.`);
    } else {
      options.chip_size = size;
      options.chip_overlap = overlap;
      options.keep_empty_chips = form.keepEmptyChips;
    }
  }

  if (errors.length) return { request: null, errors };
  return {
    request: { name: form.name.trim(), formats: [...form.formats], filters, split, options },
    errors: [],
  };
}

/** Adds or removes `value` from a list (checkbox groups). */
export function toggled<T>(list: T[], value: T, on: boolean): T[] {
  return on ? (list.includes(value) ? list : [...list, value]) : list.filter((v) => v !== value);
}
