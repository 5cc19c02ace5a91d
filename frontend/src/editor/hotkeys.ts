// Keyboard shortcuts of the editor. Keys typed into inputs, selects, text areas and
// editable elements are left alone.
import { useEffect, useRef } from "react";
import type { LabelClass } from "../lib/types";
import type { ToolName } from "./types";

/** Every shortcut, for the help panel (class hotkeys are listed from the classes). */
export const SHORTCUTS: { keys: string; what: string }[] = [
  { keys: "V", what: "Select and edit (drag vertices, drag the shape; right-click a vertex to delete it)" },
  { keys: "B", what: "Box (drag; the tool bar sets a fixed aspect ratio)" },
  { keys: "P", what: "Polygon (click the vertices, click the first one to close)" },
  { keys: "L", what: "Line (click the vertices, click the last one again to finish)" },
  { keys: "O", what: "Point (click)" },
  { keys: "M", what: "Brush mask" },
  { keys: "E", what: "Erase mask" },
  { keys: "1 – 9", what: "Active class (and the selected object's class)" },
  { keys: "Delete", what: "Delete the selected object (Backspace too)" },
  { keys: "Esc", what: "Cancel drawing or the brush stroke being painted; else clear the selection" },
  { keys: "T", what: "Cycle the default image tag: unlabelled, positive, negative" },
  { keys: "[ / ]", what: "Previous / next image of the gallery's filter" },
  { keys: "Ctrl/⌘ + Z", what: "Undo" },
  { keys: "Ctrl/⌘ + Shift + Z", what: "Redo" },
  { keys: "Ctrl + Y", what: "Redo" },
  { keys: "?", what: "Show or hide this help" },
];

export const TOOL_KEYS: Record<string, ToolName> = {
  v: "select",
  b: "bbox",
  p: "polygon",
  l: "polyline",
  o: "point",
  m: "brush",
  e: "erase",
};

/** The event the editor sends when Esc is pressed; drawing tools cancel on it. */
export const CANCEL_EVENT = "editor:cancel";

export type HotkeyAction =
  | { type: "tool"; tool: ToolName }
  | { type: "class"; id: number }
  | { type: "delete" }
  | { type: "cancel" }
  | { type: "undo" }
  | { type: "redo" }
  | { type: "help" };

export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag !== "INPUT") return false;
  const type = (target as HTMLInputElement).type;
  return !["checkbox", "radio", "button", "submit", "range", "color"].includes(type);
}

/** The editor action of a key press, or null. */
export function hotkeyAction(
  e: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "shiftKey" | "altKey">,
  classes: Pick<LabelClass, "id" | "hotkey" | "kind">[],
): HotkeyAction | null {
  const key = e.key;
  const command = e.ctrlKey || e.metaKey;
  if (command) {
    const lower = key.toLowerCase();
    if (lower === "z") return e.shiftKey ? { type: "redo" } : { type: "undo" };
    if (lower === "y" && e.ctrlKey) return { type: "redo" };
    return null;
  }
  if (e.altKey) return null;
  if (key === "?") return { type: "help" };
  if (key === "Escape") return { type: "cancel" };
  if (key === "Delete" || key === "Backspace") return { type: "delete" };
  if (/^[1-9]$/.test(key)) {
    const cls = classes.find((c) => c.kind === "object" && c.hotkey === key);
    return cls ? { type: "class", id: cls.id } : null;
  }
  const tool = TOOL_KEYS[key.toLowerCase()];
  if (tool && !e.shiftKey) return { type: "tool", tool };
  return null;
}

/** Listens on the window while mounted; `handle` gets each action (the latest one is used). */
export function useHotkeys(
  classes: Pick<LabelClass, "id" | "hotkey" | "kind">[],
  handle: (action: HotkeyAction) => void,
  enabled = true,
): void {
  const latest = useRef(handle);
  useEffect(() => {
    latest.current = handle;
  });
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || isTyping(e.target)) return;
      const action = hotkeyAction(e, classes);
      if (!action) return;
      e.preventDefault();
      latest.current(action);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [classes, enabled]);
}
