"""The STAC export, read back with pystac and validated offline against real JSON schemas:
the STAC 1.1.0 core schemas pystac ships (pystac/validation/jsonschemas) and the official
label extension schema in ../shared/data/stac-label/. The proj and eo extension schemas are
not available offline; their fields are checked by hand below."""

from __future__ import annotations

import io
import json
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pystac
import pytest
from jsonschema import Draft7Validator
from pyproj import Transformer
from pystac.validation.local_validator import get_local_schema_cache
from referencing import Registry, Resource
from shapely.geometry import shape

from tests.exports_data import CLASSES, sample_snapshot
from tests.rasters import DATA
from workers.exports import exporter, stac
from workers.exports.base import ExportWriter, Snapshot

LABEL_SCHEMA = DATA / "stac-label" / "json-schema" / "schema.json"
ITEM_SCHEMA = "https://schemas.stacspec.org/v1.1.0/item-spec/json-schema/item.json"
CATALOG_SCHEMA = "https://schemas.stacspec.org/v1.1.0/catalog-spec/json-schema/catalog.json"


def _validator(uri: str) -> Draft7Validator:
    cache = get_local_schema_cache()
    registry: Registry = Registry().with_resources(
        (key, Resource.from_contents(schema)) for key, schema in cache.items()
    )
    return Draft7Validator(cache[uri], registry=registry)


def _label_validator() -> Draft7Validator:
    return Draft7Validator(json.loads(LABEL_SCHEMA.read_text()))


def _export(snapshot: Snapshot, folder: Path) -> Path:
    buffer = io.BytesIO()
    with ExportWriter(buffer) as out:
        stac.export(snapshot, out)
    with zipfile.ZipFile(buffer) as archive:
        archive.extractall(folder)
    return folder / "stac" / "catalog.json"


def _lonlat(col: float, row: float) -> tuple[float, float]:
    """Pixel -> lon/lat for RGB.byte.tif, computed here without events.geometry."""
    record = next(iter(sample_snapshot().images()))
    a, b, c, d, e, f = record.transform or []
    x, y = a * col + b * row + c, d * col + e * row + f
    lon, lat = Transformer.from_crs(record.crs, "EPSG:4326", always_xy=True).transform(x, y)
    return lon, lat


def test_registered() -> None:
    assert exporter("stac") is stac
    assert stac.name == "stac" and stac.title


def test_catalog_reads_back_and_validates_offline(tmp_path: Path) -> None:
    path = _export(sample_snapshot(include_images=True), tmp_path)
    catalog = pystac.Catalog.from_file(str(path))
    raw_catalog = json.loads(path.read_text())
    assert not list(_validator(CATALOG_SCHEMA).iter_errors(raw_catalog))
    assert all(not link["href"].startswith(("/", "http")) for link in raw_catalog["links"])

    items = {item.id: item for item in catalog.get_items()}
    # Image 1 only: images 2 and 3 have no georeference, so no item.
    assert set(items) == {"1_RGB.byte", "1_RGB.byte-labels"}
    core, label = _validator(ITEM_SCHEMA), _label_validator()
    for item in items.values():
        data = item.to_dict(include_self_link=False)
        errors = [e.message for e in core.iter_errors(data)]
        assert not errors, (item.id, errors)
    # The core schema can fail: an item without datetime (nor start/end) is refused.
    broken = items["1_RGB.byte"].to_dict(include_self_link=False)
    del broken["properties"]["datetime"]
    assert list(core.iter_errors(broken))
    label_item = items["1_RGB.byte-labels"]
    raw_label = json.loads((tmp_path / "stac/labels/1_RGB.byte/1_RGB.byte.json").read_text())
    assert not [e.message for e in label.iter_errors(raw_label)]
    # The imagery item is not a label item: the label schema must refuse it (it can fail).
    raw_image = json.loads((tmp_path / "stac/images/1_RGB.byte/1_RGB.byte.json").read_text())
    assert list(label.iter_errors(raw_image))
    assert label_item.properties["label:type"] == "vector"


def test_image_item(tmp_path: Path) -> None:
    _export(sample_snapshot(include_images=True), tmp_path)
    data = json.loads((tmp_path / "stac/images/1_RGB.byte/1_RGB.byte.json").read_text())
    record = next(iter(sample_snapshot().images()))
    props = data["properties"]
    assert props["datetime"] == "2013-05-01T15:30:00Z"
    assert props["proj:code"] == "EPSG:32618"
    assert props["proj:transform"] == record.transform
    assert props["proj:shape"] == [718, 791]
    assert [b["name"] for b in props["eo:bands"]] == ["red", "green", "blue"]
    assert shape(data["geometry"]).equals(shape(record.footprint))
    assert data["bbox"] == pytest.approx(list(shape(record.footprint).bounds))
    href = data["assets"]["image"]["href"]
    assert href == "../../../images/train/1_RGB.byte.tif"
    # The asset resolves to where the builder puts the image file.
    assert (tmp_path / "stac/images/1_RGB.byte" / href).resolve() == (
        tmp_path / "images/train/1_RGB.byte.tif"
    ).resolve()


def test_no_image_asset_without_images_and_unknown_time(tmp_path: Path) -> None:
    snapshot = sample_snapshot()
    records = list(snapshot.images())
    records[0].acquired_at = None
    snapshot.images = lambda: iter(records)
    _export(snapshot, tmp_path)
    data = json.loads((tmp_path / "stac/images/1_RGB.byte/1_RGB.byte.json").read_text())
    assert data["assets"] == {}
    assert data["properties"]["datetime"] == "2026-01-01T00:00:00Z"  # the version's time
    assert "unknown" in data["properties"]["description"]


def test_label_item_overviews_and_features(tmp_path: Path) -> None:
    catalog = pystac.Catalog.from_file(str(_export(sample_snapshot(), tmp_path)))
    item = next(catalog.get_items("1_RGB.byte-labels", recursive=True))
    props = item.properties
    assert props["label:properties"] == ["class"]
    assert props["label:classes"] == [{"name": "class", "classes": [c.name for c in CLASSES]}]
    assert props["label:tasks"] == ["detection", "segmentation"]  # tag 3 is negative
    assert props["label:methods"] == ["manual", "automated"]  # annotation 105 is predicted

    record = next(iter(sample_snapshot().images()))
    names = {c.id: c.name for c in CLASSES}
    expected = Counter(names[a.class_id] for a in record.annotations)
    [overview] = props["label:overviews"]
    assert overview["property_key"] == "class"
    counts = {c["name"]: c["count"] for c in overview["counts"]}
    assert counts == {c.name: expected.get(c.name, 0) for c in CLASSES}
    assert counts["flood"] == 2 and counts["cloud street"] == 3 and counts["unused"] == 0

    source = [link for link in item.links if link.rel == "source"]
    assert len(source) == 1
    source_item = source[0].resolve_stac_object().target
    assert isinstance(source_item, pystac.Item) and source_item.id == "1_RGB.byte"

    geojson_path = tmp_path / "stac/labels/1_RGB.byte/labels.geojson"
    assert item.assets["labels"].get_absolute_href() == str(geojson_path)
    features = json.loads(geojson_path.read_text())["features"]
    assert Counter(f["properties"]["class"] for f in features) == expected
    by_id: dict[Any, Any] = {f["id"]: f for f in features}
    lon, lat = _lonlat(400.5, 100.5)
    assert by_id[104]["geometry"]["type"] == "Point"
    assert by_id[104]["geometry"]["coordinates"] == pytest.approx([lon, lat], abs=1e-9)
    box = shape(by_id[101]["geometry"])
    for col, row in [(10, 20), (110, 20), (110, 70), (10, 70)]:
        corner = _lonlat(col, row)
        assert any(
            abs(x - corner[0]) < 1e-9 and abs(y - corner[1]) < 1e-9 for x, y in box.exterior.coords
        )
    # The sample scene lies off the Bahamas (UTM 18N): a sanity check on lon/lat order.
    assert -80 < lon < -76 and 23 < lat < 26


def test_positive_tag_is_a_classification_feature(tmp_path: Path) -> None:
    snapshot = sample_snapshot()
    records = list(snapshot.images())
    records[0].tags[0].state = "positive"
    snapshot.images = lambda: iter(records)
    _export(snapshot, tmp_path)
    data = json.loads((tmp_path / "stac/labels/1_RGB.byte/1_RGB.byte.json").read_text())
    assert data["properties"]["label:tasks"] == ["classification", "detection", "segmentation"]
    counts = {c["name"]: c["count"] for c in data["properties"]["label:overviews"][0]["counts"]}
    assert counts["dust"] == 1
    features = json.loads((tmp_path / "stac/labels/1_RGB.byte/labels.geojson").read_text())
    [tag] = [f for f in features["features"] if f["properties"]["kind"] == "tag"]
    assert shape(tag["geometry"]).equals(shape(records[0].footprint))


def test_readme_counts_skipped_images() -> None:
    text = stac.readme(sample_snapshot())
    assert "stac/catalog.json" in text
    assert "2 image(s) without georeference" in text


def test_crs_without_epsg_code_is_written_as_wkt2(tmp_path: Path) -> None:
    """rgb-byte-tenth.tif's CRS is WKT with no EPSG code (../shared/data/README.md)."""
    import rasterio

    with rasterio.open(DATA / "rasterio" / "rgb-byte-tenth.tif") as src:
        wkt = src.crs.to_string()
        assert src.crs.to_epsg() is None
    snapshot = sample_snapshot()
    records = list(snapshot.images())
    records[0].crs = wkt
    snapshot.images = lambda: iter(records)
    _export(snapshot, tmp_path)
    data = json.loads((tmp_path / "stac/images/1_RGB.byte/1_RGB.byte.json").read_text())
    props = data["properties"]
    assert props.get("proj:code") is None
    assert props["proj:wkt2"].startswith(("PROJCRS", "PROJCS"))
    assert not list(_validator(ITEM_SCHEMA).iter_errors(data))


def test_a_footprint_split_at_the_antimeridian_gets_a_bbox_across_it() -> None:
    # As image_footprint stores an image over 180 degrees: parts east and west of it.
    footprint = {
        "type": "MultiPolygon",
        "coordinates": [
            [[[179.0, 10.0], [180.0, 10.0], [180.0, 11.0], [179.0, 11.0], [179.0, 10.0]]],
            [[[-180.0, 10.0], [-179.5, 10.0], [-179.5, 11.0], [-180.0, 11.0], [-180.0, 10.0]]],
        ],
    }
    assert stac._bounds(footprint) == [179.0, 10.0, -179.5, 11.0]
    # Two parts that merely lie far apart keep the ordinary bbox.
    apart = {
        "type": "MultiPolygon",
        "coordinates": [
            [[[10.0, 0.0], [11.0, 0.0], [11.0, 1.0], [10.0, 0.0]]],
            [[[-20.0, 0.0], [-19.0, 0.0], [-19.0, 1.0], [-20.0, 0.0]]],
        ],
    }
    assert stac._bounds(apart) == [-20.0, 0.0, 11.0, 1.0]
