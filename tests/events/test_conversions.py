"""Polygon <-> mask conversion (events/services/conversions.py) without HTTP."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from events.errors import Forbidden, GeometryError, InvalidInput, StaleVersion
from events.geometry import box_geometry, rle_decode, rle_encode
from events.models import Annotation, AnnotationChange, Role
from events.services.annotations import annotation_create, annotation_update
from events.services.conversions import annotation_convert, rasterize, vectorize

pytestmark = pytest.mark.django_db

#: A 40 x 30 px square with a 10 x 10 px square hole: 1200 - 100 = 1100 pixels.
HOLED = {
    "type": "Polygon",
    "coordinates": [
        [[10, 10], [50, 10], [50, 40], [10, 40], [10, 10]],
        [[20, 20], [20, 30], [30, 30], [30, 20], [20, 20]],
    ],
}


@pytest.fixture
def annotator(member):
    return member(Role.ANNOTATOR)


def _polygon(annotator, image, label_class, geometry=HOLED) -> Annotation:
    return annotation_create(
        user=annotator, image=image, label_class=label_class, kind="polygon", geometry=geometry
    )


# --- the pure functions -----------------------------------------------------------------


def test_rasterize_a_polygon_with_a_hole_counts_the_right_pixels() -> None:
    pixels = rasterize(HOLED, width=100, height=80)
    assert pixels.shape == (80, 100)
    assert int(pixels.sum()) == 40 * 30 - 10 * 10
    # Rows are y, columns are x; the hole is empty and its frame is full.
    assert pixels[10, 10] and pixels[39, 49]
    assert not pixels[9, 10] and not pixels[10, 50]
    assert not pixels[20:30, 20:30].any()
    assert pixels[19, 20] and pixels[30, 29]


def test_rasterize_uses_pixel_centres() -> None:
    # A triangle over the diagonal of a 10 x 10 square: centres strictly below it count.
    triangle = {"type": "Polygon", "coordinates": [[[0, 0], [10, 10], [0, 10], [0, 0]]]}
    pixels = rasterize(triangle, width=10, height=10)
    rows, cols = np.nonzero(pixels)
    assert np.all(rows >= cols)  # no centre above the diagonal
    assert np.all(pixels[np.tril_indices(10, -1)])  # every centre strictly below it
    assert not pixels[0, 9] and pixels[9, 0]


def test_vectorize_round_trip_keeps_holes_and_area() -> None:
    pixels = rasterize(HOLED, width=100, height=80)
    outline = vectorize(pixels)
    assert outline.geom_type == "Polygon"
    assert len(outline.interiors) == 1
    assert outline.area == pytest.approx(1100)
    assert outline.equals(shape(HOLED))
    # Pixel edges with collinear vertices removed: 4 corners per ring (+ closing vertex).
    assert len(outline.exterior.coords) == 5
    assert np.array_equal(rasterize(outline, width=100, height=80), pixels)


def test_vectorize_gives_a_multipolygon_for_separate_blobs() -> None:
    pixels = np.zeros((20, 30), dtype=bool)
    pixels[2:5, 2:6] = True
    pixels[10:15, 20:28] = True
    outline = vectorize(pixels)
    assert outline.geom_type == "MultiPolygon"
    assert len(outline.geoms) == 2
    assert outline.area == pytest.approx(12 + 40)


def _disc(radius: float, size: int = 80) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size]
    return (xx + 0.5 - size / 2) ** 2 + (yy + 0.5 - size / 2) ** 2 <= radius**2


def test_simplification_drops_staircase_vertices_within_tolerance() -> None:
    pixels = _disc(30)
    exact = vectorize(pixels)
    simple = vectorize(pixels, simplify=1.0)
    assert len(simple.exterior.coords) < len(exact.exterior.coords) / 2
    # Douglas-Peucker keeps every point within the tolerance of the original outline.
    assert shapely.hausdorff_distance(simple, exact) <= 1.0 + 1e-9
    assert simple.area == pytest.approx(exact.area, rel=0.03)
    assert simple.is_valid


def test_simplification_keeps_holes() -> None:
    pixels = _disc(30) & ~_disc(12)
    simple = vectorize(pixels, simplify=1.5)
    assert simple.geom_type == "Polygon"
    assert len(simple.interiors) == 1


def test_vectorize_an_empty_mask_is_refused() -> None:
    with pytest.raises(GeometryError, match="empty"):
        vectorize(np.zeros((5, 5), dtype=bool))


# --- the service --------------------------------------------------------------------------


def test_polygon_to_mask_in_place(annotator, image, label_class) -> None:
    ann = _polygon(annotator, image, label_class)
    ann = annotation_update(
        user=annotator, annotation=ann, version=1, attributes={"depth": "shallow"}
    )
    converted = annotation_convert(user=annotator, annotation=ann, to="mask", version=2)
    assert converted.pk == ann.pk
    assert converted.kind == "mask"
    assert converted.version == 3
    assert converted.attributes == {"depth": "shallow"}
    pixels = rle_decode(converted.mask, width=image.width, height=image.height)
    assert int(pixels.sum()) == 1100
    assert shape(converted.geometry).equals(shape(HOLED))
    assert converted.geo_geometry is not None
    last = AnnotationChange.objects.filter(annotation_ref=ann.pk).order_by("id").last()
    assert last is not None and last.before is not None and last.after is not None
    assert last.before["kind"] == "polygon" and last.after["kind"] == "mask"


def test_mask_to_polygon_round_trip(annotator, image, label_class) -> None:
    ann = _polygon(annotator, image, label_class)
    mask = annotation_convert(user=annotator, annotation=ann, to="mask", version=1)
    back = annotation_convert(user=annotator, annotation=mask, to="polygon", version=2)
    assert back.kind == "polygon"
    assert back.mask is None
    assert shape(back.geometry).equals(shape(HOLED))
    assert back.version == 3


def test_mask_to_polygon_with_simplification(annotator, image, label_class) -> None:
    pixels = np.zeros((image.height, image.width), dtype=bool)
    pixels[:80, :80] = _disc(25)
    ann = annotation_create(
        user=annotator, image=image, label_class=label_class, kind="mask", mask=rle_encode(pixels)
    )
    exact = vectorize(pixels)
    simple = annotation_convert(
        user=annotator, annotation=ann, to="polygon", version=1, simplify=1.0
    )
    coords = shape(simple.geometry)
    assert len(coords.exterior.coords) < len(exact.exterior.coords) / 2
    assert shapely.hausdorff_distance(coords, exact) <= 1.0 + 1e-9


def test_a_box_converts_to_a_mask(annotator, image, label_class) -> None:
    ann = annotation_create(
        user=annotator,
        image=image,
        label_class=label_class,
        kind="bbox",
        geometry=box_geometry(0, 0, 7, 3),
    )
    mask = annotation_convert(user=annotator, annotation=ann, to="mask", version=1)
    assert int(rle_decode(mask.mask, width=image.width, height=image.height).sum()) == 21


def test_errors_leave_the_annotation_alone(annotator, image, label_class) -> None:
    ann = _polygon(annotator, image, label_class)
    with pytest.raises(InvalidInput, match="already a polygon"):
        annotation_convert(user=annotator, annotation=ann, to="polygon", version=1)
    with pytest.raises(InvalidInput, match="Cannot convert to"):
        annotation_convert(user=annotator, annotation=ann, to="point", version=1)
    point = annotation_create(
        user=annotator,
        image=image,
        label_class=label_class,
        kind="point",
        geometry={"type": "Point", "coordinates": [3, 3]},
    )
    with pytest.raises(InvalidInput, match="point cannot be converted"):
        annotation_convert(user=annotator, annotation=point, to="mask", version=1)
    # A sliver between pixel centres rasterizes to nothing.
    sliver = _polygon(
        annotator,
        image,
        label_class,
        {"type": "Polygon", "coordinates": [[[1.6, 1.6], [1.9, 1.6], [1.9, 1.9], [1.6, 1.6]]]},
    )
    with pytest.raises(GeometryError, match="no pixel centre"):
        annotation_convert(user=annotator, annotation=sliver, to="mask", version=1)
    with pytest.raises(StaleVersion):
        annotation_convert(user=annotator, annotation=ann, to="mask", version=7)
    ann.refresh_from_db()
    assert ann.kind == "polygon" and ann.version == 1 and ann.mask is None


def test_viewers_may_not_convert(member, annotator, image, label_class) -> None:
    ann = _polygon(annotator, image, label_class)
    with pytest.raises(Forbidden):
        annotation_convert(user=member(Role.VIEWER), annotation=ann, to="mask", version=1)
    ann.refresh_from_db()
    assert ann.kind == "polygon"
