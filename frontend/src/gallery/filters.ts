// The gallery's filters and sort, as the image list API takes them (query string) and as
// the bulk-tag route takes them (a JSON object of the same names, for "select all").

export type TagStateFilter = "" | "positive" | "negative" | "unlabeled";
export type YesNo = "" | "true" | "false";

export interface Filters {
  /** A tag class id ("" = any). */
  labelClass: string;
  tagState: TagStateFilter;
  source: string;
  /** Dates as yyyy-mm-dd (inclusive days), "" = open. */
  acquiredFrom: string;
  acquiredTo: string;
  cloudMin: string;
  cloudMax: string;
  labelled: YesNo;
  autoLabelled: YesNo;
  ordering: string;
}

export const EMPTY_FILTERS: Filters = {
  labelClass: "",
  tagState: "",
  source: "",
  acquiredFrom: "",
  acquiredTo: "",
  cloudMin: "",
  cloudMax: "",
  labelled: "",
  autoLabelled: "",
  ordering: "",
};

export const ORDERINGS: { value: string; label: string }[] = [
  { value: "", label: "Added first (id)" },
  { value: "-id", label: "Added last (id)" },
  { value: "-acquired_at", label: "Newest acquisition" },
  { value: "acquired_at", label: "Oldest acquisition" },
  { value: "name", label: "Name A–Z" },
  { value: "-name", label: "Name Z–A" },
  { value: "cloud_cover", label: "Least cloud" },
  { value: "-cloud_cover", label: "Most cloud" },
  { value: "-created_at", label: "Newest upload" },
  { value: "created_at", label: "Oldest upload" },
];

export const SOURCES: { value: string; label: string }[] = [
  { value: "upload", label: "Upload" },
  { value: "geotiff", label: "GeoTIFF" },
  { value: "gibs", label: "NASA GIBS" },
  { value: "sentinelhub", label: "Sentinel Hub" },
];

type Params = Record<string, string | number | boolean>;

/** The list's filter parameters (no ordering, no paging): what "select all" sends. */
export function filterParams(f: Filters): Params {
  const out: Params = {};
  if (f.labelClass) {
    out.label_class = Number(f.labelClass);
    if (f.tagState) out.tag_state = f.tagState;
  }
  if (f.source) out.source = f.source;
  if (f.acquiredFrom) out.acquired_after = `${f.acquiredFrom}T00:00:00Z`;
  if (f.acquiredTo) out.acquired_before = `${f.acquiredTo}T23:59:59.999Z`;
  if (f.cloudMin !== "") out.cloud_cover_min = Number(f.cloudMin);
  if (f.cloudMax !== "") out.cloud_cover_max = Number(f.cloudMax);
  if (f.labelled) out.labelled = f.labelled === "true";
  if (f.autoLabelled) out.auto_labelled = f.autoLabelled === "true";
  return out;
}

/** The list's query string values: the filters plus the ordering. */
export function listQuery(f: Filters): Params {
  const out = filterParams(f);
  if (f.ordering) out.ordering = f.ordering;
  return out;
}

/** A stable key of what the list shows: a new key drops the loaded pages. */
export function filtersKey(f: Filters): string {
  return JSON.stringify(listQuery(f));
}

/** How many filters are set (ordering aside), for the "Clear filters" button. */
export function activeFilterCount(f: Filters): number {
  return Object.keys(filterParams(f)).filter((k) => k !== "tag_state").length;
}

/** The list query as a URL query string (the gallery's own URL, the editor's links). */
export function queryString(f: Filters): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(listQuery(f))) params.set(key, String(value));
  return params.toString();
}

/** The filters a query string names (the gallery opened from the editor's link back). */
export function filtersFromQuery(search: string): Filters {
  const p = new URLSearchParams(search);
  const get = (key: string) => p.get(key) ?? "";
  const yesNo = (key: string): YesNo => (get(key) === "true" ? "true" : get(key) === "false" ? "false" : "");
  const tagState = get("tag_state");
  const ordering = get("ordering");
  return {
    labelClass: /^\d+$/.test(get("label_class")) ? get("label_class") : "",
    tagState: tagState === "positive" || tagState === "negative" || tagState === "unlabeled" ? tagState : "",
    source: get("source"),
    acquiredFrom: get("acquired_after").slice(0, 10),
    acquiredTo: get("acquired_before").slice(0, 10),
    cloudMin: get("cloud_cover_min"),
    cloudMax: get("cloud_cover_max"),
    labelled: yesNo("labelled"),
    autoLabelled: yesNo("auto_labelled"),
    ordering: ORDERINGS.some((o) => o.value === ordering) ? ordering : "",
  };
}

/** The editor of an image, carrying the gallery's filters and ordering. */
export function editorHref(imageId: number, query: string): string {
  return `/images/${imageId}/edit/${query ? `?${query}` : ""}`;
}
