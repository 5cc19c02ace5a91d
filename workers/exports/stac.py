"""STAC export: a self-contained STAC catalog of the imagery and its labels.

Written under ``stac/`` in the ZIP, every link relative (catalog type SELF_CONTAINED,
https://github.com/radiantearth/stac-spec/blob/master/best-practices.md#self-contained-catalogs)::

    stac/catalog.json                     links to every item below
    stac/images/<stem>/<stem>.json        one imagery item per image (proj, eo)
    stac/labels/<stem>/<stem>.json        its label item (label extension v1.0.1)
    stac/labels/<stem>/labels.geojson     the image's labels, EPSG:4326 FeatureCollection

A STAC item needs a geometry, so images without georeference are left out (counted in the
README). Items are built one image at a time with pystac and written through its
``to_dict``; only the item paths are kept for the catalog, written last.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from functools import lru_cache
from typing import Any

import pystac
from pyproj import CRS
from pystac.extensions.eo import EOExtension
from pystac.extensions.projection import ProjectionExtension
from pystac.utils import datetime_to_str

from workers.exports.base import ExportWriter, ImageRecord, Snapshot, image_path, image_stem

name = "stac"
title = "STAC catalog (label extension)"
geographic = True  # reads the annotations' EPSG:4326 geometry

ROOT = "stac"
LABEL_SCHEMA = "https://stac-extensions.github.io/label/v1.0.1/schema.json"
#: The label extension's suggested tasks, by annotation kind (image tags: classification).
TASKS = {
    "bbox": "detection",
    "point": "detection",
    "polyline": "segmentation",
    "polygon": "segmentation",
    "mask": "segmentation",
}
TASK_ORDER = ("classification", "detection", "segmentation")


def _when(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _catalog_id(snapshot: Snapshot) -> str:
    slug = snapshot.event.get("slug") or f"event-{snapshot.event.get('id', '')}"
    return f"{slug}-v{snapshot.version}"


def _link(rel: str, href: str, *, title: str | None = None) -> pystac.Link:
    return pystac.Link(rel, href, media_type=pystac.MediaType.JSON, title=title)


# Items are written as the dicts pystac's ``Item.to_dict`` makes (same keys, same order),
# built directly: constructing pystac objects for 20,000 items took most of the export's
# time. tests/workers/exports/test_stac.py reads them back with pystac.
_JSON = str(pystac.MediaType.JSON)
_STAC_VERSION = pystac.get_stac_version()
_PROJECTION_SCHEMA = ProjectionExtension.get_schema_uri()
_EO_SCHEMA = EOExtension.get_schema_uri()
_ROOT_LINKS = (
    {"rel": "root", "href": "../../catalog.json", "type": _JSON},
    {"rel": "parent", "href": "../../catalog.json", "type": _JSON},
)


@lru_cache(maxsize=256)
def _projection(crs_text: str) -> tuple[str | None, str | None]:
    """(``proj:code``, ``proj:wkt2``) of a CRS: its EPSG code when it has one, else WKT2."""
    crs = CRS.from_user_input(crs_text)
    epsg = crs.to_epsg()
    return (f"EPSG:{epsg}", None) if epsg else (None, crs.to_wkt())


def _bounds(geometry: dict[str, Any]) -> list[float]:
    """[minx, miny, maxx, maxy] of a GeoJSON geometry's coordinates (as shapely's bounds)."""
    kind = geometry["type"]
    points: list[Any] = []
    if kind == "Polygon":
        for ring in geometry["coordinates"]:
            points += ring
    elif kind == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            for ring in polygon:
                points += ring
    else:

        def walk(coordinates: Any) -> None:
            if coordinates and isinstance(coordinates[0], (int, float)):
                points.append(coordinates)
            else:
                for part in coordinates:
                    walk(part)

        parts = geometry["geometries"] if kind == "GeometryCollection" else [geometry]
        for part in parts:
            walk(part["coordinates"])
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    if kind == "MultiPolygon" and min(xs) <= -180 and max(xs) >= 180:
        # A footprint split at the antimeridian (events.services.images.image_footprint):
        # the bbox runs from the eastern part's west edge across 180 to the western part's
        # east edge, west > east (RFC 7946 §5.2, STAC item spec), not round the globe.
        longitudes: list[list[float]] = [
            [float(point[0]) for ring in polygon for point in ring]
            for polygon in geometry["coordinates"]
        ]
        eastern = [min(lons) for lons in longitudes if max(lons) >= 180]
        western = [max(lons) for lons in longitudes if min(lons) <= -180]
        if eastern and western and min(eastern) > max(western):
            return [float(min(eastern)), float(min(ys)), float(max(western)), float(max(ys))]
    return [float(min(xs)), float(min(ys)), float(max(xs)), float(max(ys))]


def _base_item(snapshot: Snapshot, record: ImageRecord, item_id: str) -> dict[str, Any]:
    """The item's fields but ``properties["datetime"]`` (added last, as pystac does)."""
    assert record.footprint is not None
    properties: dict[str, Any] = {"title": record.name}
    if record.acquired_at is None:
        # STAC requires a datetime; the acquisition time is unknown, so the item carries the
        # dataset version's creation time and says so.
        properties["description"] = (
            "Acquisition time unknown: datetime is when the dataset version was built."
        )
    return {
        "type": "Feature",
        "stac_version": _STAC_VERSION,
        "stac_extensions": [],
        "id": item_id,
        "geometry": record.footprint,
        "bbox": _bounds(record.footprint),
        "properties": properties,
        "links": list(_ROOT_LINKS),
        "assets": {},
    }


def _datetime(snapshot: Snapshot, record: ImageRecord) -> str:
    return _stac_datetime(record.acquired_at or snapshot.created_at)


@lru_cache(maxsize=4096)
def _stac_datetime(value: str) -> str:
    # Twice an image (its item and its label item), and images of one pass share times.
    return datetime_to_str(_when(value))


def _image_item(snapshot: Snapshot, record: ImageRecord, stem: str) -> dict[str, Any]:
    item = _base_item(snapshot, record, stem)
    properties = item["properties"]
    item["stac_extensions"].append(_PROJECTION_SCHEMA)
    code, wkt2 = _projection(record.crs)
    properties["proj:code"] = code  # null with a WKT2 (projection extension v2.0)
    if wkt2 is not None:
        properties["proj:wkt2"] = wkt2
    properties["proj:shape"] = [record.height, record.width]
    properties["proj:transform"] = list(record.transform or [])[:6]
    if record.band_names:
        item["stac_extensions"].append(_EO_SCHEMA)
        properties["eo:bands"] = [{"name": band} for band in record.band_names]
    if snapshot.options.get("include_images"):
        item["assets"]["image"] = {
            "href": f"../../../{image_path(record)}",
            "type": str(pystac.MediaType.COG),
            "title": record.name,
            "roles": ["data"],
        }
    properties["datetime"] = _datetime(snapshot, record)
    return item


def _features(snapshot: Snapshot, record: ImageRecord) -> list[dict[str, Any]]:
    """The image's labels as GeoJSON features in EPSG:4326: annotations, then positive tags
    (scene classification) with the image footprint as their geometry."""
    classes = snapshot.class_by_id()
    features = []
    for a in record.annotations:
        if a.geo_geometry is None:
            continue
        features.append(
            {
                "type": "Feature",
                "id": a.id,
                "geometry": a.geo_geometry,
                "properties": {
                    "class": classes[a.class_id].name,
                    "class_id": a.class_id,
                    "kind": a.kind,
                    "source": a.source,
                    "confidence": a.confidence,
                    "review_state": a.review_state,
                    "attributes": a.attributes,
                },
            }
        )
    for tag in record.tags:
        if tag.state == "positive":
            features.append(
                {
                    "type": "Feature",
                    "geometry": record.footprint,
                    "properties": {
                        "class": classes[tag.class_id].name,
                        "class_id": tag.class_id,
                        "kind": "tag",
                    },
                }
            )
    return features


def _label_item(
    snapshot: Snapshot, record: ImageRecord, stem: str, features: list[dict[str, Any]]
) -> dict[str, Any]:
    item = _base_item(snapshot, record, f"{stem}-labels")
    kinds = {f["properties"]["kind"] for f in features}
    tasks = {"classification" if kind == "tag" else TASKS[kind] for kind in kinds}
    methods = ["manual"]
    if any(a.source == "predicted" for a in record.annotations):
        methods.append("automated")
    counts = Counter(f["properties"]["class"] for f in features)
    names = [c.name for c in snapshot.classes]
    # Fields per label extension v1.0.1, https://github.com/stac-extensions/label/tree/v1.0.1
    # (pystac's LabelExtension is deprecated).
    item["stac_extensions"].append(LABEL_SCHEMA)
    properties = item["properties"]
    properties.update(
        {
            "label:description": f"Labels of {record.name} ({snapshot.event.get('name', '')})",
            "label:type": "vector",
            "label:properties": ["class"],
            "label:classes": [{"name": "class", "classes": names}],
            "label:methods": methods,
            "label:overviews": [
                {
                    "property_key": "class",
                    "counts": [{"name": n, "count": counts.get(n, 0)} for n in names],
                }
            ],
        }
    )
    if tasks:
        properties["label:tasks"] = [task for task in TASK_ORDER if task in tasks]
    item["assets"]["labels"] = {
        "href": "labels.geojson",
        "type": str(pystac.MediaType.GEOJSON),
        "roles": ["labels"],
    }
    item["links"].append(
        {
            "rel": "source",
            "href": f"../../images/{stem}/{stem}.json",
            "type": _JSON,
            "title": record.name,
        }
    )
    properties["datetime"] = _datetime(snapshot, record)
    return item


def _to_dict(obj: pystac.STACObject) -> dict[str, Any]:
    return obj.to_dict(include_self_link=False, transform_hrefs=False)


def export(snapshot: Snapshot, out: ExportWriter) -> None:
    """Write the catalog, one imagery and one label item per georeferenced image."""
    stems: list[tuple[str, str]] = []
    skipped = 0
    for record in snapshot.images():
        if not record.georeferenced or record.footprint is None:
            skipped += 1
            continue
        stem = image_stem(record)
        features = _features(snapshot, record)
        out.write_json(f"{ROOT}/images/{stem}/{stem}.json", _image_item(snapshot, record, stem))
        out.write_json(
            f"{ROOT}/labels/{stem}/{stem}.json", _label_item(snapshot, record, stem, features)
        )
        out.write_json(
            f"{ROOT}/labels/{stem}/labels.geojson",
            {"type": "FeatureCollection", "features": features},
        )
        stems.append((stem, record.name))
    snapshot.memo[_SKIPPED] = skipped  # for the README

    catalog = pystac.Catalog(
        id=_catalog_id(snapshot),
        description=(
            f"{snapshot.event.get('name', 'Event')}: imagery and labels, dataset version "
            f"{snapshot.version}"
        ),
        title=snapshot.event.get("name"),
        catalog_type=pystac.CatalogType.SELF_CONTAINED,
    )
    catalog.add_link(_link("root", "./catalog.json"))
    for stem, image_name in stems:
        catalog.add_link(_link("item", f"./images/{stem}/{stem}.json", title=image_name))
        catalog.add_link(
            _link("item", f"./labels/{stem}/{stem}.json", title=f"{image_name} labels")
        )
    out.write_json(f"{ROOT}/catalog.json", _to_dict(catalog))


_SKIPPED = "stac.skipped"  # Snapshot.memo key: images without georeference, left out


def readme(snapshot: Snapshot) -> str:
    """Markdown: the catalog's layout, how to read it, and the images left out."""
    skipped = snapshot.memo.get(_SKIPPED)
    if skipped is None:
        skipped = sum(1 for r in snapshot.images() if not r.georeferenced or r.footprint is None)
    images = (
        "and an `image` asset pointing at the image file in `images/`"
        if snapshot.options.get("include_images")
        else "(this version does not include the image files, so there is no image asset)"
    )
    text = f"""## STAC catalog

A self-contained [STAC](https://stacspec.org) 1.1 catalog (relative links) under `stac/`:

- `stac/catalog.json`: the root; it links every item below.
- `stac/images/<id>_<name>/<id>_<name>.json`: one item per image, geometry its footprint
  (EPSG:4326), with the `proj` extension (`proj:code` or `proj:wkt2`, `proj:transform`,
  `proj:shape` as [height, width]), `eo:bands` from the band names {images}.
- `stac/labels/<id>_<name>/<id>_<name>.json`: the image's label item (label extension
  v1.0.1): `label:type` vector, `label:properties` ["class"], `label:classes` (every class
  of the event), `label:tasks`, `label:methods` ("automated" when some labels are model
  predictions), `label:overviews` (features per class), a `source` link to the image item
  and the asset `labels`.
- `stac/labels/<id>_<name>/labels.geojson`: the labels as a GeoJSON FeatureCollection in
  EPSG:4326 (RFC 7946), property `class` the class name; image tags marked positive are
  features whose geometry is the image footprint (`kind` "tag"); negative tags are left out.

`datetime` is the image's acquisition time; when that is unknown it is the time the
dataset version was built, and the item's description says so.

Read it with pystac:

```python
import pystac
catalog = pystac.Catalog.from_file("stac/catalog.json")
for item in catalog.get_items():
    print(item.id, item.properties.get("label:overviews"))
```
"""
    if skipped:
        text += (
            f"\n{skipped} image(s) without georeference are not in the catalog: a STAC item "
            "needs a geometry. Export the version as COCO or YOLO to get their labels.\n"
        )
    return text
