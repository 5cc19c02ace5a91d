import { describe, expect, it } from "vitest";
import {
  attributeRows,
  bboxOf,
  drawHint,
  exportFileName,
  featuresToImport,
  geometryBounds,
  gibsXyzTemplate,
  labelState,
  propertiesOf,
  tileUrl,
  unionBounds,
} from "./helpers";
import { bboxPolygon } from "../events/geo";

describe("labelState", () => {
  it("is positive when any tag is positive, negative when all are, untagged without tags", () => {
    expect(labelState({ tags: [] })).toBe("untagged");
    expect(labelState({ tags: [] }, true)).toBe("annotated");
    expect(labelState({ tags: [{ label_class: 1, state: "negative" }] }, true)).toBe("negative");
    expect(labelState({ tags: [{ label_class: 1, state: "negative" }] })).toBe("negative");
    expect(
      labelState({
        tags: [
          { label_class: 1, state: "negative" },
          { label_class: 2, state: "positive" },
        ],
      }),
    ).toBe("positive");
  });
});

describe("GeoJSON bounds", () => {
  it("finds the bounds of polygons, multipolygons and points", () => {
    expect(geometryBounds(bboxPolygon([-84, 38, -79, 44]))).toEqual([
      [38, -84],
      [44, -79],
    ]);
    expect(
      geometryBounds({
        type: "MultiPolygon",
        coordinates: [[[[1, 2], [3, 2], [3, 4], [1, 2]]], [[[-5, -6], [0, -6], [0, 0], [-5, -6]]]],
      }),
    ).toEqual([
      [-6, -5],
      [4, 3],
    ]);
    expect(geometryBounds({ type: "Point", coordinates: [10, 20] })).toEqual([
      [20, 10],
      [20, 10],
    ]);
    expect(geometryBounds(null)).toBeNull();
  });

  it("unions bounds and skips missing ones", () => {
    expect(
      unionBounds([
        [
          [0, 0],
          [1, 1],
        ],
        null,
        [
          [-1, 2],
          [0.5, 3],
        ],
      ]),
    ).toEqual([
      [-1, 0],
      [1, 3],
    ]);
    expect(unionBounds([null])).toBeNull();
  });

  it("makes an API bbox from map bounds, wrapped and rounded", () => {
    expect(bboxOf({ west: -84.1234567, south: 38, east: -79, north: 44 })).toEqual([-84.123457, 38, -79, 44]);
    expect(bboxOf({ west: 276, south: 38, east: 281, north: 44 })).toEqual([-84, 38, -79, 44]);
    expect(bboxOf({ west: -400, south: -95, east: 400, north: 95 })).toEqual([-180, -90, 180, 90]);
  });

  it("closes the ring of a bbox polygon", () => {
    const ring = bboxPolygon([0, 1, 2, 3]).coordinates[0] ?? [];
    expect(ring[0]).toEqual(ring[ring.length - 1]);
    expect(ring).toHaveLength(5);
  });
});

describe("tile URLs", () => {
  const template = "http://x/api/v1/images/3/tiles/{z}/{x}/{y}.png";
  it("adds the preset or index and the stretch", () => {
    expect(tileUrl(template, { preset: "", min: "", max: "", gamma: "" })).toBe(template);
    expect(tileUrl(template, { preset: "falsecolor", min: "0", max: "3000", gamma: "1.5" })).toBe(
      `${template}?preset=falsecolor&rescale=0,3000&gamma=1.5`,
    );
    expect(tileUrl(template, { preset: "ndvi", min: "5", max: "1", gamma: "" })).toBe(`${template}?index=ndvi`);
  });

  it("moves a GIBS EPSG:4326 template to the Web Mercator service", () => {
    const gibs =
      "https://gibs.earthdata.nasa.gov/wmts/epsg4326/best/MODIS_Terra/default/{Time}/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.jpg";
    expect(gibsXyzTemplate(gibs, ["250m"], "2024-01-02")).toEqual({
      url: "https://gibs.earthdata.nasa.gov/wmts/epsg3857/best/MODIS_Terra/default/2024-01-02/GoogleMapsCompatible_Level9/{z}/{y}/{x}.jpg",
      maxNativeZoom: 9,
    });
    expect(
      gibsXyzTemplate(
        "http://map1.vis.earthdata.nasa.gov/wmts-geo/L/default/{Time}/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.jpg",
        ["EPSG4326_250m"],
        "2013-07-01",
      )?.url,
    ).toBe("http://map1.vis.earthdata.nasa.gov/wmts-webmerc/L/default/2013-07-01/GoogleMapsCompatible_Level9/{z}/{y}/{x}.jpg");
    expect(gibsXyzTemplate(gibs, ["EPSG4326_16km"], "")).toBeNull();
    expect(gibsXyzTemplate("http://other/{TileMatrix}/{TileRow}/{TileCol}", ["250m"], "")).toBeNull();
  });
});

describe("shape properties and GeoJSON files", () => {
  it("turns properties into attribute rows and back, without derived keys", () => {
    const rows = attributeRows({ label_class: 3, label: "Lake", author: "a", depth: "4 m", n: 2 });
    expect(rows).toEqual([
      ["depth", "4 m"],
      ["n", "2"],
    ]);
    expect(propertiesOf([...rows, [" ", "dropped"]], 3)).toEqual({ depth: "4 m", n: "2", label_class: 3 });
  });

  it("reads collections, features and bare geometries; refuses other files in words", () => {
    const feature = {
      type: "Feature",
      id: 9,
      geometry: { type: "Point", coordinates: [1, 2] },
      properties: { label_class: "Lake", author: "x", created_at: "t", note: "n" },
    };
    expect(featuresToImport(JSON.stringify({ type: "FeatureCollection", features: [feature] }))).toEqual({
      type: "FeatureCollection",
      features: [
        { type: "Feature", geometry: feature.geometry, properties: { label_class: "Lake", note: "n" } },
      ],
    });
    expect(featuresToImport(JSON.stringify({ type: "Point", coordinates: [1, 2] })).features).toHaveLength(1);
    expect(() => featuresToImport("not json")).toThrow("not JSON");
    expect(() => featuresToImport("{}")).toThrow("not GeoJSON");
    expect(() => featuresToImport('{"type":"FeatureCollection","features":[]}')).toThrow("no features");
  });

  it("names the export after the event", () => {
    expect(exportFileName("Flood in Nova Scotia!")).toBe("flood-in-nova-scotia-shapes.geojson");
  });
});

describe("drawHint", () => {
  it("says how to finish each kind of shape", () => {
    expect(drawHint("Rectangle", true)).toBe("Draw the box: click one corner, then the opposite corner.");
    expect(drawHint("CircleMarker", false)).toBe("Drawing a point: click on the map.");
    expect(drawHint("Line", false)).toBe("Drawing a line: click on the map; click the last point again to finish.");
  });
});
