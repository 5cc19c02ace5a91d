// The pixel under the cursor, shared by the pixel inspector (which writes it) and the
// geographic context map (which follows it): a tiny module-level store for
// useSyncExternalStore.
import { useSyncExternalStore } from "react";

export interface CursorPixel {
  /** Integer pixel column and row. */
  x: number;
  y: number;
  /** The pixel centre in EPSG:4326 once the API has answered (georeferenced images). */
  lon: number | null;
  lat: number | null;
}

let current: CursorPixel | null = null;
const listeners = new Set<() => void>();

export function setCursor(next: CursorPixel | null): void {
  if (next === current) return;
  if (next && current && next.x === current.x && next.y === current.y && next.lon === current.lon && next.lat === current.lat) {
    return;
  }
  current = next;
  listeners.forEach((listener) => listener());
}

export function getCursor(): CursorPixel | null {
  return current;
}

export function subscribeCursor(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useCursor(): CursorPixel | null {
  return useSyncExternalStore(subscribeCursor, getCursor, getCursor);
}

/** The integer pixel of fractional image coordinates, or null outside the image. */
export function pixelAt(x: number, y: number, width: number, height: number): [number, number] | null {
  if (!(x >= 0 && y >= 0 && x < width && y < height)) return null;
  return [Math.floor(x), Math.floor(y)];
}

/** A band value as a person reads it: integers as they are, floats to 6 significant digits. */
export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  if (Number.isNaN(value)) return "NaN";
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}

/** Degrees with 6 decimals (about 0.1 m) and the hemisphere. */
export function formatLonLat(lon: number, lat: number): string {
  const ns = lat >= 0 ? "N" : "S";
  const ew = lon >= 0 ? "E" : "W";
  return `${Math.abs(lat).toFixed(6)}° ${ns}, ${Math.abs(lon).toFixed(6)}° ${ew}`;
}
