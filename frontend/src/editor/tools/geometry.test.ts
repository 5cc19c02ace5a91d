import { describe, expect, it } from "vitest";
import { addHole, addPart, aspectCorner, insideRing, parseRatio } from "./geometry";

describe("box aspect ratio", () => {
  it("leaves free boxes alone", () => {
    expect(aspectCorner([10, 10], [50, 30], null)).toEqual([50, 30]);
  });

  it("grows the short side to keep the ratio, in the dragged direction", () => {
    expect(aspectCorner([10, 10], [50, 30], 1)).toEqual([50, 50]);
    expect(aspectCorner([10, 10], [20, 60], 1)).toEqual([60, 60]);
    expect(aspectCorner([100, 100], [60, 90], 4 / 3)).toEqual([60, 70]);
    expect(aspectCorner([100, 100], [90, 40], 4 / 3)).toEqual([20, 40]);
  });

  it("parses ratios", () => {
    expect(parseRatio("4:3")).toBeCloseTo(4 / 3);
    expect(parseRatio("1:1")).toBe(1);
    expect(parseRatio("free")).toBeNull();
    expect(parseRatio("0:3")).toBeNull();
  });
});

describe("holes and parts", () => {
  const square = {
    type: "Polygon" as const,
    coordinates: [[[0, 0], [100, 0], [100, 100], [0, 100], [0, 0]]],
  };
  const ring = [[20, 20], [40, 20], [40, 40]];

  it("adds a closed hole to a polygon", () => {
    const result = addHole(square, ring);
    expect(result.type).toBe("Polygon");
    expect(result.coordinates[1]).toEqual([[20, 20], [40, 20], [40, 40], [20, 20]]);
  });

  it("adds a part, making a multipolygon", () => {
    const result = addPart(square, [[200, 200], [300, 200], [300, 300]]);
    expect(result.type).toBe("MultiPolygon");
    expect(result.coordinates).toHaveLength(2);
    expect(result.coordinates[1]?.[0]).toHaveLength(4);
  });

  it("cuts the hole in the part that holds it", () => {
    const multi = addPart(square, [[200, 200], [300, 200], [300, 300], [200, 300]]);
    const result = addHole(multi, [[210, 210], [220, 210], [220, 220]]);
    expect(result.type).toBe("MultiPolygon");
    expect(result.coordinates[0]).toHaveLength(1);
    expect(result.coordinates[1]).toHaveLength(2);
  });

  it("tests points in rings", () => {
    expect(insideRing([50, 50], square.coordinates[0] ?? [])).toBe(true);
    expect(insideRing([150, 50], square.coordinates[0] ?? [])).toBe(false);
  });
});
