// Multi-selection over a long, lazily loaded list: plain click selects one, ctrl/cmd-click
// toggles, shift-click takes the range from the last clicked item, "all matching" stands for
// every image the filters match (sent to the API as filters, not ids).

export interface Selection {
  /** Every image matching the filters (ids are ignored while set). */
  all: boolean;
  ids: ReadonlySet<number>;
  /** Index of the last plainly or ctrl-clicked item: where a shift-click range starts. */
  anchor: number | null;
}

export const NOTHING: Selection = { all: false, ids: new Set(), anchor: null };

export interface ClickKeys {
  shift: boolean;
  /** ctrl on Linux/Windows, cmd on macOS. */
  toggle: boolean;
}

/**
 * The selection after clicking item ``index`` (id ``id``). ``idAt(i)`` gives the id at a
 * list index when that page is loaded (undefined otherwise: such items are skipped).
 */
export function clickSelect(
  sel: Selection,
  index: number,
  id: number,
  keys: ClickKeys,
  idAt: (i: number) => number | undefined,
): Selection {
  if (keys.shift && sel.anchor !== null) {
    const [from, to] = sel.anchor <= index ? [sel.anchor, index] : [index, sel.anchor];
    const ids = new Set(keys.toggle && !sel.all ? sel.ids : []);
    for (let i = from; i <= to; i += 1) {
      const found = idAt(i);
      if (found !== undefined) ids.add(found);
    }
    return { all: false, ids, anchor: sel.anchor };
  }
  if (keys.toggle) return toggle(sel, index, id);
  if (!sel.all && sel.ids.size === 1 && sel.ids.has(id)) return { ...NOTHING, anchor: index };
  return { all: false, ids: new Set([id]), anchor: index };
}

/** Space on a focused item, or its checkbox: add or remove it, keep the rest. */
export function toggle(sel: Selection, index: number, id: number): Selection {
  if (sel.all) return { all: false, ids: new Set([id]), anchor: index };
  const ids = new Set(sel.ids);
  if (ids.has(id)) ids.delete(id);
  else ids.add(id);
  return { all: false, ids, anchor: index };
}

export function isSelected(sel: Selection, id: number): boolean {
  return sel.all || sel.ids.has(id);
}

export function selectedCount(sel: Selection, total: number): number {
  return sel.all ? total : sel.ids.size;
}
