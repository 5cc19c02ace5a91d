import { describe, expect, it } from "vitest";
import { clickSelect, isSelected, NOTHING, selectedCount, toggle } from "./selection";

const ids = [10, 11, 12, 13, 14, 15];
const idAt = (i: number) => ids[i];
const plain = { shift: false, toggle: false };

describe("clickSelect", () => {
  it("selects one on a plain click, and unselects it on a second", () => {
    const one = clickSelect(NOTHING, 2, 12, plain, idAt);
    expect([...one.ids]).toEqual([12]);
    expect(one.anchor).toBe(2);
    const again = clickSelect(one, 2, 12, plain, idAt);
    expect(again.ids.size).toBe(0);
  });

  it("adds and removes with ctrl/cmd", () => {
    let sel = clickSelect(NOTHING, 1, 11, plain, idAt);
    sel = clickSelect(sel, 4, 14, { shift: false, toggle: true }, idAt);
    expect([...sel.ids].sort()).toEqual([11, 14]);
    sel = clickSelect(sel, 1, 11, { shift: false, toggle: true }, idAt);
    expect([...sel.ids]).toEqual([14]);
  });

  it("selects a range with shift, either way round, skipping unloaded items", () => {
    const start = clickSelect(NOTHING, 4, 14, plain, idAt);
    const back = clickSelect(start, 1, 11, { shift: true, toggle: false }, idAt);
    expect([...back.ids].sort()).toEqual([11, 12, 13, 14]);
    expect(back.anchor).toBe(4); // the range stays anchored where it began
    const sparse = clickSelect(start, 5, 15, { shift: true, toggle: false }, (i) => (i === 5 ? 15 : undefined));
    expect([...sparse.ids]).toEqual([15]);
  });

  it("adds a range to the selection with ctrl+shift", () => {
    let sel = clickSelect(NOTHING, 0, 10, plain, idAt);
    sel = clickSelect(sel, 3, 13, { shift: false, toggle: true }, idAt);
    sel = clickSelect(sel, 5, 15, { shift: true, toggle: true }, idAt);
    expect([...sel.ids].sort()).toEqual([10, 13, 14, 15]);
  });

  it("leaves 'all matching' on any click", () => {
    const all = { all: true, ids: new Set<number>(), anchor: null };
    expect(isSelected(all, 99)).toBe(true);
    expect(selectedCount(all, 100_000)).toBe(100_000);
    const one = clickSelect(all, 2, 12, plain, idAt);
    expect(one.all).toBe(false);
    expect([...one.ids]).toEqual([12]);
    expect(toggle(all, 3, 13).all).toBe(false);
  });
});
