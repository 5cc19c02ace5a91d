"""Polygon <-> mask conversion of annotations (the editor's "convert" action).

Rasterizing follows the pixel-centre rule: a pixel (col, row) covers the square
[col, col + 1] x [row, row + 1] in pixel space and belongs to the mask when its centre
(col + 0.5, row + 0.5) lies inside the shape (rasterio.features.rasterize, all_touched off),
holes included. Vectorizing traces the pixel edges (rasterio.features.shapes, 4-connected),
keeps holes, and optionally simplifies the outline by a tolerance in pixels
(Douglas-Peucker with topology preserved, so rings never cross and holes stay holes).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from django.contrib.auth.models import User
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from events.errors import GeometryError, InvalidInput
from events.geometry import Geometry, mapping_of, mask_outline, rle_decode, rle_encode
from events.models import Annotation, AnnotationChange
from events.rules import Action, require
from events.services.annotations import _shape, _write_if_current

#: Kinds each target can be made from.
SOURCES: dict[str, tuple[str, ...]] = {
    Annotation.Kind.MASK: (Annotation.Kind.POLYGON, Annotation.Kind.BBOX),
    Annotation.Kind.POLYGON: (Annotation.Kind.MASK,),
}
#: The largest simplification tolerance accepted, in pixels.
MAX_SIMPLIFY = 100.0


def rasterize(geometry: Geometry | BaseGeometry, *, width: int, height: int) -> np.ndarray:
    """A pixel-space (Multi)Polygon -> boolean array (height, width) by the pixel-centre rule."""
    from rasterio import features
    from rasterio.transform import Affine

    geom = geometry if isinstance(geometry, BaseGeometry) else shape(geometry)
    if geom.is_empty:
        return np.zeros((height, width), dtype=bool)
    burned = features.rasterize(
        [(geom, 1)],
        out_shape=(height, width),
        transform=Affine.identity(),
        fill=0,
        all_touched=False,
        dtype="uint8",
    )
    return burned.astype(bool)


def vectorize(mask: np.ndarray, *, simplify: float = 0.0) -> BaseGeometry:
    """Boolean array -> the (Multi)Polygon of its pixel edges, holes kept.

    With ``simplify`` > 0 the outline is simplified by that tolerance (pixels), topology
    preserved; parts that collapse are dropped. GeometryError if the mask marks no pixel.
    """
    outline = mask_outline(mask)
    if simplify > 0:
        outline = shapely.simplify(outline, simplify, preserve_topology=True)
        parts = [
            p for p in shapely.get_parts(outline) if not p.is_empty and p.area > 0 and p.is_valid
        ]
        if not parts:
            raise GeometryError(
                f"Nothing is left of the mask after simplifying by {simplify:g} px; "
                "use a smaller tolerance."
            )
        outline = shapely.union_all(parts)
    else:
        outline = shapely.simplify(outline, 0)  # drop collinear vertices only
    return outline


def _check_target(annotation: Annotation, to: str) -> None:
    if to not in SOURCES:
        raise InvalidInput(
            f"Cannot convert to {to!r}.", fields={"to": ["Use 'mask' or 'polygon'."]}
        )
    if annotation.kind == to:
        raise InvalidInput(
            f"Annotation {annotation.pk} is already a {to}.",
            fields={"to": [f"The annotation is already a {to}."]},
        )
    if annotation.kind not in SOURCES[to]:
        sources = " or ".join(SOURCES[to])
        raise InvalidInput(
            f"A {annotation.kind} cannot be converted to a {to}; only a {sources} can.",
            fields={"to": [f"Not available for a {annotation.kind}."]},
        )


def annotation_convert(
    *,
    user: User,
    annotation: Annotation,
    to: str,
    version: int,
    simplify: float = 0.0,
) -> Annotation:
    """Turn a polygon (or box) into a mask, or a mask into a polygon, in place.

    The annotation keeps its id, class, attributes and review state; its kind, geometry
    and mask change and its version goes up, in one conditional write (StaleVersion, HTTP
    409, if it is no longer at ``version``), recorded in its history like any change.
    """
    require(user, annotation.image.event.team_id, Action.ANNOTATE, what="Annotation")
    _check_target(annotation, to)
    if not 0 <= simplify <= MAX_SIMPLIFY:
        raise InvalidInput(
            f"The simplification tolerance is 0 to {MAX_SIMPLIFY:g} pixels.",
            fields={"simplify": ["Out of range."]},
        )
    image = annotation.image
    fields: dict[str, Any]
    if to == Annotation.Kind.MASK:
        pixels = rasterize(annotation.geometry, width=image.width, height=image.height)
        if not pixels.any():
            raise GeometryError(
                "The shape covers no pixel centre, so its mask would be empty.",
                fields={"to": ["The mask would be empty."]},
            )
        fields = _shape(image, to, None, rle_encode(pixels), repair=False)
    else:
        if annotation.mask is None:
            raise GeometryError("The mask annotation has no mask.", fields={"mask": ["Missing."]})
        pixels = rle_decode(annotation.mask, width=image.width, height=image.height)
        if not pixels.any():
            raise GeometryError(
                "The mask is empty: there is no shape to make a polygon of.",
                fields={"mask": ["The mask marks no pixel."]},
            )
        outline = vectorize(pixels, simplify=simplify)
        fields = _shape(image, to, mapping_of(outline), None, repair=True)
        fields["mask"] = None
    return _write_if_current(
        annotation.pk,
        version=version,
        user=user,
        action=AnnotationChange.Action.UPDATE,
        fields={**fields, "kind": to},
        attempted={"convert_to": to, "simplify": simplify},
    )
