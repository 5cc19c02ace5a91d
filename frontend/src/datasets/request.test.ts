import { describe, expect, it } from "vitest";
import { DEFAULT_FORM, buildDatasetRequest, endOfDay, formatChoices, ratioErrors, toggled } from "./request";

describe("ratioErrors", () => {
  it("accepts ratios adding up to 1", () => {
    expect(ratioErrors({ train: "0.7", validation: "0.2", test: "0.1" })).toEqual([]);
    expect(ratioErrors({ train: "1", validation: "0", test: "0" })).toEqual([]);
  });
  it("names the total when they do not add up", () => {
    expect(ratioErrors({ train: "0.8", validation: "0.3", test: "0.1" })).toEqual([
      "The split ratios must add up to 1 (they add up to 1.2).",
    ]);
  });
  it("names a ratio out of range or not a number", () => {
    expect(ratioErrors({ train: "1.5", validation: "", test: "x" })).toEqual([
      "The train ratio must be a number from 0 to 1.",
      "The validation ratio must be a number from 0 to 1.",
      "The test ratio must be a number from 0 to 1.",
    ]);
  });
});

describe("buildDatasetRequest", () => {
  it("sends the defaults with no filters", () => {
    const { request, errors } = buildDatasetRequest(DEFAULT_FORM);
    expect(errors).toEqual([]);
    expect(request).toEqual({
      name: "",
      formats: ["coco", "geojson"],
      filters: {},
      split: { train: 0.8, validation: 0.1, test: 0.1, seed: 0, stratify: true },
      options: { include_images: false },
    });
  });

  it("turns every field into the API's names", () => {
    const { request, errors } = buildDatasetRequest({
      ...DEFAULT_FORM,
      name: "  floods ",
      formats: ["yolo"],
      labelClasses: [5, 2],
      tagStates: ["positive"],
      reviewStates: ["accepted"],
      sources: ["upload", "gibs"],
      acquiredAfter: "2024-01-01",
      acquiredBefore: "2024-01-31",
      labelledOnly: true,
      ratios: { train: "0.5", validation: "0.25", test: "0.25" },
      seed: "7",
      stratify: false,
      groupCellKm: "25",
      includeImages: true,
      chipSize: "256",
      chipOverlap: "32",
      keepEmptyChips: false,
    });
    expect(errors).toEqual([]);
    expect(request).toEqual({
      name: "floods",
      formats: ["yolo"],
      filters: {
        label_classes: [2, 5],
        tag_states: ["positive"],
        review_states: ["accepted"],
        sources: ["upload", "gibs"],
        acquired_after: "2024-01-01",
        acquired_before: "2024-01-31T23:59:59.999999+00:00",
        labelled_only: true,
      },
      split: { train: 0.5, validation: 0.25, test: 0.25, seed: 7, stratify: false, group_cell_km: 25 },
      options: { include_images: true, chip_size: 256, chip_overlap: 32, keep_empty_chips: false },
    });
  });

  it("refuses a form with problems, naming each", () => {
    const { request, errors } = buildDatasetRequest({
      ...DEFAULT_FORM,
      formats: [],
      ratios: { train: "0.9", validation: "0.1", test: "0.1" },
      seed: "1.5",
      acquiredAfter: "2024-02-01",
      acquiredBefore: "2024-01-01",
      groupCellKm: "-3",
      chipSize: "256",
      chipOverlap: "200",
    });
    expect(request).toBeNull();
    expect(errors).toEqual([
      "Choose at least one export format.",
      "The split ratios must add up to 1 (they add up to 1.1).",
      "The date range ends before it starts.",
      "The seed must be a whole number.",
      "The spatial grouping cell must be a positive number of kilometres (at most 20000).",
      "The chip overlap must be a whole number from 0 to 128 pixels.",
    ]);
  });

  it("checks the chip size bounds", () => {
    expect(buildDatasetRequest({ ...DEFAULT_FORM, chipSize: "16" }).errors).toEqual([
      "The chip size must be a whole number of pixels from 32 to 8192.",
    ]);
  });
});

describe("helpers", () => {
  it("endOfDay makes an inclusive end", () => {
    expect(endOfDay("2024-03-05")).toBe("2024-03-05T23:59:59.999999+00:00");
  });
  it("toggled adds once and removes", () => {
    expect(toggled([1, 2], 3, true)).toEqual([1, 2, 3]);
    expect(toggled([1, 2], 2, true)).toEqual([1, 2]);
    expect(toggled([1, 2], 1, false)).toEqual([2]);
  });
});

describe("formatChoices", () => {
  it("offers the server's formats in its order, with titles, and names an unknown one", () => {
    expect(formatChoices(["geojson", "coco", "parquet"])).toEqual([
      { name: "geojson", title: "GeoJSON", hint: "EPSG:4326 annotations, map shapes, footprints" },
      { name: "coco", title: "COCO", hint: "boxes, polygons, masks (instances JSON per split)" },
      { name: "parquet", title: "parquet", hint: "" },
    ]);
  });
});
