import { describe, expect, it } from "vitest";
import { DEFAULT_DISPLAY } from "../display";
import { bandChoices, bandIndex, defaultRanges, fits, resolveRoles, roleIndex, shownBands, shownLabels } from "./bands";

const EUROSAT = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B09", "B10", "B11", "B12", "B8A"];
const stats = (n: number) => Array.from({ length: n }, (_, i) => ({ p2: 100 * i, p98: 100 * i + 50 }));
const s2 = { band_count: 13, band_names: EUROSAT, dtype: "uint16", stats: stats(13) };
const rgb = { band_count: 3, band_names: [], dtype: "uint8", stats: null };
const gray = { band_count: 1, band_names: [], dtype: "float32", stats: null };

describe("band roles (workers/tiles.py ROLES)", () => {
  it("finds Sentinel-2 bands by name, best first", () => {
    expect(roleIndex(s2, "nir")).toBe(8); // B08 before B8A
    expect(roleIndex(s2, "nir08")).toBe(13); // B8A
    expect(resolveRoles(s2, ["swir22", "nir08", "red"])).toEqual({ indexes: [12, 13, 4] });
  });

  it("reads an unnamed 3-band image as red, green, blue", () => {
    expect(resolveRoles(rgb, ["red", "green", "blue"])).toEqual({ indexes: [1, 2, 3] });
    expect(resolveRoles(rgb, ["nir", "red", "green"])).toEqual({ missing: "B08" });
    expect(resolveRoles(gray, ["red"])).toEqual({ missing: "B04" });
  });

  it("names a band by its name or its 1-based index", () => {
    expect(bandChoices(rgb)).toEqual([
      { value: "1", label: "Band 1" },
      { value: "2", label: "Band 2" },
      { value: "3", label: "Band 3" },
    ]);
    expect(bandChoices(s2)[7]).toEqual({ value: "B08", label: "B08" });
    expect(bandIndex(s2, "b8a")).toBe(13);
    expect(bandIndex(rgb, "2")).toBe(2);
    expect(bandIndex(rgb, "4")).toBeNull();
  });
});

describe("what a display shows and its default stretch", () => {
  it("is true colour by default when the image has it, else the first bands", () => {
    expect(shownBands(s2, DEFAULT_DISPLAY)).toEqual([4, 3, 2]);
    expect(shownBands(gray, DEFAULT_DISPLAY)).toEqual([1]);
    expect(shownLabels(s2, DEFAULT_DISPLAY)).toEqual(["R: B04", "G: B03", "B: B02"]);
  });

  it("stretches each band shown from its p2 to its p98", () => {
    const falsecolor = { ...DEFAULT_DISPLAY, preset: "falsecolor" };
    expect(defaultRanges(s2, falsecolor)).toEqual([
      [700, 750],
      [300, 350],
      [200, 250],
    ]);
    expect(defaultRanges(rgb, DEFAULT_DISPLAY)).toEqual([
      [0, 255],
      [0, 255],
      [0, 255],
    ]);
    expect(defaultRanges(gray, DEFAULT_DISPLAY)).toEqual([null]);
  });

  it("stretches an index over -1..1 and custom bands by their own stats", () => {
    expect(defaultRanges(s2, { ...DEFAULT_DISPLAY, mode: "index", index: "ndvi" })).toEqual([[-1, 1]]);
    expect(shownLabels(s2, { ...DEFAULT_DISPLAY, mode: "index", index: "ndvi" })).toEqual(["NDVI"]);
    const one = { ...DEFAULT_DISPLAY, mode: "bands" as const, bands: ["B11"] };
    expect(defaultRanges(s2, one)).toEqual([[1000, 1050]]);
    expect(shownLabels(s2, one)).toEqual(["B11"]);
    expect(shownBands(s2, { ...one, bands: ["B99"] })).toBeNull();
  });
});

describe("fits", () => {
  it("tells whether the image's bands can draw a display", () => {
    const falsecolor = { ...DEFAULT_DISPLAY, preset: "falsecolor" };
    expect(fits(s2, falsecolor)).toBe(true);
    expect(fits(rgb, falsecolor)).toBe(false);
    expect(fits(rgb, { ...DEFAULT_DISPLAY, mode: "index", index: "ndvi" })).toBe(false);
    expect(fits(s2, { ...DEFAULT_DISPLAY, mode: "index", index: "nbr" })).toBe(true);
    expect(fits(rgb, { ...DEFAULT_DISPLAY, mode: "bands", bands: ["B04"] })).toBe(false);
    expect(fits(rgb, { ...DEFAULT_DISPLAY, mode: "bands", bands: ["3", "2", "1"] })).toBe(true);
    const three = [[0, 1], [0, 2], [0, 3]] as [number, number][];
    expect(fits(gray, { ...DEFAULT_DISPLAY, rescale: three })).toBe(false);
    expect(fits(rgb, { ...DEFAULT_DISPLAY, rescale: three })).toBe(true);
  });
});
