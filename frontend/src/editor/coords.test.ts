import { describe, expect, it } from "vitest";
import { boxGeometry, geometryToLatLngs, gridOf, imageMaxZoom, polygonGeometry, toLatLng, toPixel } from "./coords";
import type { LatLng } from "leaflet";

const grid = gridOf({ width: 791, height: 718 });

describe("coords", () => {
  it("uses the tile pyramid's max zoom", () => {
    expect(imageMaxZoom(791, 718)).toBe(2);
    expect(imageMaxZoom(256, 256)).toBe(0);
    expect(grid.maxZoom).toBe(2);
  });

  it("round-trips pixels through latlngs", () => {
    for (const p of [
      [0, 0],
      [791, 718],
      [123.456, 7.891],
      [0.001, 717.999],
    ] as [number, number][]) {
      expect(toPixel(toLatLng(p, grid), grid)).toEqual(p);
    }
  });

  it("puts the image's top-left at latlng 0,0 and y down as negative lat", () => {
    const ll = toLatLng([400, 100], grid);
    expect(ll.lng).toBe(100);
    expect(ll.lat).toBe(-25);
  });

  it("round-trips a polygon with a hole", () => {
    const polygon = {
      type: "Polygon" as const,
      coordinates: [
        [[10, 10], [100, 10], [100, 100], [10, 100], [10, 10]],
        [[20, 20], [40, 20], [40, 40], [20, 20]],
      ],
    };
    const latlngs = geometryToLatLngs(polygon, grid) as LatLng[][];
    expect(latlngs).toHaveLength(2);
    expect(polygonGeometry(latlngs, grid)).toEqual(polygon);
  });

  it("round-trips a multipolygon", () => {
    const multi = {
      type: "MultiPolygon" as const,
      coordinates: [
        [[[10, 10], [100, 10], [100, 100], [10, 10]]],
        [[[200, 200], [300, 200], [300, 300], [200, 200]]],
      ],
    };
    expect(polygonGeometry(geometryToLatLngs(multi, grid) as LatLng[][][], grid)).toEqual(multi);
  });

  it("orders a box's corners whichever way it was dragged", () => {
    expect(boxGeometry([50, 40], [10, 80]).coordinates[0]).toEqual([
      [10, 40],
      [50, 40],
      [50, 80],
      [10, 80],
      [10, 40],
    ]);
  });
});
