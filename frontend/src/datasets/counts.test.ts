import { describe, expect, it } from "vitest";
import { countRows } from "./counts";

describe("countRows", () => {
  it("lists images, annotation classes and tags per split with totals", () => {
    const rows = countRows({
      images: { train: 2, test: 1 },
      annotations: { train: { water: 3 }, test: { cloud: 1, water: 1 } },
      tags: { train: { "flooded:positive": 1 } },
      map_shapes: 0,
    });
    expect(rows).toEqual([
      { what: "Images", perSplit: [2, 0, 1], total: 3 },
      { what: "Annotations: cloud", perSplit: [0, 0, 1], total: 1 },
      { what: "Annotations: water", perSplit: [3, 0, 1], total: 4 },
      { what: "Tags: flooded:positive", perSplit: [1, 0, 0], total: 1 },
    ]);
  });
  it("gives zero images for an empty version", () => {
    expect(countRows({})).toEqual([{ what: "Images", perSplit: [0, 0, 0], total: 0 }]);
  });
});
