import { describe, expect, it } from "vitest";
import { areaBounds, bboxArea, combineArea, describeArea, orientPolygon, signedArea } from "./geo";

// A Leaflet rectangle's toGeoJSON(): south-west, north-west, north-east, south-east (clockwise).
const leafletRect = {
  type: "Polygon" as const,
  coordinates: [
    [
      [10, 40],
      [10, 42],
      [12, 42],
      [12, 40],
      [10, 40],
    ],
  ],
};

describe("combineArea", () => {
  it("gives null for no shapes", () => {
    expect(combineArea([])).toBeNull();
    expect(combineArea([null, { type: "Point", coordinates: [1, 2] }])).toBeNull();
  });

  it("turns one clockwise rectangle into a counter-clockwise Polygon", () => {
    const area = combineArea([leafletRect]);
    expect(area?.type).toBe("Polygon");
    const ring = area?.type === "Polygon" ? area.coordinates[0] : undefined;
    expect(ring).toEqual([
      [10, 40],
      [12, 40],
      [12, 42],
      [10, 42],
      [10, 40],
    ]);
    expect(signedArea(ring ?? [])).toBeGreaterThan(0);
  });

  it("makes a MultiPolygon of several shapes, flattening MultiPolygons", () => {
    const area = combineArea([
      leafletRect,
      { type: "MultiPolygon", coordinates: [leafletRect.coordinates, leafletRect.coordinates] },
    ]);
    expect(area?.type).toBe("MultiPolygon");
    expect(area?.coordinates).toHaveLength(3);
  });
});

describe("orientPolygon", () => {
  it("closes open rings and makes holes clockwise", () => {
    const [outer, hole] = orientPolygon([
      [
        [0, 0],
        [4, 0],
        [4, 4],
        [0, 4],
      ],
      [
        [1, 1],
        [2, 1],
        [2, 2],
        [1, 2],
      ],
    ]);
    expect(outer?.[0]).toEqual(outer?.[outer.length - 1]);
    expect(signedArea(outer ?? [])).toBeGreaterThan(0);
    expect(signedArea(hole ?? [])).toBeLessThan(0);
  });
});

describe("areaBounds and describeArea", () => {
  it("gives Leaflet's [[south, west], [north, east]]", () => {
    expect(areaBounds(leafletRect)).toEqual([
      [40, 10],
      [42, 12],
    ]);
    expect(areaBounds(null)).toBeNull();
  });

  it("says how many polygons and where", () => {
    expect(describeArea(leafletRect)).toBe("1 polygon within 10.00…12.00° E, 40.00…42.00° N");
    expect(describeArea(null)).toBe("No area of interest.");
  });
});

describe("bboxArea", () => {
  it("makes a closed counter-clockwise box", () => {
    const area = bboxArea(-20, 10, 10, 35);
    expect(typeof area).toBe("object");
    if (typeof area === "string") return;
    expect(combineArea([area])).toEqual(area);
    expect(areaBounds(area)).toEqual([
      [10, -20],
      [35, 10],
    ]);
  });

  it("says what is wrong", () => {
    expect(bboxArea(10, 0, -10, 5)).toBe("West must be less than east.");
    expect(bboxArea(0, 5, 10, 5)).toBe("South must be less than north.");
    expect(bboxArea(0, 0, 200, 5)).toBe("Longitudes go from -180 to 180 and latitudes from -90 to 90.");
    expect(bboxArea(Number.NaN, 0, 1, 1)).toBe("Give four numbers.");
  });
});
