"""GeoJSON -> annotation candidates.

Coordinates are EPSG:4326 lon/lat (RFC 7946), or in ``crs`` when the import names one (e.g.
``EPSG:32618``; an old-style ``crs`` member of the FeatureCollection is honoured when the
import names none). Each feature goes to an image by, in order:

1. its ``image_id`` property, when that is an image of the event (and ``image``, if also
   given, is that image's name: our own GeoJSON export writes both);
2. its ``image`` (or ``image_name``) property, a file name (``ImageIndex.by_name``);
3. place: the one georeferenced image whose footprint covers the feature; none or several
   are reported.

It is then converted to the image's pixel space (``events.geometry.geographic_to_pixel``).
Class: the ``class`` property (name, ignoring case). Kind: the ``kind`` property when it is
one of bbox, polygon, polyline, point (a ``mask`` outline comes in as a polygon), else from
the geometry type. A ``bbox`` that is no longer an axis-aligned rectangle in pixel space
(drawn in another CRS) comes in as a polygon.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from events.errors import GeometryError
from events.geometry import (
    KIND_TYPES,
    box_geometry,
    geographic_to_pixel,
    mapping_of,
    validate_geographic_geometry,
)
from events.models import Image
from workers.errors import ImportRejected
from workers.imports.base import (
    INVALID_GEOMETRY,
    MALFORMED,
    NOT_GEOREFERENCED,
    Candidate,
    ImageIndex,
    Problem,
)

GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")
KIND_OF_TYPE = {
    "Point": "point",
    "MultiPoint": "point",
    "LineString": "polyline",
    "MultiLineString": "polyline",
    "Polygon": "polygon",
    "MultiPolygon": "polygon",
}
#: Pixel coordinates are rounded to this many decimals: reprojection noise (1e-10 px) would
#: otherwise turn an exported box into a not-quite-rectangle.
DECIMALS = 6


def check(doc: Any) -> list[Any]:
    """The features of ``doc``; raise ImportRejected unless it is a GeoJSON Feature or
    FeatureCollection."""
    if isinstance(doc, dict) and {"images", "annotations"} <= set(doc):
        raise ImportRejected("This file is COCO JSON, not GeoJSON; import it with format 'coco'.")
    kind = doc.get("type") if isinstance(doc, dict) else None
    if kind == "Feature":
        return [doc]
    if kind == "FeatureCollection" and isinstance(doc.get("features"), list):
        return list(doc["features"])
    raise ImportRejected(
        "Not GeoJSON: the file must be a FeatureCollection (with a 'features' list) or a "
        f"Feature; its type is {kind!r}."
    )


def source_crs(doc: Any, crs: str | None) -> CRS | None:
    """The CRS the coordinates are in; None for EPSG:4326 (RFC 7946)."""
    name = crs
    member = doc.get("crs") if isinstance(doc, dict) else None
    if name is None and isinstance(member, dict):
        name = (member.get("properties") or {}).get("name")
    if not name:
        return None
    try:
        parsed = CRS.from_user_input(name)
    except CRSError as exc:
        raise ImportRejected(f"Unknown CRS {name!r}: {exc}") from None
    return None if parsed.equals(CRS.from_epsg(4326), ignore_axis_order=True) else parsed


def _to_wgs84(geometry: Any, crs: CRS | None, *, repair: bool) -> BaseGeometry:
    """The feature geometry in EPSG:4326, checked (raises GeometryError)."""
    if crs is not None:
        if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
            raise GeometryError("Geometry must be a GeoJSON geometry object with a 'type'.")
        try:
            geom = shape(geometry)
        except Exception as exc:  # shapely raises several types for malformed coordinates
            raise GeometryError(f"Malformed coordinates: {exc}") from None
        forward = Transformer.from_crs(crs, 4326, always_xy=True)
        geometry = mapping_of(
            shapely.transform(geom, lambda xy: _stack(forward.transform(xy[:, 0], xy[:, 1])))
        )
    return validate_geographic_geometry(geometry, allowed=GEOMETRY_TYPES, repair=repair)


def _stack(lonlat: tuple[Any, Any]) -> Any:
    return np.column_stack(lonlat)


def _rounded(geometry: dict[str, Any]) -> dict[str, Any]:
    def walk(node: Any) -> Any:
        if node and isinstance(node[0], (int, float)):
            return [round(v, DECIMALS) for v in node]
        return [walk(child) for child in node]

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def _kind(properties: dict[str, Any], geometry: dict[str, Any]) -> str:
    wanted = properties.get("kind")
    if wanted == "mask":
        wanted = "polygon"
    if wanted in KIND_TYPES and geometry["type"] in KIND_TYPES[wanted]:
        return str(wanted)
    return KIND_OF_TYPE[geometry["type"]]


def _as_box(geometry: dict[str, Any]) -> dict[str, Any] | None:
    """An axis-aligned box when ``geometry`` is one (to float noise), else None."""
    if geometry["type"] != "Polygon" or len(geometry["coordinates"]) != 1:
        return None
    geom = shape(geometry)
    minx, miny, maxx, maxy = geom.bounds
    area = (maxx - minx) * (maxy - miny)
    if area <= 0 or len(geometry["coordinates"][0]) != 5:
        return None
    if not math.isclose(geom.area, area, rel_tol=1e-6):
        return None
    return box_geometry(minx, miny, maxx, maxy)


def _image(properties: dict[str, Any], geom: BaseGeometry, images: ImageIndex) -> Image | Problem:
    image_id, name = (
        properties.get("image_id"),
        properties.get("image") or properties.get("image_name"),
    )
    if isinstance(image_id, int) and image_id in images.by_id:
        image = images.by_id[image_id]
        if not isinstance(name, str) or name == image.name:
            return image
    if isinstance(name, str) and name:
        return images.by_name(name)
    return images.covering(geom)


def candidates(
    features: list[Any], *, images: ImageIndex, crs: CRS | None, repair: bool = False
) -> Iterator[Candidate]:
    """One candidate per feature."""
    for index, feature in enumerate(features):
        ref = f"feature #{index}"
        if isinstance(feature, dict) and feature.get("id") is not None:
            ref = f"feature {feature['id']} (#{index})"
        candidate = Candidate(ref)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            candidate.problem = Problem(MALFORMED, "Not a GeoJSON Feature.")
            yield candidate
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            properties = {}
        if feature.get("geometry") is None:
            candidate.problem = Problem(INVALID_GEOMETRY, "The feature has no geometry.")
            yield candidate
            continue
        try:
            geom = _to_wgs84(feature["geometry"], crs, repair=repair)
        except GeometryError as exc:
            candidate.problem = Problem(INVALID_GEOMETRY, exc.detail)
            yield candidate
            continue
        image = _image(properties, geom, images)
        if isinstance(image, Problem):
            candidate.problem = image
        elif not image.is_georeferenced:
            candidate.problem = Problem(
                NOT_GEOREFERENCED,
                f"Image {image.pk} ({image.name}) has no georeference: a geographic feature "
                "cannot be placed on it.",
            )
        else:
            transform = image.transform or []
            pixel = _rounded(geographic_to_pixel(geom, transform=transform, crs=image.crs))
            kind = _kind(properties, pixel)
            if kind == "bbox":
                box = _as_box(pixel)
                kind, pixel = ("bbox", box) if box is not None else ("polygon", pixel)
            candidate.image = image
            candidate.kind, candidate.geometry = kind, pixel
            candidate.class_name = properties.get("class")
            candidate.confidence = properties.get("confidence")
            candidate.difficulty = properties.get("difficulty")
            candidate.attributes = {
                key[5:]: value for key, value in properties.items() if key.startswith("attr_")
            }
        yield candidate
