"""GeoJSON (RFC 7946): annotations, map shapes and image footprints in EPSG:4326.

Three FeatureCollections, each streamed feature by feature into its ZIP member with
orjson, so memory stays flat however many annotations the version holds:

- ``annotations.geojson``: annotations of georeferenced images, from their ``geo_geometry``
  (already RFC 7946: lon/lat, exterior rings counter-clockwise, holes clockwise).
- ``map_shapes.geojson``: the shapes drawn on the event's map.
- ``footprints.geojson``: one feature per image that has a footprint.

The property builders here (``annotation_properties`` and friends) define the attribute
columns of every vector export: the GeoPackage and Shapefile exports (``workers.exports.ogr``)
carry the same columns.

https://datatracker.ietf.org/doc/html/rfc7946
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from typing import IO, Any

import orjson

from workers.exports.base import (
    AnnotationRecord,
    ExportWriter,
    ImageRecord,
    LabelClassInfo,
    MapShapeRecord,
    Snapshot,
)

name = "geojson"
title = "GeoJSON (RFC 7946, EPSG:4326)"
geographic = True  # reads the annotations' EPSG:4326 geometry

ANNOTATIONS = "annotations.geojson"
MAP_SHAPES = "map_shapes.geojson"
FOOTPRINTS = "footprints.geojson"

# Free-form annotation attributes and map shape properties become top-level properties with
# a prefix, not a nested object: GIS tools (GDAL, QGIS, geopandas) turn a nested object
# into one opaque JSON string, while flat properties can be filtered and styled.
ATTRIBUTE_PREFIX = "attr_"
PROPERTY_PREFIX = "prop_"

ANNOTATION_COLUMNS = (
    "annotation_id",
    "image_id",
    "image",
    "split",
    "class_id",
    "class",
    "kind",
    "source",
    "confidence",
    "difficulty",
    "review_state",
    "author",
)
MAP_SHAPE_COLUMNS = ("map_shape_id", "class_id", "class")
FOOTPRINT_COLUMNS = ("image_id", "name", "split", "acquired_at", "source", "crs")


def annotation_properties(
    image: ImageRecord, annotation: AnnotationRecord, classes: dict[int, LabelClassInfo]
) -> dict[str, Any]:
    """The properties of one annotation feature (ANNOTATION_COLUMNS, then ``attr_<key>``)."""
    label = classes.get(annotation.class_id)
    properties: dict[str, Any] = {
        "annotation_id": annotation.id,
        "image_id": image.id,
        "image": image.name,
        "split": image.split,
        "class_id": annotation.class_id,
        "class": label.name if label else None,
        "kind": annotation.kind,
        "source": annotation.source,
        "confidence": annotation.confidence,
        "difficulty": annotation.difficulty,
        "review_state": annotation.review_state,
        "author": annotation.author,
    }
    for key, value in annotation.attributes.items():
        properties[ATTRIBUTE_PREFIX + str(key)] = value
    return properties


def map_shape_properties(
    shape: MapShapeRecord, classes: dict[int, LabelClassInfo]
) -> dict[str, Any]:
    """The properties of one map shape feature (MAP_SHAPE_COLUMNS, then ``prop_<key>``)."""
    label = classes.get(shape.class_id) if shape.class_id is not None else None
    properties: dict[str, Any] = {
        "map_shape_id": shape.id,
        "class_id": shape.class_id,
        "class": label.name if label else None,
    }
    for key, value in shape.properties.items():
        properties[PROPERTY_PREFIX + str(key)] = value
    return properties


def footprint_properties(image: ImageRecord) -> dict[str, Any]:
    """The properties of one image footprint feature (FOOTPRINT_COLUMNS)."""
    return {
        "image_id": image.id,
        "name": image.name,
        "split": image.split,
        "acquired_at": image.acquired_at,
        "source": image.source,
        "crs": image.crs or None,
    }


def placed_annotations(
    snapshot: Snapshot,
) -> Iterator[tuple[ImageRecord, AnnotationRecord]]:
    """Every annotation that has a place on Earth (a ``geo_geometry``), image by image."""
    for image in snapshot.images():
        if not image.georeferenced:
            continue
        for annotation in image.annotations:
            if annotation.geo_geometry is not None:
                yield image, annotation


def unplaced_count(snapshot: Snapshot) -> tuple[int, int]:
    """(annotations, images) left out of the geographic exports for lack of a georeference."""
    known: tuple[int, int] | None = snapshot.memo.get(_UNPLACED)
    if known is not None:  # counted by the export's pass
        return known
    annotations = images = 0
    for image in snapshot.images():
        missing = _unplaced(image)
        annotations += missing
        images += bool(missing)
    return annotations, images


_UNPLACED = "unplaced"  # Snapshot.memo key: unplaced_count's answer


def _unplaced(image: ImageRecord) -> int:
    if not image.georeferenced:
        return len(image.annotations)
    return sum(1 for a in image.annotations if a.geo_geometry is None)


def _annotation_features(
    snapshot: Snapshot, *, footprints: IO[bytes] | None = None
) -> Iterator[dict[str, Any]]:
    """The annotation features; with ``footprints``, each image's footprint feature is
    written there too (``_SEPARATOR``-joined, as ``write_feature_collection`` joins them)."""
    classes = snapshot.class_by_id()
    written = False
    unplaced_annotations = unplaced_images = 0
    for image in snapshot.images():
        if footprints is not None and image.footprint is not None:
            if written:
                footprints.write(_SEPARATOR)
            footprints.write(orjson.dumps(_footprint_feature(image)))
            written = True
        missing = _unplaced(image)
        unplaced_annotations += missing
        unplaced_images += bool(missing)
        if not image.georeferenced:
            continue
        for annotation in image.annotations:
            if annotation.geo_geometry is not None:
                yield {
                    "type": "Feature",
                    "id": annotation.id,
                    "geometry": annotation.geo_geometry,
                    "properties": annotation_properties(image, annotation, classes),
                }
    snapshot.memo[_UNPLACED] = (unplaced_annotations, unplaced_images)


def _map_shape_features(snapshot: Snapshot) -> Iterator[dict[str, Any]]:
    classes = snapshot.class_by_id()
    for shape in snapshot.map_shapes():
        yield {
            "type": "Feature",
            "id": shape.id,
            "geometry": shape.geometry,
            "properties": map_shape_properties(shape, classes),
        }


def _footprint_feature(image: ImageRecord) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": image.id,
        "geometry": image.footprint,
        "properties": footprint_properties(image),
    }


_HEAD = b'{"type":"FeatureCollection","features":[\n'
_SEPARATOR = b",\n"
_TAIL = b"\n]}\n"
_FLUSH_AT = 1 << 20  # bytes gathered before a write to the ZIP member: fewer, larger writes


def write_feature_collection(
    out: ExportWriter, member: str, features: Iterator[dict[str, Any]]
) -> int:
    """Stream ``features`` into the ZIP member as one FeatureCollection; the feature count.

    No ``crs`` member: RFC 7946 coordinates are always EPSG:4326 (lon, lat).
    """
    count = 0
    with out.open(member) as f:
        # One growing bytearray per flush, handed over whole and then dropped: measured
        # faster than joining a list of per-feature bytes, whose freed heap the allocator
        # hands back to the OS and page-faults in again on every batch.
        buffer = bytearray(_HEAD)
        for feature in features:
            if count:
                buffer += _SEPARATOR
            buffer += orjson.dumps(feature)
            count += 1
            if len(buffer) >= _FLUSH_AT:
                f.write(buffer)
                buffer = bytearray()
        buffer += _TAIL
        f.write(buffer)
    return count


def export(snapshot: Snapshot, out: ExportWriter) -> None:
    # One pass over the images: the footprints are serialised into a spooled temporary
    # file (memory up to a few MB, disk beyond) while the annotations stream into the ZIP,
    # then copied in as their own member.
    with tempfile.SpooledTemporaryFile(max_size=8 << 20) as footprints:
        write_feature_collection(
            out, ANNOTATIONS, _annotation_features(snapshot, footprints=footprints)
        )
        write_feature_collection(out, MAP_SHAPES, _map_shape_features(snapshot))
        with out.open(FOOTPRINTS) as f:
            f.write(_HEAD)
            footprints.seek(0)
            shutil.copyfileobj(footprints, f, 1 << 20)  # type: ignore[misc]
            f.write(_TAIL)


# --- README ----------------------------------------------------------------------------------


def class_table(snapshot: Snapshot) -> str:
    """The label classes as a Markdown table (export id, name, color, kind)."""
    rows = ["| class_id | class | color | kind |", "|---|---|---|---|"]
    rows += [f"| {c.id} | {c.name} | `{c.color}` | {c.kind} |" for c in snapshot.classes]
    return "\n".join(rows)


def unplaced_note(snapshot: Snapshot) -> str:
    """A README sentence on the annotations that could not be placed on Earth."""
    annotations, images = unplaced_count(snapshot)
    if not annotations:
        return "Every annotation of this version is on a georeferenced image: none is left out."
    return (
        f"**{annotations} annotation(s) on {images} image(s) without a georeference are not "
        "included**: they have pixel coordinates only and cannot be placed on Earth. "
        "The pixel-space exports (COCO, YOLO, VOC, masks) include them."
    )


ATTRIBUTE_DOC = """\
| property | meaning |
|---|---|
| `annotation_id` | the annotation's id in labeler |
| `image_id`, `image` | the image's id and file name |
| `split` | `train`, `validation` or `test` |
| `class_id`, `class` | the class export id (table below) and name |
| `kind` | `bbox`, `polygon`, `polyline`, `point` or `mask` (a mask as its outline polygon) |
| `source` | `manual`, `predicted` or `imported` |
| `confidence` | model confidence of a predicted annotation, else null |
| `difficulty` | perceived difficulty, 1 (easy) to 5 (hard), else null |
| `review_state` | `pending`, `accepted` or `rejected` |
| `author` | who drew it, else null |
| `attr_<key>` | each free-form attribute of the annotation, one property per key, flattened \
(absent or null where an annotation has no such attribute) |
"""


def readme(snapshot: Snapshot) -> str:
    return f"""\
## GeoJSON

Files (RFC 7946 FeatureCollections, CRS EPSG:4326, coordinates longitude, latitude;
exterior rings counter-clockwise, holes clockwise; no `crs` member, as RFC 7946 requires):

- `{ANNOTATIONS}`: one feature per annotation of a georeferenced image, feature `id` = the
  annotation id. Boxes and masks are polygons (a mask as the outline of its pixels), polylines
  line strings, points points. Vertices are the image's pixel vertices reprojected; edges
  are not densified.
- `{MAP_SHAPES}`: the shapes drawn on the event map; properties `map_shape_id`,
  `class_id`, `class` (null when unclassed) and each of the shape's own properties as
  `prop_<key>`.
- `{FOOTPRINTS}`: one feature per image with a footprint: `image_id`, `name`, `split`,
  `acquired_at` (ISO 8601, UTC), `source`, `crs` (the image's native CRS).

{unplaced_note(snapshot)}

Annotation properties (attributes are flattened, not nested, so GIS tools can filter them):

{ATTRIBUTE_DOC}
Classes:

{class_table(snapshot)}

Load:

```python
import geopandas
annotations = geopandas.read_file("{ANNOTATIONS}")  # CRS EPSG:4326
footprints = geopandas.read_file("{FOOTPRINTS}")
```

QGIS: drag the files onto the map (QGIS lists the geometry types of `{ANNOTATIONS}` as
separate layers).
"""
