// What the grid and the table share: how an item reacts to the mouse and the keyboard.
import type { KeyboardEvent, MouseEvent } from "react";
import type { ImageData, LabelClass } from "../lib/types";
import type { Selection } from "./selection";
import type { ImagePages } from "./useImagePages";

export interface ViewProps {
  pages: ImagePages;
  count: number;
  selection: Selection;
  classes: Map<number, LabelClass>;
  onItemClick: (index: number, image: ImageData, event: MouseEvent) => void;
  onToggle: (index: number, image: ImageData) => void;
  onOpen: (image: ImageData) => void;
  /** The filters and ordering as a query string, for "Open in editor" links. */
  editorQuery: string;
}

/** Marks the first thumbnail shown (read by bench/gallery.py through the Performance API). */
export function markFirstThumbnail(): void {
  if (performance.getEntriesByName("gallery:first-thumbnail").length === 0) {
    performance.mark("gallery:first-thumbnail");
  }
}

/**
 * Space toggles, Enter opens, arrows move (``step`` items per row for up/down, 1 for a
 * table); returns the index to focus next, or null.
 */
export function itemKey(
  event: KeyboardEvent,
  index: number,
  image: ImageData,
  step: number,
  count: number,
  props: Pick<ViewProps, "onToggle" | "onOpen">,
): number | null {
  if (event.target !== event.currentTarget) return null; // a button inside the item
  let next: number | null = null;
  switch (event.key) {
    case " ":
      props.onToggle(index, image);
      break;
    case "Enter":
      props.onOpen(image);
      break;
    case "ArrowRight":
      next = index + 1;
      break;
    case "ArrowLeft":
      next = index - 1;
      break;
    case "ArrowDown":
      next = index + step;
      break;
    case "ArrowUp":
      next = index - step;
      break;
    case "Home":
      next = 0;
      break;
    case "End":
      next = count - 1;
      break;
    default:
      return null;
  }
  event.preventDefault();
  if (next === null || next < 0 || next >= count) return null;
  return next;
}

export function formatDate(value: string | null): string {
  return value ? new Date(value).toISOString().slice(0, 16).replace("T", " ") : "—";
}

export function formatCloud(value: number | null): string {
  return value === null ? "—" : `${Math.round(value * 10) / 10}%`;
}
