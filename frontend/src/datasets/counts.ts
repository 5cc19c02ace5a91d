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
