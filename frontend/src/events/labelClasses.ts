// Label class order: the list as shown (by order, then id), moves of one step, and the
// `order` values to write so the server's order matches the list.
import type { LabelClass } from "../lib/types";

export function sortClasses(classes: LabelClass[]): LabelClass[] {
  return [...classes].sort((a, b) => a.order - b.order || a.id - b.id);
}

/** The classes with `id` moved one step up (-1) or down (+1); unchanged at an end. */
export function moveClass(classes: LabelClass[], id: number, step: -1 | 1): LabelClass[] {
  const list = sortClasses(classes);
  const from = list.findIndex((c) => c.id === id);
  const to = from + step;
  if (from < 0 || to < 0 || to >= list.length) return list;
  const moved = [...list];
  const [item] = moved.splice(from, 1);
  if (item) moved.splice(to, 0, item);
  return moved;
}

/** The PATCHes that make `order` equal each class's position: only those that differ. */
export function orderChanges(list: LabelClass[]): { id: number; order: number }[] {
  return list.flatMap((c, index) => (c.order === index ? [] : [{ id: c.id, order: index }]));
}

/** A hotkey the editor accepts: empty or a single character that is not a space. */
export function hotkeyProblem(hotkey: string): string {
  if (hotkey === "") return "";
  if ([...hotkey].length !== 1) return "A hotkey is one character.";
  if (hotkey.trim() === "") return "A hotkey cannot be a space.";
  return "";
}
