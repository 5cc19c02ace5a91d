import { describe, expect, it } from "vitest";
import { cssFilter, DEFAULT_DISPLAY, tileQuery, tileUrl } from "./display";

const TEMPLATE = "http://x/api/v1/images/3/image-tiles/{z}/{x}/{y}.png";

describe("tile query", () => {
  it("sends nothing for the server's defaults", () => {
    expect(tileQuery(DEFAULT_DISPLAY)).toEqual({});
    expect(tileUrl(TEMPLATE, DEFAULT_DISPLAY)).toBe(TEMPLATE);
    expect(cssFilter(DEFAULT_DISPLAY)).toBe("none");
  });

  it("names a preset, custom bands or an index, only the one of the mode", () => {
    const both = { ...DEFAULT_DISPLAY, preset: "swir", bands: ["B04", "B03", "B02"], index: "ndwi" };
    expect(tileQuery({ ...both, mode: "preset" })).toEqual({ preset: "swir" });
    expect(tileQuery({ ...both, mode: "bands" })).toEqual({ bands: "B04,B03,B02" });
    expect(tileQuery({ ...both, mode: "index" })).toEqual({ index: "ndwi" });
  });

  it("sends a colormap only for one band or an index", () => {
    const d = { ...DEFAULT_DISPLAY, colormap: "viridis" };
    expect(tileQuery({ ...d, mode: "bands", bands: ["B08"] })).toEqual({ bands: "B08", colormap: "viridis" });
    expect(tileQuery({ ...d, mode: "bands", bands: ["1", "2", "3"] })).toEqual({ bands: "1,2,3" });
    expect(tileQuery({ ...d, mode: "index", index: "ndvi" })).toEqual({ index: "ndvi", colormap: "viridis" });
    expect(tileQuery({ ...d, mode: "preset", preset: "truecolor" })).toEqual({ preset: "truecolor" });
  });

  it("writes the stretch as min,max pairs separated by ';', gamma and brightness", () => {
    const d = { ...DEFAULT_DISPLAY, rescale: [[10, 120], [0.1, 0.30000000000000004], [-1, 1]] as [number, number][] };
    expect(tileQuery({ ...d, gamma: 1.5, brightness: -0.25 })).toEqual({
      rescale: "10,120;0.1,0.3;-1,1",
      gamma: "1.5",
      brightness: "-0.25",
    });
    expect(tileQuery({ ...DEFAULT_DISPLAY, rescale: [[0, 3000]] })).toEqual({ rescale: "0,3000" });
  });

  it("appends the query to the template, after any query it has", () => {
    const d = { ...DEFAULT_DISPLAY, mode: "bands" as const, bands: ["B04", "B03", "B02"], gamma: 2 };
    expect(tileUrl(TEMPLATE, d)).toBe(`${TEMPLATE}?bands=B04%2CB03%2CB02&gamma=2`);
    expect(tileUrl(`${TEMPLATE}?v=1`, d)).toBe(`${TEMPLATE}?v=1&bands=B04%2CB03%2CB02&gamma=2`);
  });

  it("turns contrast and invert into a CSS filter", () => {
    expect(cssFilter({ ...DEFAULT_DISPLAY, contrast: 1.5 })).toBe("contrast(1.5)");
    expect(cssFilter({ ...DEFAULT_DISPLAY, contrast: 0.8, invert: true })).toBe("contrast(0.8) invert(1)");
  });
});
