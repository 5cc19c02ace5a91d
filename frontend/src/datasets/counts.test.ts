import { describe, expect, it } from "vitest";
import { countRows, settingsText, splitText } from "./counts";

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

describe("settings in words", () => {
  it("describes a split", () => {
    expect(splitText({ train: 0.8, validation: 0.1, test: 0.1, seed: 0, stratify: true, group_cell_km: null })).toBe(
      "train 0.8 / validation 0.1 / test 0.1, seed 0, stratified",
    );
    expect(splitText({ train: 1, validation: 0, test: 0, seed: 3, stratify: false, group_cell_km: 25 })).toBe(
      "train 1 / validation 0 / test 0, seed 3, grouped in 25 km cells",
    );
  });
  it("describes filters and options", () => {
    expect(settingsText({}, "all images")).toBe("all images");
    expect(settingsText({ include_images: false }, "none")).toBe("none");
    expect(settingsText({ review_states: ["accepted"], labelled_only: true }, "")).toBe(
      "review states: accepted; labelled only",
    );
  });
});
