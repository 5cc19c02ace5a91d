"""What the GeoPackage and Shapefile exports share: their layers, and writing them with OGR.

Both carry the columns of the GeoJSON export (``workers.exports.geojson``) in EPSG:4326,
written through GDAL/OGR by pyogrio's ``raw.write`` from WKB geometry arrays and numpy
field arrays (geopandas is not a runtime dependency). Features go out in batches appended
to the layer, so memory holds one batch, not the event.

Free-form attributes (``attr_<key>``, ``prop_<key>``) become typed columns, so a first pass
over the snapshot collects their keys and value types, and the geometry types of each
layer (a GeoPackage layer declares one geometry type up front).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyogrio
import shapely
from pyogrio import raw

from workers.exports.base import Snapshot
from workers.exports.geojson import (
    ANNOTATION_COLUMNS,
    ATTRIBUTE_PREFIX,
    FOOTPRINT_COLUMNS,
    MAP_SHAPE_COLUMNS,
    PROPERTY_PREFIX,
    annotation_properties,
    footprint_properties,
    map_shape_properties,
    placed_annotations,
)

CRS = "EPSG:4326"
BATCH = 10_000  # features per append: bounds memory, few enough OGR calls to stay fast

Geometry = dict[str, Any]
Feature = tuple[Geometry, dict[str, Any]]

# Types of the fixed columns; free-form ones are inferred from their values.
_FIXED_TYPES: dict[str, str] = {
    "annotation_id": "int",
    "image_id": "int",
    "class_id": "int",
    "confidence": "float",
    "difficulty": "int",
    "map_shape_id": "int",
}

# DBF field names are at most 10 ASCII characters; these fixed columns are longer.
SHAPEFILE_NAMES: dict[str, str] = {
    "annotation_id": "ann_id",
    "review_state": "review",
    "map_shape_id": "shape_id",
    "acquired_at": "acquired",
}
_DBF_NAME_MAX = 10

# A Shapefile holds one shape type, so each layer is split by geometry family. Polygons and
# lines go out as their multi type (the same .shp shape type, single parts stay single);
# a point and a multipoint are different shape types, hence their own files.
FAMILIES: dict[str, str] = {
    "Polygon": "polygons",
    "MultiPolygon": "polygons",
    "LineString": "lines",
    "MultiLineString": "lines",
    "Point": "points",
    "MultiPoint": "multipoints",
}
FAMILY_TYPES: dict[str, str] = {
    "polygons": "MultiPolygon",
    "lines": "MultiLineString",
    "points": "Point",
    "multipoints": "MultiPoint",
}


@dataclass(frozen=True, slots=True)
class Column:
    """An attribute column: its name (as in GeoJSON and GeoPackage), its Shapefile (DBF)
    name, and its type: ``int``, ``float``, ``bool`` or ``str``."""

    name: str
    short: str
    type: str


@dataclass
class Layer:
    """One vector layer: columns, the GeoJSON geometry types it holds, and its features
    (geometry, properties), streamed again on each call."""

    name: str
    columns: list[Column]
    geometry_types: set[str]
    count: int
    features: Callable[[], Iterator[Feature]]
    default_type: str = "Unknown"  # declared when the layer is empty


def _value_type(seen: set[type]) -> str:
    if not seen:
        return "str"
    if seen == {bool}:
        return "bool"
    if seen == {int}:
        return "int"
    if seen <= {int, float}:
        return "float"
    return "str"  # text, or mixed/nested values as JSON text


def _dbf_names(names: Iterable[str], prefix_map: dict[str, str]) -> dict[str, str]:
    """Shapefile names: fixed ones from SHAPEFILE_NAMES, free-form ``attr_``/``prop_``
    columns as ``a_``/``p_`` + the key in ASCII, cut to 10 characters and made unique
    (DBF compares names without case) by a numeric ending."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for column in names:
        short = SHAPEFILE_NAMES.get(column, column)
        for long_prefix, short_prefix in prefix_map.items():
            if column.startswith(long_prefix):
                key = re.sub(r"[^A-Za-z0-9_]", "_", column[len(long_prefix) :])
                short = short_prefix + key
        short = short[:_DBF_NAME_MAX]
        candidate, n = short, 1
        while candidate.lower() in used:
            suffix = str(n)
            candidate = short[: _DBF_NAME_MAX - len(suffix)] + suffix
            n += 1
        used.add(candidate.lower())
        out[column] = candidate
    return out


def _columns(fixed: Iterable[str], extra: dict[str, set[type]]) -> list[Column]:
    names = [*fixed, *extra]
    short = _dbf_names(names, {ATTRIBUTE_PREFIX: "a_", PROPERTY_PREFIX: "p_"})
    types = {name: _FIXED_TYPES.get(name, "str") for name in fixed}
    types.update({name: _value_type(seen) for name, seen in extra.items()})
    return [Column(name, short[name], types[name]) for name in names]


def _scan(
    features: Iterator[Feature], fixed: Iterable[str]
) -> tuple[dict[str, set[type]], set[str], int]:
    """The free-form columns with the value types they hold, the geometry types, the count."""
    fixed_names = set(fixed)
    extra: dict[str, set[type]] = {}
    geometry_types: set[str] = set()
    count = 0
    for geometry, properties in features:
        count += 1
        geometry_types.add(geometry["type"])
        for key, value in properties.items():
            if key in fixed_names:
                continue
            seen = extra.setdefault(key, set())
            if value is not None:
                seen.add(type(value))
    return extra, geometry_types, count


def _layer(
    name: str,
    fixed: tuple[str, ...],
    features: Callable[[], Iterator[Feature]],
    default_type: str = "Unknown",
) -> Layer:
    extra, geometry_types, count = _scan(features(), fixed)
    return Layer(name, _columns(fixed, extra), geometry_types, count, features, default_type)


def layers(snapshot: Snapshot) -> list[Layer]:
    """The layers ``annotations``, ``map_shapes`` and ``footprints`` of ``snapshot``."""
    classes = snapshot.class_by_id()

    def annotations() -> Iterator[Feature]:
        for image, annotation in placed_annotations(snapshot):
            assert annotation.geo_geometry is not None
            yield annotation.geo_geometry, annotation_properties(image, annotation, classes)

    def map_shapes() -> Iterator[Feature]:
        for item in snapshot.map_shapes():
            yield item.geometry, map_shape_properties(item, classes)

    def footprints() -> Iterator[Feature]:
        for image in snapshot.images():
            if image.footprint is not None:
                yield image.footprint, footprint_properties(image)

    return [
        _layer("annotations", ANNOTATION_COLUMNS, annotations),
        _layer("map_shapes", MAP_SHAPE_COLUMNS, map_shapes),
        _layer("footprints", FOOTPRINT_COLUMNS, footprints, default_type="Polygon"),
    ]


# --- Writing ---------------------------------------------------------------------------------


def _field_array(column: Column, values: list[Any]) -> tuple[np.ndarray, np.ndarray | None]:
    missing = np.array([v is None for v in values], dtype=bool)
    mask = missing if missing.any() else None
    if column.type == "str":
        return np.array(
            [v if v is None or isinstance(v, str) else orjson.dumps(v).decode() for v in values],
            dtype=object,
        ), mask
    kind = {"int": np.int64, "float": np.float64, "bool": np.bool_}[column.type]
    fill = {"int": 0, "float": np.nan, "bool": False}[column.type]
    return np.array([fill if v is None else v for v in values], dtype=kind), mask


class _Sink:
    """Features for one OGR layer, written in batches (the first creates the layer)."""

    def __init__(
        self,
        path: Path,
        *,
        layer: str,
        columns: list[Column],
        geometry_type: str,
        promote: bool,
        short_names: bool,
        layer_options: dict[str, str] | None = None,
    ) -> None:
        self.path = path
        self.layer = layer
        self.columns = columns
        self.names = [c.short if short_names else c.name for c in columns]
        self.geometry_type = geometry_type
        self.promote = promote
        self.layer_options = layer_options or {}
        self.geometries: list[bytes] = []
        self.rows: list[dict[str, Any]] = []
        self.count = 0
        self.created = False

    def add(self, geometry: Geometry, properties: dict[str, Any]) -> None:
        # As GeoJSON text, parsed per batch by GEOS: several times faster than shape() each.
        self.geometries.append(orjson.dumps(geometry))
        self.rows.append(properties)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.created and not self.rows:
            return
        fields, masks = [], []
        for column in self.columns:
            values, mask = _field_array(column, [row.get(column.name) for row in self.rows])
            fields.append(values)
            masks.append(mask)
        raw.write(
            str(self.path),
            shapely.to_wkb(shapely.from_geojson(np.array(self.geometries, dtype=object))),
            fields,
            self.names,
            field_mask=masks,
            layer=self.layer,
            geometry_type=self.geometry_type,
            crs=CRS,
            encoding="UTF-8",
            promote_to_multi=self.promote,
            append=self.created,
            layer_options=None if self.created else self.layer_options or None,
        )
        self.count += len(self.rows)
        self.created = True
        self.geometries.clear()
        self.rows.clear()


def geopackage_type(layer: Layer) -> tuple[str, bool]:
    """The geometry type a GeoPackage layer declares, and whether singles are promoted."""
    types = layer.geometry_types
    if not types:
        return layer.default_type, False
    if len(types) == 1:
        return next(iter(types)), False
    bases = {t.removeprefix("Multi") for t in types}
    if len(bases) == 1:  # e.g. Polygon and MultiPolygon: all as MultiPolygon
        return "Multi" + bases.pop(), True
    return "Unknown", False  # mixed families: a generic geometry column


def write_geopackage(path: Path, snapshot: Snapshot, all_layers: list[Layer]) -> None:
    """Every layer into the GeoPackage ``path``; empty layers are created with their columns."""
    # gpkg_contents records a change time: pin it to the version's so a rebuild is identical.
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": snapshot.created_at})
    try:
        for layer in all_layers:
            geometry_type, promote = geopackage_type(layer)
            sink = _Sink(
                path,
                layer=layer.name,
                columns=layer.columns,
                geometry_type=geometry_type,
                promote=promote,
                short_names=False,
            )
            for geometry, properties in layer.features():
                sink.add(geometry, properties)
            sink.flush()
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})


def shapefile_name(layer: str, family: str) -> str:
    return f"{layer}_{family}"


def write_shapefiles(directory: Path, snapshot: Snapshot, all_layers: list[Layer]) -> list[str]:
    """Each layer as one Shapefile per geometry family present (``<layer>_<family>.shp``);
    no file for a family a layer does not hold. The stems written, in order."""
    # The DBF header carries a date: the version's, so a rebuild is byte-identical.
    options = {"DBF_DATE_LAST_UPDATE": snapshot.created_at[:10]}
    written: list[str] = []
    for layer in all_layers:
        sinks: dict[str, _Sink] = {}
        for geometry, properties in layer.features():
            family = FAMILIES.get(geometry["type"])
            if family is None:
                continue  # a GeometryCollection has no Shapefile type
            if family not in sinks:
                stem = shapefile_name(layer.name, family)
                sinks[family] = _Sink(
                    directory / f"{stem}.shp",
                    layer=stem,
                    columns=layer.columns,
                    geometry_type=FAMILY_TYPES[family],
                    promote=family in ("polygons", "lines"),
                    short_names=True,
                    layer_options=options,
                )
            sinks[family].add(geometry, properties)
        for family in FAMILY_TYPES:
            if family in sinks:
                sinks[family].flush()
                written.append(shapefile_name(layer.name, family))
    return written


# --- README ----------------------------------------------------------------------------------

_TYPE_NAMES = {"int": "integer", "float": "real", "bool": "boolean", "str": "text"}


def columns_table(layer: Layer, *, shapefile: bool) -> str:
    """A layer's columns as a Markdown table (with the DBF names for the Shapefile)."""
    if shapefile:
        rows = ["| column | Shapefile field | type |", "|---|---|---|"]
        rows += [f"| `{c.name}` | `{c.short}` | {_TYPE_NAMES[c.type]} |" for c in layer.columns]
    else:
        rows = ["| column | type |", "|---|---|"]
        rows += [f"| `{c.name}` | {_TYPE_NAMES[c.type]} |" for c in layer.columns]
    return "\n".join(rows)


def files_present(layer: Layer) -> list[str]:
    """The Shapefile stems ``write_shapefiles`` writes for ``layer``."""
    families = {FAMILIES[t] for t in layer.geometry_types if t in FAMILIES}
    return [shapefile_name(layer.name, f) for f in FAMILY_TYPES if f in families]
