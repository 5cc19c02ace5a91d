import { describe, expect, it } from "vitest";
import { ApiError } from "../../lib/api";
import type { Annotation } from "../types";
import { isStale, whatChanged } from "./conflict";

const base = {
  id: 1,
  label_class: 1,
  geometry: { type: "Point", coordinates: [1, 2] },
  mask: null,
  attributes: { a: 1 },
  difficulty: null,
  review_state: "pending",
  version: 1,
} as unknown as Annotation;
const names = (id: number) => ["", "water", "ship"][id] ?? "?";

describe("conflicts", () => {
  it("says what the other person changed", () => {
    expect(whatChanged(base, { ...base, version: 2 }, names)).toEqual([]);
    expect(
      whatChanged(
        base,
        { ...base, label_class: 2, geometry: { type: "Point", coordinates: [3, 4] }, attributes: {} },
        names,
      ),
    ).toEqual(["class: water → ship", "geometry (shape or position)", "attributes"]);
  });

  it("recognises a stale version answer", () => {
    expect(isStale(new ApiError(409, { detail: "x", code: "stale_version", fields: {} }))).toBe(true);
    expect(isStale(new ApiError(409, { detail: "x", code: "not_ready", fields: {} }))).toBe(false);
    expect(isStale(new Error("x"))).toBe(false);
  });
});
