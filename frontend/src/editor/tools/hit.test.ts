import { describe, expect, it } from "vitest";
import { bboxOf, hits, pick } from "./hit";

const big = { type: "Polygon" as const, coordinates: [[[0, 0], [100, 0], [100, 100], [0, 100], [0, 0]], [[40, 40], [60, 40], [60, 60], [40, 60], [40, 40]]] };
const small = { type: "Polygon" as const, coordinates: [[[10, 10], [20, 10], [20, 20], [10, 20], [10, 10]]] };
const line = { type: "LineString" as const, coordinates: [[0, 200], [100, 200]] };
const point = { type: "Point" as const, coordinates: [300, 300] };

describe("picking shapes", () => {
  it("knows bounding boxes", () => {
    expect(bboxOf(big)).toEqual([0, 0, 100, 100]);
    expect(bboxOf(point)).toEqual([300, 300, 300, 300]);
  });

  it("hits areas but not their holes, lines and points within the tolerance", () => {
    expect(hits(big, [5, 5], 1)).toBe(true);
    expect(hits(big, [50, 50], 1)).toBe(false);
    expect(hits(line, [50, 202], 3)).toBe(true);
    expect(hits(line, [50, 205], 3)).toBe(false);
    expect(hits(point, [302, 301], 3)).toBe(true);
  });

  it("prefers the smallest shape under the cursor", () => {
    const shapes = [
      { id: 1, geometry: big, bbox: bboxOf(big) },
      { id: 2, geometry: small, bbox: bboxOf(small) },
      { id: 3, geometry: line, bbox: bboxOf(line) },
    ];
    expect(pick(shapes, [15, 15], 2)).toBe(2);
    expect(pick(shapes, [80, 80], 2)).toBe(1);
    expect(pick(shapes, [50, 50], 2)).toBeNull();
    expect(pick(shapes, [50, 199], 2)).toBe(3);
  });
});
