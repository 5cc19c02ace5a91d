"""POST /api/v1/annotations/{id}/convert/: polygon (or box) <-> mask through the API."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from shapely.geometry import shape

from events.geometry import rle_decode, rle_encode
from events.models import Annotation, AnnotationChange, Role
from events.services.annotations import annotation_create
from tests.api.support import assert_error

pytestmark = pytest.mark.django_db

HOLED = {
    "type": "Polygon",
    "coordinates": [
        [[10, 10], [50, 10], [50, 40], [10, 40], [10, 10]],
        [[20, 20], [20, 30], [30, 30], [30, 20], [20, 20]],
    ],
}


def _url(annotation: Annotation) -> str:
    return f"/api/v1/annotations/{annotation.pk}/convert/"


@pytest.fixture
def annotator(member):
    return member(Role.ANNOTATOR)


@pytest.fixture
def polygon(annotator, image, label_class) -> Annotation:
    return annotation_create(
        user=annotator, image=image, label_class=label_class, kind="polygon", geometry=HOLED
    )


def _unchanged(annotation: Annotation, kind: str, version: int) -> None:
    annotation.refresh_from_db()
    assert (annotation.kind, annotation.version) == (kind, version)


def test_polygon_to_mask_and_back(api, annotator, polygon, image) -> None:
    client = api(annotator)
    response = client.post(_url(polygon), {"to": "mask", "version": 1}, format="json")
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    assert body["id"] == polygon.pk
    assert body["kind"] == "mask" and body["version"] == 2
    pixels = rle_decode(body["mask"], width=image.width, height=image.height)
    assert int(pixels.sum()) == 1100
    assert body["geo_geometry"] is not None

    response = client.post(
        _url(polygon), {"to": "polygon", "simplify": 0, "version": 2}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["kind"] == "polygon" and body["mask"] is None and body["version"] == 3
    assert shape(body["geometry"]).equals(shape(HOLED))
    assert AnnotationChange.objects.filter(annotation_ref=polygon.pk).count() == 3


def test_mask_to_polygon_simplified(api, annotator, image, label_class) -> None:
    yy, xx = np.mgrid[0 : image.height, 0 : image.width]
    pixels = (xx + 0.5 - 50) ** 2 + (yy + 0.5 - 40) ** 2 <= 30**2
    mask = annotation_create(
        user=annotator, image=image, label_class=label_class, kind="mask", mask=rle_encode(pixels)
    )
    exact = shape(mask.geometry)
    response = api(annotator).post(
        _url(mask), {"to": "polygon", "simplify": 1.0, "version": 1}, format="json"
    )
    assert response.status_code == 200, response.content
    simple = shape(response.json()["geometry"])
    assert len(simple.exterior.coords) < len(exact.exterior.coords) / 2
    assert simple.area == pytest.approx(exact.area, rel=0.03)


def test_an_empty_mask_is_a_clear_400(api, annotator, image, label_class) -> None:
    pixels = np.zeros((image.height, image.width), dtype=bool)
    pixels[5, 5] = True
    mask = annotation_create(
        user=annotator, image=image, label_class=label_class, kind="mask", mask=rle_encode(pixels)
    )
    # A mask emptied behind the service's back (e.g. an import): still a clear answer.
    empty = {"size": [image.height, image.width], "counts": [image.width * image.height]}
    Annotation.objects.filter(pk=mask.pk).update(mask=empty)
    response = api(annotator).post(_url(mask), {"to": "polygon", "version": 1}, format="json")
    body = assert_error(response, 400, "invalid_geometry", ["mask"])
    assert "empty" in body["detail"]
    _unchanged(mask, "mask", 1)


def test_a_shape_with_no_pixel_is_a_clear_400(api, annotator, image, label_class) -> None:
    sliver = annotation_create(
        user=annotator,
        image=image,
        label_class=label_class,
        kind="polygon",
        geometry={
            "type": "Polygon",
            "coordinates": [[[1.6, 1.6], [1.9, 1.6], [1.9, 1.9], [1.6, 1.6]]],
        },
    )
    response = api(annotator).post(_url(sliver), {"to": "mask", "version": 1}, format="json")
    body = assert_error(response, 400, "invalid_geometry", ["to"])
    assert "empty" in body["detail"]
    _unchanged(sliver, "polygon", 1)


def test_unsupported_conversions_are_400(api, annotator, polygon, image, label_class) -> None:
    client = api(annotator)
    response = client.post(_url(polygon), {"to": "polygon", "version": 1}, format="json")
    assert "already a polygon" in assert_error(response, 400, "invalid", ["to"])["detail"]
    response = client.post(_url(polygon), {"to": "point", "version": 1}, format="json")
    assert_error(response, 400, "invalid", ["to"])
    response = client.post(_url(polygon), {"to": "mask"}, format="json")
    assert_error(response, 400, "invalid", ["version"])
    response = client.post(
        _url(polygon), {"to": "mask", "version": 1, "simplify": -1}, format="json"
    )
    assert_error(response, 400, "invalid", ["simplify"])
    line = annotation_create(
        user=annotator,
        image=image,
        label_class=label_class,
        kind="polyline",
        geometry={"type": "LineString", "coordinates": [[1, 1], [9, 9]]},
    )
    response = client.post(_url(line), {"to": "mask", "version": 1}, format="json")
    assert (
        "polyline cannot be converted" in assert_error(response, 400, "invalid", ["to"])["detail"]
    )
    _unchanged(polygon, "polygon", 1)
    _unchanged(line, "polyline", 1)


def test_a_stale_version_is_409(api, annotator, polygon) -> None:
    response = api(annotator).post(_url(polygon), {"to": "mask", "version": 5}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "stale_version"
    _unchanged(polygon, "polygon", 1)


def test_permissions(api, member, annotator, polygon) -> None:
    viewer, outsider = member(Role.VIEWER), None
    from tests.factories import TeamFactory

    outsider = member(Role.OWNER, in_team=TeamFactory())
    body = {"to": "mask", "version": 1}
    assert_error(api(viewer).post(_url(polygon), body, format="json"), 403, "permission_denied")
    assert_error(api(outsider).post(_url(polygon), body, format="json"), 404, "not_found")
    assert api().post(_url(polygon), body, format="json").status_code == 401
    _unchanged(polygon, "polygon", 1)
