// Counts of a version per split and class, as table rows.
import { SPLITS } from "./request";
import type { DatasetCounts } from "./types";

export interface CountRow {
  what: string;
  perSplit: number[];
  total: number;
}

/** Rows "images", then one per annotation class, then one per tag class:state. */
export function countRows(counts: DatasetCounts): CountRow[] {
  const row = (what: string, get: (split: string) => number): CountRow => {
    const perSplit = SPLITS.map(get);
    return { what, perSplit, total: perSplit.reduce((a, b) => a + b, 0) };
  };
  const rows = [row("Images", (s) => counts.images?.[s] ?? 0)];
  const names = (table: Record<string, Record<string, number>> | undefined) =>
    [...new Set(Object.values(table ?? {}).flatMap((perClass) => Object.keys(perClass)))].sort();
  for (const name of names(counts.annotations)) {
    rows.push(row(`Annotations: ${name}`, (s) => counts.annotations?.[s]?.[name] ?? 0));
  }
  for (const name of names(counts.tags)) {
    rows.push(row(`Tags: ${name}`, (s) => counts.tags?.[s]?.[name] ?? 0));
  }
  return rows;
}

/** A version's split settings in words: "train 0.8 / validation 0.1 / test 0.1, seed 0, stratified". */
export function splitText(split: Record<string, unknown>): string {
  const ratios = SPLITS.map((s) => `${s} ${String(split[s] ?? 0)}`).join(" / ");
  const parts = [ratios, `seed ${String(split.seed ?? 0)}`];
  if (split.stratify !== false) parts.push("stratified");
  if (typeof split.group_cell_km === "number") parts.push(`grouped in ${split.group_cell_km} km cells`);
  return parts.join(", ");
}

function valueText(value: unknown): string {
  return Array.isArray(value) ? value.join(", ") : String(value);
}

/** Filters or options in words; `empty` when there are none. */
export function settingsText(value: Record<string, unknown>, empty: string): string {
  const entries = Object.entries(value).filter(([, v]) => v !== null && v !== false);
  if (entries.length === 0) return empty;
  return entries.map(([k, v]) => (v === true ? k.replace(/_/g, " ") : `${k.replace(/_/g, " ")}: ${valueText(v)}`)).join("; ");
}
