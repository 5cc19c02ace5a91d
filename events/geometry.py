"""Geometry helpers: pixel <-> geographic through an image's affine transform and CRS,
validation of drawn geometry, and COCO RLE masks.

Pixel space (DESIGN.md §6): x right, y down, origin at the top-left corner of the top-left
pixel, in pixels of the full-resolution image. The affine transform is rasterio's
(a, b, c, d, e, f): ``X = a*x + b*y + c``, ``Y = d*x + e*y + f`` in the image CRS.
Geographic output is EPSG:4326 (lon, lat) GeoJSON per RFC 7946: counter-clockwise
exterior rings, clockwise holes, no ``crs`` member.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from affine import Affine
from pyproj import CRS, Transformer
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from events.errors import GeometryError

Geometry = dict[str, Any]

#: GeoJSON geometry types accepted for each annotation kind (masks carry RLE instead).
KIND_TYPES: dict[str, tuple[str, ...]] = {
    "bbox": ("Polygon",),
    "polygon": ("Polygon", "MultiPolygon"),
    "polyline": ("LineString", "MultiLineString"),
    "point": ("Point", "MultiPoint"),
    "mask": ("Polygon", "MultiPolygon"),
}
WGS84 = CRS.from_epsg(4326)


# --- transforms --------------------------------------------------------------------------


def affine_of(transform: Sequence[float]) -> Affine:
    """An Affine from the six stored coefficients (a, b, c, d, e, f)."""
    if len(transform) < 6:
        raise GeometryError("An affine transform needs six coefficients (a, b, c, d, e, f).")
    return Affine(*[float(v) for v in transform[:6]])


def _affine_apply(t: Affine, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return t.a * xs + t.b * ys + t.c, t.d * xs + t.e * ys + t.f


@lru_cache(maxsize=64)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(CRS.from_user_input(src), CRS.from_user_input(dst), always_xy=True)


def _crs_key(crs: str | CRS) -> str:
    return crs.to_wkt() if isinstance(crs, CRS) else str(crs)


def _apply(geometry: Geometry | BaseGeometry, func: Any) -> BaseGeometry:
    geom = geometry if isinstance(geometry, BaseGeometry) else shape(geometry)
    return shapely.transform(geom, func)


def pixel_to_wgs84(
    geometry: Geometry | BaseGeometry, *, transform: Sequence[float], crs: str | CRS
) -> BaseGeometry:
    """Pixel-space geometry -> shapely geometry in EPSG:4326 (lon, lat).

    ``transform`` maps pixels to the image's native ``crs``; pyproj then takes the
    vertices to EPSG:4326. Vertices only: edges are not densified.
    """
    forward = affine_of(transform)
    transformer = _transformer(_crs_key(crs), "EPSG:4326")

    def to_geo(coords: np.ndarray) -> np.ndarray:
        xs, ys = _affine_apply(forward, coords[:, 0], coords[:, 1])
        lon, lat = transformer.transform(xs, ys)
        return np.column_stack([lon, lat])

    return _apply(geometry, to_geo)


def pixel_to_geographic(
    geometry: Geometry | BaseGeometry, *, transform: Sequence[float], crs: str | CRS
) -> Geometry:
    """Pixel-space GeoJSON geometry -> EPSG:4326 GeoJSON (RFC 7946 ring orientation)."""
    return to_geojson(pixel_to_wgs84(geometry, transform=transform, crs=crs))


def geographic_to_pixel(
    geometry: Geometry | BaseGeometry, *, transform: Sequence[float], crs: str | CRS
) -> Geometry:
    """EPSG:4326 GeoJSON geometry -> pixel space of the image with ``transform``/``crs``."""
    inverse = ~affine_of(transform)
    transformer = _transformer("EPSG:4326", _crs_key(crs))

    def to_pixel(coords: np.ndarray) -> np.ndarray:
        xs, ys = transformer.transform(coords[:, 0], coords[:, 1])
        cols, rows = _affine_apply(inverse, np.asarray(xs), np.asarray(ys))
        return np.column_stack([cols, rows])

    return mapping_of(_apply(geometry, to_pixel))


def to_geojson(geom: BaseGeometry) -> Geometry:
    """A shapely geometry as RFC 7946 GeoJSON: exterior rings counter-clockwise."""
    return mapping_of(shapely.orient_polygons(geom, exterior_cw=False))


def mapping_of(geom: BaseGeometry) -> Geometry:
    """shapely -> plain JSON-able GeoJSON (lists, not tuples)."""

    def listify(value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return [listify(v) for v in value]
        return value

    data = mapping(geom)
    if data["type"] == "GeometryCollection":
        return {"type": "GeometryCollection", "geometries": [mapping_of(g) for g in geom.geoms]}
    return {"type": data["type"], "coordinates": listify(data["coordinates"])}


# --- validation --------------------------------------------------------------------------


def _positions(geometry: Geometry) -> Iterable[Sequence[Any]]:
    """Every position of a GeoJSON geometry, checking the nesting depth on the way."""
    depth = {
        "Point": 0,
        "MultiPoint": 1,
        "LineString": 1,
        "MultiLineString": 2,
        "Polygon": 2,
        "MultiPolygon": 3,
    }[geometry["type"]]

    def walk(node: Any, level: int) -> Iterable[Sequence[Any]]:
        if level == 0:
            if not isinstance(node, (list, tuple)) or len(node) < 2:
                raise GeometryError("Each position must be an array of at least two numbers.")
            yield node
            return
        if not isinstance(node, (list, tuple)):
            raise GeometryError(f"Coordinates of a {geometry['type']} are nested too shallowly.")
        for child in node:
            yield from walk(child, level - 1)

    yield from walk(geometry["coordinates"], depth)


def _check_structure(geometry: Any, allowed: Sequence[str], *, max_vertices: int) -> None:
    if not isinstance(geometry, dict) or "type" not in geometry:
        raise GeometryError("Geometry must be a GeoJSON geometry object with a 'type'.")
    kind = geometry["type"]
    if kind not in allowed:
        raise GeometryError(
            f"Geometry type {kind!r} is not allowed here; use {' or '.join(allowed)}."
        )
    if "coordinates" not in geometry:
        raise GeometryError("Geometry has no 'coordinates'.")
    for count, position in enumerate(_positions(geometry), start=1):
        if count > max_vertices:
            raise GeometryError(f"Geometry has more than {max_vertices} vertices.")
        for value in position[:2]:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise GeometryError(f"Coordinate {value!r} is not a number.")
            if not math.isfinite(value):
                raise GeometryError("Coordinates must be finite numbers (no NaN or infinity).")
    rings: list[Any] = []
    lines: list[Any] = []
    if kind == "Polygon":
        rings = list(geometry["coordinates"])
        if not rings:
            raise GeometryError("A polygon needs an exterior ring.")
    elif kind == "MultiPolygon":
        if not geometry["coordinates"]:
            raise GeometryError("A multipolygon needs at least one polygon.")
        for polygon in geometry["coordinates"]:
            if not polygon:
                raise GeometryError("Each polygon of a multipolygon needs an exterior ring.")
            rings.extend(polygon)
    elif kind == "LineString":
        lines = [geometry["coordinates"]]
    elif kind == "MultiLineString":
        lines = list(geometry["coordinates"])
        if not lines:
            raise GeometryError("A multilinestring needs at least one line.")
    elif kind == "MultiPoint" and not geometry["coordinates"]:
        raise GeometryError("A multipoint needs at least one point.")
    for ring in rings:
        if len(ring) < 4:
            raise GeometryError(
                f"A polygon ring needs at least 4 positions (3 corners and the closing one); "
                f"got {len(ring)}."
            )
        if list(ring[0][:2]) != list(ring[-1][:2]):
            raise GeometryError(
                "Polygon rings must be closed: the last position must equal the first."
            )
    for line in lines:
        if len(line) < 2:
            raise GeometryError(f"A line needs at least 2 positions; got {len(line)}.")


def _repaired(geom: BaseGeometry, *, polygonal: bool) -> BaseGeometry:
    """``make_valid`` output keeping only parts of the input's dimension: a degenerate part
    may come back as a point or a line, which is not a shape of the same kind."""
    dimension = 2 if polygonal else int(shapely.get_dimensions(geom))
    fixed = shapely.make_valid(geom)
    parts = [
        part
        for part in shapely.get_parts(shapely.get_parts(fixed))
        if shapely.get_dimensions(part) == dimension
    ]
    if dimension == 2 or not parts:
        return shapely.union_all(parts) if parts else shapely.Polygon()
    if len(parts) == 1:
        return parts[0]
    return shapely.multilinestrings(parts) if dimension == 1 else shapely.multipoints(parts)


def _check_valid(geom: BaseGeometry, *, repair: bool, polygonal: bool) -> BaseGeometry:
    if geom.is_empty:
        raise GeometryError("Geometry is empty.")
    # The signed areas of a self-intersecting ring can cancel out (a symmetric bowtie), so a
    # polygon is only flat when nothing polygonal survives make_valid either.
    if polygonal and geom.area <= 0 and _repaired(geom, polygonal=True).area <= 0:
        raise GeometryError("Polygon has zero area.")
    if not polygonal and geom.geom_type in ("LineString", "MultiLineString") and geom.length <= 0:
        raise GeometryError("Line has zero length.")
    if geom.is_valid:
        return geom
    reason = shapely.is_valid_reason(geom)
    if not repair:
        raise GeometryError(
            f"Invalid geometry ({reason}). Fix it, or send repair=true to have it repaired."
        )
    fixed = _repaired(geom, polygonal=polygonal)
    if fixed.is_empty or (polygonal and fixed.area <= 0):
        what = "polygonal" if polygonal else "of its kind"
        raise GeometryError(f"Invalid geometry ({reason}) and nothing {what} is left after repair.")
    return fixed


def validate_pixel_geometry(
    kind: str,
    geometry: Any,
    *,
    width: int,
    height: int,
    repair: bool = False,
    max_vertices: int = 100_000,
) -> Geometry:
    """Check an annotation's pixel-space geometry for ``kind`` and return it normalised.

    Refused, with a message naming the problem: wrong type for the kind, unclosed rings,
    too few points, NaN or infinite numbers, points outside the image
    (0 <= x <= width, 0 <= y <= height), a box that is not an axis-aligned rectangle, and
    self-intersections (repaired with shapely's ``make_valid`` only when ``repair``).
    """
    if kind not in KIND_TYPES:
        raise GeometryError(f"Unknown annotation kind {kind!r}.")
    _check_structure(geometry, KIND_TYPES[kind], max_vertices=max_vertices)
    geom = shape(geometry)
    minx, miny, maxx, maxy = geom.bounds
    if minx < 0 or miny < 0 or maxx > width or maxy > height:
        raise GeometryError(
            f"Geometry extends outside the image: bounds ({minx:g}, {miny:g}, {maxx:g}, {maxy:g}) "
            f"are not within (0, 0, {width}, {height})."
        )
    if kind == "bbox":
        ring = geometry["coordinates"][0]
        if len(geometry["coordinates"]) != 1 or len(ring) != 5:
            raise GeometryError("A box is a Polygon with one ring of 4 corners (5 positions).")
        if (
            not math.isclose(geom.area, (maxx - minx) * (maxy - miny), rel_tol=1e-9)
            or geom.area <= 0
        ):
            raise GeometryError("A box must be an axis-aligned rectangle with a non-zero area.")
        return box_geometry(minx, miny, maxx, maxy)
    polygonal = kind in ("polygon", "mask")
    geom = _check_valid(geom, repair=repair, polygonal=polygonal)
    return mapping_of(geom)


def validate_geographic_geometry(
    geometry: Any,
    *,
    allowed: Sequence[str] = ("Polygon", "MultiPolygon"),
    repair: bool = False,
    max_vertices: int = 100_000,
) -> BaseGeometry:
    """Check an EPSG:4326 GeoJSON geometry (lon, lat) and return it as shapely geometry."""
    if isinstance(geometry, dict) and "crs" in geometry:
        raise GeometryError("GeoJSON geometries are EPSG:4326 (RFC 7946); remove the 'crs' member.")
    _check_structure(geometry, allowed, max_vertices=max_vertices)
    geom = shape(geometry)
    minx, miny, maxx, maxy = geom.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise GeometryError(
            "Coordinates must be longitude in [-180, 180] and latitude in [-90, 90] "
            "(GeoJSON order is lon, lat)."
        )
    polygonal = geom.geom_type in ("Polygon", "MultiPolygon")
    return _check_valid(geom, repair=repair, polygonal=polygonal)


def box_geometry(minx: float, miny: float, maxx: float, maxy: float) -> Geometry:
    """An axis-aligned box as a closed GeoJSON Polygon ring, starting at the top-left."""
    return {
        "type": "Polygon",
        "coordinates": [[[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]],
    }


# --- masks (COCO uncompressed RLE) ---------------------------------------------------------


def rle_decode(rle: Any, *, width: int, height: int) -> np.ndarray:
    """COCO uncompressed RLE -> boolean array (height, width).

    ``{"size": [height, width], "counts": [zeros, ones, zeros, ...]}`` with counts running
    down columns (column-major), as in pycocotools. https://cocodataset.org/#format-data
    """
    if not isinstance(rle, dict) or "size" not in rle or "counts" not in rle:
        raise GeometryError("A mask must be RLE: {'size': [height, width], 'counts': [...]}.")
    size, counts = rle["size"], rle["counts"]
    if not isinstance(size, (list, tuple)) or list(size) != [height, width]:
        raise GeometryError(f"Mask size {size} does not match the image ([{height}, {width}]).")
    if not isinstance(counts, list) or not all(
        isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in counts
    ):
        raise GeometryError("Mask counts must be a list of non-negative integers.")
    if sum(counts) != width * height:
        raise GeometryError(
            f"Mask counts add up to {sum(counts)}, not width x height = {width * height}."
        )
    values = np.zeros(len(counts), dtype=bool)
    values[1::2] = True
    flat = np.repeat(values, counts)
    return flat.reshape((height, width), order="F")


def rle_encode(mask: np.ndarray) -> dict[str, Any]:
    """Boolean array (height, width) -> COCO uncompressed RLE (column-major counts)."""
    flat = np.asarray(mask, dtype=bool).flatten(order="F")
    changes = np.flatnonzero(np.diff(flat.astype(np.int8))) + 1
    bounds = np.concatenate([[0], changes, [flat.size]])
    counts = np.diff(bounds).tolist()
    if flat.size and flat[0]:
        counts = [0, *counts]
    return {"size": [int(mask.shape[0]), int(mask.shape[1])], "counts": counts}


def mask_outline(mask: np.ndarray) -> BaseGeometry:
    """The pixel-edge outline of a boolean mask as a (Multi)Polygon in pixel space."""
    from rasterio import features

    data = np.asarray(mask, dtype=np.uint8)
    parts = [
        shape(geom)
        for geom, value in features.shapes(data, mask=data.astype(bool), connectivity=4)
        if value == 1
    ]
    if not parts:
        raise GeometryError("The mask is empty: it marks no pixel.")
    return shapely.union_all(parts)
