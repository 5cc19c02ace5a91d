"""The GeoJSON export, read back by geopandas (GDAL) and checked against rasterio's transform."""

from __future__ import annotations

import zipfile
from dataclasses import asdict
from itertools import cycle
from pathlib import Path

import geopandas
import numpy as np
import orjson
import pandas
import pytest
import rasterio
import shapely
from rasterio.transform import xy
from rasterio.warp import transform as warp_transform
from shapely.geometry import shape

from tests.exports_data import sample_snapshot
from tests.rasters import RGB
from workers.exports import geojson
from workers.exports.base import (
    AnnotationRecord,
    ExportWriter,
    ImageRecord,
    Snapshot,
    read_snapshot,
    write_snapshot,
)

BOX_PIXELS = [(10, 20), (110, 20), (110, 70), (10, 70)]  # (col, row) corners of annotation 101


def _export(tmp_path: Path, snapshot: Snapshot | None = None) -> Path:
    path = tmp_path / "export.zip"
    with ExportWriter(path) as out:
        geojson.export(snapshot or sample_snapshot(), out)
    return path


def _collection(path: Path, member: str) -> dict:
    with zipfile.ZipFile(path) as z:
        return orjson.loads(z.read(member))


def box_corners_lonlat() -> np.ndarray:
    """The box's pixel corners to lon/lat by rasterio alone (not events.geometry)."""
    with rasterio.open(RGB) as src:
        cols, rows = zip(*BOX_PIXELS, strict=True)
        xs, ys = xy(src.transform, rows, cols, offset="ul")
        lon, lat = warp_transform(src.crs, "EPSG:4326", xs, ys)
    return np.column_stack([lon, lat])


def test_annotations_read_by_geopandas(tmp_path: Path) -> None:
    path = _export(tmp_path)
    frame = geopandas.read_file(f"zip://{path}!annotations.geojson").set_index("annotation_id")

    assert frame.crs.to_epsg() == 4326
    assert sorted(frame.index) == [101, 102, 103, 104, 105]
    assert frame.geometry.geom_type.to_dict() == {
        101: "Polygon",
        102: "Polygon",
        103: "LineString",
        104: "Point",
        105: "Polygon",
    }
    box = frame.loc[101]
    assert (box["class"], box["class_id"], box["kind"], box["split"]) == (
        "flood",
        0,
        "bbox",
        "train",
    )
    assert (box["image"], box["image_id"], box["author"]) == ("RGB.byte.tif", 1, "ana")
    assert box["attr_severity"] == "high"
    assert pandas.isna(frame.loc[102, "attr_severity"])
    assert frame.loc[102, "difficulty"] == 4
    assert frame.loc[105, "source"] == "predicted"
    assert frame.loc[105, "confidence"] == pytest.approx(0.87)
    assert set(frame["review_state"]) == {"pending"}
    assert len(frame.loc[102].geometry.interiors) == 1


def test_box_lands_where_rasterio_puts_its_pixel_corners(tmp_path: Path) -> None:
    features = _collection(_export(tmp_path), "annotations.geojson")["features"]
    box = next(f for f in features if f["id"] == 101)
    ring = np.array(box["geometry"]["coordinates"][0])

    assert ring.shape == (5, 2)
    assert np.array_equal(ring[0], ring[-1])
    expected = box_corners_lonlat()
    for corner in expected:
        assert np.abs(ring[:-1] - corner).max(axis=1).min() < 1e-7
    # Bahamas / Florida: the image's area, lon before lat.
    assert -80 < expected[:, 0].min() < -76 and 22 < expected[:, 1].min() < 26


def test_rfc7946_orientation_and_no_crs_member(tmp_path: Path) -> None:
    collection = _collection(_export(tmp_path), "annotations.geojson")

    assert collection["type"] == "FeatureCollection"
    assert "crs" not in collection
    polygons = [shape(f["geometry"]) for f in collection["features"]]
    polygons = [p for p in polygons if p.geom_type == "Polygon"]
    assert len(polygons) == 3
    for polygon in polygons:
        assert polygon.exterior.is_ccw
        assert all(not ring.is_ccw for ring in polygon.interiors)
        assert polygon.is_valid
    holed = next(p for p in polygons if p.interiors)
    # Pixel y grows downwards, so a naive copy of the pixel ring would flip orientation.
    assert shapely.area(holed) > 0


def test_non_georeferenced_annotations_are_left_out_and_counted(tmp_path: Path) -> None:
    features = _collection(_export(tmp_path), "annotations.geojson")["features"]

    assert 201 not in {f["id"] for f in features}
    assert {f["properties"]["image_id"] for f in features} == {1}
    text = geojson.readme(sample_snapshot())
    assert "1 annotation(s) on 1 image(s) without a georeference are not included" in text


def test_map_shapes_and_footprints(tmp_path: Path) -> None:
    path = _export(tmp_path)
    shapes = geopandas.read_file(f"zip://{path}!map_shapes.geojson")
    footprints = geopandas.read_file(f"zip://{path}!footprints.geojson")

    assert shapes.crs.to_epsg() == 4326
    assert shapes.loc[0, ["map_shape_id", "class_id", "class", "prop_note"]].tolist() == [
        301,
        0,
        "flood",
        "area of interest",
    ]
    assert shapes.geometry[0].bounds == (-78.5, 23.5, -78.0, 24.0)

    assert footprints.crs.to_epsg() == 4326
    assert footprints["image_id"].tolist() == [1]  # images 2 and 3 have no footprint
    row = footprints.iloc[0]
    assert (row["name"], row["split"], row["crs"], row["source"]) == (
        "RGB.byte.tif",
        "train",
        "EPSG:32618",
        "geotiff",
    )
    assert str(row["acquired_at"]).startswith("2013-05-01")
    with rasterio.open(RGB) as src:
        corners = [(0, 0), (src.width, 0), (src.width, src.height), (0, src.height)]
        xs, ys = xy(src.transform, [r for _, r in corners], [c for c, _ in corners], offset="ul")
        lon, lat = warp_transform(src.crs, "EPSG:4326", xs, ys)
    footprint = np.array(row.geometry.exterior.coords)[:-1]
    for corner in zip(lon, lat, strict=True):
        assert np.abs(footprint - corner).max(axis=1).min() < 1e-7


def test_streams_from_a_stored_snapshot(tmp_path: Path) -> None:
    # The builder hands exporters a snapshot read back from JSON lines: generators, not lists.
    source = sample_snapshot()
    stored = tmp_path / "snapshot.jsonl"
    header = {
        "event": source.event,
        "version": source.version,
        "created_at": source.created_at,
        "classes": [asdict(c) for c in source.classes],
    }
    write_snapshot(stored, header=header, images=source.images(), map_shapes=source.map_shapes())
    (tmp_path / "stored").mkdir()

    from_file = _export(tmp_path / "stored", read_snapshot(stored))
    in_memory = _export(tmp_path)

    for member in (geojson.ANNOTATIONS, geojson.MAP_SHAPES, geojson.FOOTPRINTS):
        assert _collection(from_file, member) == _collection(in_memory, member)
    assert len(_collection(from_file, geojson.ANNOTATIONS)["features"]) == 5


def test_empty_version_gives_valid_empty_collections(tmp_path: Path) -> None:
    source = sample_snapshot()
    empty = Snapshot.from_records(event=source.event, classes=source.classes, images=[])
    path = _export(tmp_path, empty)

    for member in (geojson.ANNOTATIONS, geojson.MAP_SHAPES, geojson.FOOTPRINTS):
        assert _collection(path, member) == {"type": "FeatureCollection", "features": []}


def test_100k_annotations_stream_into_one_collection(tmp_path: Path) -> None:
    # Speed is measured in bench/exports.py, never here; this checks the large case is whole.
    rgb = next(sample_snapshot().images())
    images = [
        ImageRecord(
            id=image_id,
            name=f"scene_{image_id}.tif",
            split="train",
            width=rgb.width,
            height=rgb.height,
            crs=rgb.crs,
            transform=rgb.transform,
            footprint=rgb.footprint,
            annotations=[
                AnnotationRecord(
                    id=image_id * 100 + n,
                    class_id=template.class_id,
                    kind=template.kind,
                    geometry=template.geometry,
                    geo_geometry=template.geo_geometry,
                    attributes={"n": n},
                )
                for n, template in zip(range(100), cycle(rgb.annotations[:4]), strict=False)
            ],
        )
        for image_id in range(1, 1001)
    ]
    snapshot = Snapshot.from_records(
        event={"id": 1}, classes=sample_snapshot().classes, images=images
    )

    with ExportWriter(tmp_path / "big.zip") as out:
        geojson.export(snapshot, out)
    with zipfile.ZipFile(tmp_path / "big.zip") as z:
        data = z.read(geojson.ANNOTATIONS)
    assert data.startswith(b'{"type":"FeatureCollection","features":[') and data.endswith(b"]}\n")
    assert data.count(b'{"type":"Feature",') == 100_000
