"""The GeoPackage and Shapefile exports, read back by geopandas/pyogrio (GDAL)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from types import ModuleType

import geopandas
import numpy as np
import pandas
import pyogrio
import pytest
from shapely.geometry import shape

from tests.exports_data import sample_snapshot
from tests.workers.exports.test_geojson import box_corners_lonlat
from workers.exports import geopackage, ogr, shapefile
from workers.exports.base import (
    AnnotationRecord,
    ExportWriter,
    ImageRecord,
    Snapshot,
)

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[10.0, 50.0], [10.1, 50.0], [10.1, 50.1], [10.0, 50.1], [10.0, 50.0]]],
}


def _export(module: ModuleType, tmp_path: Path, snapshot: Snapshot | None = None) -> Path:
    path = tmp_path / f"{module.name}.zip"
    with ExportWriter(path) as out:
        module.export(snapshot or sample_snapshot(), out)
    return path


def _extract(path: Path, tmp_path: Path) -> Path:
    target = tmp_path / "unzipped"
    with zipfile.ZipFile(path) as z:
        z.extractall(target)
    return target


def _snapshot(annotations: list[AnnotationRecord], **kwargs: object) -> Snapshot:
    """One georeferenced image holding ``annotations`` (geo_geometry given directly)."""
    source = sample_snapshot()
    image = ImageRecord(
        id=9,
        name="scene.tif",
        split="train",
        width=100,
        height=100,
        crs="EPSG:4326",
        transform=[0.001, 0, 10, 0, -0.001, 50.1],
        annotations=annotations,
    )
    return Snapshot.from_records(
        event=source.event,
        classes=source.classes,
        images=[image],
        **kwargs,  # type: ignore[arg-type]
    )


def _annotation(id: int, geo: dict, **extra: object) -> AnnotationRecord:
    fields: dict = {"kind": "polygon", **extra}
    return AnnotationRecord(id=id, class_id=0, geometry={}, geo_geometry=geo, **fields)


# --- GeoPackage ------------------------------------------------------------------------------


def test_geopackage_layers_read_by_geopandas(tmp_path: Path) -> None:
    path = _export(geopackage, tmp_path)
    with zipfile.ZipFile(path) as z:
        assert z.namelist() == ["labels.gpkg"]
    gpkg = _extract(path, tmp_path) / "labels.gpkg"

    assert pyogrio.list_layers(gpkg).tolist() == [
        ["annotations", "Unknown"],
        ["map_shapes", "Polygon"],
        ["footprints", "Polygon"],
    ]
    annotations = geopandas.read_file(gpkg, layer="annotations").set_index("annotation_id")
    assert annotations.crs.to_epsg() == 4326
    assert annotations.geometry.geom_type.to_dict() == {
        101: "Polygon",
        102: "Polygon",
        103: "LineString",
        104: "Point",
        105: "Polygon",
    }
    assert annotations.loc[101, ["class", "kind", "author", "attr_severity"]].tolist() == [
        "flood",
        "bbox",
        "ana",
        "high",
    ]
    assert pandas.isna(annotations.loc[102, "attr_severity"])
    assert annotations.loc[102, "difficulty"] == 4
    assert annotations.loc[105, "confidence"] == pytest.approx(0.87)
    assert len(annotations.loc[102].geometry.interiors) == 1
    assert 201 not in annotations.index  # not georeferenced

    shapes = geopandas.read_file(gpkg, layer="map_shapes")
    assert shapes.crs.to_epsg() == 4326
    assert shapes.loc[0, ["map_shape_id", "class", "prop_note"]].tolist() == [
        301,
        "flood",
        "area of interest",
    ]
    footprints = geopandas.read_file(gpkg, layer="footprints")
    assert footprints.crs.to_epsg() == 4326
    assert footprints["image_id"].tolist() == [1]
    assert footprints.loc[0, "crs"] == "EPSG:32618"


def test_geopackage_geometry_matches_rasterio(tmp_path: Path) -> None:
    gpkg = _extract(_export(geopackage, tmp_path), tmp_path) / "labels.gpkg"
    frame = geopandas.read_file(gpkg, layer="annotations").set_index("annotation_id")
    ring = np.array(frame.loc[101].geometry.exterior.coords)[:-1]

    for corner in box_corners_lonlat():
        assert np.abs(ring - corner).max(axis=1).min() < 1e-7
    # Same vertices as the GeoJSON export's (RFC 7946 orientation kept).
    assert frame.loc[101].geometry.exterior.is_ccw


def test_geopackage_types_free_form_attributes_and_empty_layers(tmp_path: Path) -> None:
    snapshot = _snapshot(
        [
            _annotation(1, SQUARE, attributes={"count": 3, "area": 1, "ok": True, "tags": ["a"]}),
            _annotation(2, SQUARE, attributes={"area": 2.5, "ok": False, "tags": "b"}),
            _annotation(
                3,
                {"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"]]},
                attributes={"count": None},
            ),
        ]
    )
    gpkg = _extract(_export(geopackage, tmp_path, snapshot), tmp_path) / "labels.gpkg"

    # Polygon + MultiPolygon: one MultiPolygon layer; no map shape, no footprint: empty layers.
    assert pyogrio.list_layers(gpkg).tolist() == [
        ["annotations", "MultiPolygon"],
        ["map_shapes", "Unknown"],
        ["footprints", "Polygon"],
    ]
    info = pyogrio.read_info(gpkg, layer="annotations")
    types = dict(zip(info["fields"], info["ogr_types"], strict=True))
    assert types["attr_count"] == "OFTInteger64"
    assert types["attr_area"] == "OFTReal"
    assert types["attr_tags"] == "OFTString"
    subtypes = dict(zip(info["fields"], info["ogr_subtypes"], strict=True))
    assert subtypes["attr_ok"] == "OFSTBoolean"
    frame = geopandas.read_file(gpkg, layer="annotations").set_index("annotation_id")
    assert frame.loc[1, "attr_tags"] == '["a"]'  # a list as JSON text
    assert frame.loc[2, "attr_area"] == 2.5
    assert pandas.isna(frame.loc[3, "attr_count"])
    assert pyogrio.read_info(gpkg, layer="footprints")["features"] == 0


def test_geopackage_streams_in_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ogr, "BATCH", 2)
    snapshot = _snapshot([_annotation(i, SQUARE, attributes={"n": i}) for i in range(1, 6)])
    gpkg = _extract(_export(geopackage, tmp_path, snapshot), tmp_path) / "labels.gpkg"

    frame = geopandas.read_file(gpkg, layer="annotations")
    assert frame["annotation_id"].tolist() == [1, 2, 3, 4, 5]
    assert frame["attr_n"].tolist() == [1, 2, 3, 4, 5]


# --- Shapefile -------------------------------------------------------------------------------


def test_shapefile_split_by_geometry_family(tmp_path: Path) -> None:
    path = _export(shapefile, tmp_path)
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
    stems = [
        "annotations_polygons",
        "annotations_lines",
        "annotations_points",
        "map_shapes_polygons",
        "footprints_polygons",
    ]
    assert names == [f"shapefile/{s}{e}" for s in stems for e in shapefile.EXTENSIONS]

    polygons = geopandas.read_file(f"zip://{path}!shapefile/annotations_polygons.shp")
    lines = geopandas.read_file(f"zip://{path}!shapefile/annotations_lines.shp")
    points = geopandas.read_file(f"zip://{path}!shapefile/annotations_points.shp")
    for frame in (polygons, lines, points):
        assert frame.crs.to_epsg() == 4326
        assert all(len(column) <= 10 for column in frame.columns)
    assert polygons["ann_id"].tolist() == [101, 102, 105]
    assert set(polygons.geometry.geom_type) == {"Polygon"}
    assert lines["ann_id"].tolist() == [103] and lines.geometry.geom_type[0] == "LineString"
    assert points["ann_id"].tolist() == [104] and points.geometry.geom_type[0] == "Point"
    box = polygons.set_index("ann_id").loc[101]
    assert [box["class"], box["review"], box["a_severity"]] == ["flood", "pending", "high"]
    assert len(polygons.set_index("ann_id").loc[102].geometry.interiors) == 1
    ring = np.array(box.geometry.exterior.coords)[:-1]
    for corner in box_corners_lonlat():
        assert np.abs(ring - corner).max(axis=1).min() < 1e-7

    footprints = geopandas.read_file(f"zip://{path}!shapefile/footprints_polygons.shp")
    assert footprints.crs.to_epsg() == 4326
    assert footprints.loc[0, "acquired"].startswith("2013-05-01")
    shapes = geopandas.read_file(f"zip://{path}!shapefile/map_shapes_polygons.shp")
    assert shapes.loc[0, ["shape_id", "p_note"]].tolist() == [301, "area of interest"]
    with zipfile.ZipFile(path) as z:
        assert z.read("shapefile/annotations_polygons.cpg").strip() == b"UTF-8"


def test_shapefile_multipoints_get_their_own_file_and_multipolygons_stay(tmp_path: Path) -> None:
    snapshot = _snapshot(
        [
            _annotation(1, {"type": "Point", "coordinates": [10.05, 50.05]}, kind="point"),
            _annotation(2, {"type": "MultiPoint", "coordinates": [[10.01, 50.01], [10.02, 50.02]]}),
            _annotation(3, {"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"]]}),
            _annotation(4, SQUARE),
        ],
        map_shapes=[],
    )
    folder = _extract(_export(shapefile, tmp_path, snapshot), tmp_path) / "shapefile"

    assert sorted(p.name for p in folder.glob("*.shp")) == [
        "annotations_multipoints.shp",
        "annotations_points.shp",
        "annotations_polygons.shp",
    ]  # no map shapes, no footprints: no file for them
    multipoints = geopandas.read_file(folder / "annotations_multipoints.shp")
    assert (
        multipoints.geometry[0].geom_type == "MultiPoint"
        and len(multipoints.geometry[0].geoms) == 2
    )
    polygons = geopandas.read_file(folder / "annotations_polygons.shp")
    assert polygons["ann_id"].tolist() == [3, 4]
    assert all(g.equals(shape(SQUARE)) for g in polygons.geometry)


def test_shapefile_field_names_are_short_and_unique() -> None:
    names = ogr._dbf_names(
        ["annotation_id", "attr_severity", "attr_severity_level", "attr_Severity", "attr_größe"],
        {"attr_": "a_"},
    )
    assert names == {
        "annotation_id": "ann_id",
        "attr_severity": "a_severity",
        "attr_severity_level": "a_severit1",
        "attr_Severity": "a_Severit2",
        "attr_größe": "a_gr__e",
    }


def test_readmes_document_columns_and_skips() -> None:
    snapshot = sample_snapshot()
    shp = shapefile.readme(snapshot)
    gpkg = geopackage.readme(snapshot)

    assert "| `annotation_id` | `ann_id` | integer |" in shp
    assert "| `attr_severity` | `a_severity` | text |" in shp
    assert "`shapefile/annotations_lines.shp`" in shp
    assert "### Layer `annotations` (5 features, geometry Unknown)" in gpkg
    for text in (shp, gpkg):
        assert "EPSG:4326" in text
        assert "1 annotation(s) on 1 image(s) without a georeference" in text
        assert "| 1 | cloud street | `#ff7f0e` | object |" in text
