import { describe, expect, it } from "vitest";
import type { LabelClass } from "../lib/types";
import { hotkeyProblem, moveClass, orderChanges, sortClasses } from "./labelClasses";

function cls(id: number, order: number): LabelClass {
  return { id, order, event: 1, name: `c${id}`, color: "#000000", hotkey: "", kind: "object", description: "", value: null };
}

describe("label class order", () => {
  const classes = [cls(3, 0), cls(1, 0), cls(2, 5)];

  it("sorts by order then id", () => {
    expect(sortClasses(classes).map((c) => c.id)).toEqual([1, 3, 2]);
  });

  it("moves one step and rewrites only the orders that differ", () => {
    const moved = moveClass(classes, 2, -1);
    expect(moved.map((c) => c.id)).toEqual([1, 2, 3]);
    expect(orderChanges(moved)).toEqual([
      { id: 2, order: 1 },
      { id: 3, order: 2 },
    ]);
  });

  it("leaves the ends alone", () => {
    expect(moveClass(classes, 1, -1).map((c) => c.id)).toEqual([1, 3, 2]);
    expect(moveClass(classes, 2, 1).map((c) => c.id)).toEqual([1, 3, 2]);
  });
});

describe("hotkeyProblem", () => {
  it("accepts empty or one character", () => {
    expect(hotkeyProblem("")).toBe("");
    expect(hotkeyProblem("f")).toBe("");
    expect(hotkeyProblem("ff")).toBe("A hotkey is one character.");
    expect(hotkeyProblem(" ")).toBe("A hotkey cannot be a space.");
  });
});
