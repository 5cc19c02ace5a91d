// The brush's settings, shared by the mask panel (which sets them) and the mask layer
// (which paints with them): a tiny store outside the editor's reducer, remembered in
// localStorage.
import { useSyncExternalStore } from "react";

export interface MaskSettings {
  /** Brush diameter in image pixels. */
  size: number;
  /** On a click, flood-fill the enclosed region instead of painting a stroke. */
  fill: boolean;
  /** Mask overlay opacity, 0..1. */
  opacity: number;
}

const KEY = "labeler.editor.mask";
export const MIN_BRUSH = 1;
export const MAX_BRUSH = 200;

function load(): MaskSettings {
  const fallback: MaskSettings = { size: 12, fill: false, opacity: 0.6 };
  try {
    const saved = JSON.parse(window.localStorage.getItem(KEY) ?? "null") as Partial<MaskSettings> | null;
    if (!saved) return fallback;
    return {
      size: clampSize(Number(saved.size ?? fallback.size)),
      fill: false, // fill mode does not outlive the page: a surprise otherwise
      opacity: Math.min(1, Math.max(0.1, Number(saved.opacity ?? fallback.opacity))),
    };
  } catch {
    return fallback;
  }
}

export function clampSize(size: number): number {
  if (!Number.isFinite(size)) return 12;
  return Math.min(MAX_BRUSH, Math.max(MIN_BRUSH, Math.round(size)));
}

let current: MaskSettings | null = null;
const listeners = new Set<() => void>();

export function getMaskSettings(): MaskSettings {
  current ??= load();
  return current;
}

export function setMaskSettings(change: Partial<MaskSettings>): void {
  current = { ...getMaskSettings(), ...change };
  current.size = clampSize(current.size);
  try {
    window.localStorage.setItem(KEY, JSON.stringify(current));
  } catch {
    // storage full or blocked: the setting still holds for this page
  }
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useMaskSettings(): MaskSettings {
  return useSyncExternalStore(subscribe, getMaskSettings, getMaskSettings);
}
