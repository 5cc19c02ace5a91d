"""Every annotation route of the REST API: what members may do, and what nobody may.

Routes: /api/v1/images/{id}/annotations/ (GET, POST), /api/v1/annotations/{id}/ (GET, PUT,
PATCH, DELETE with ?version=), /api/v1/annotations/{id}/history/, .../review/.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any

import numpy as np
import pytest
import rasterio.warp
import shapely
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from events.geometry import box_geometry, rle_encode
from events.models import Annotation, AnnotationChange, Role
from events.services.annotations import annotation_create, annotation_update
from tests.factories import (
    PASSWORD,
    UTM_TRANSFORM,
    EventFactory,
    ImageFactory,
    LabelClassFactory,
    PixelImageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BOX = box_geometry(10, 10, 40, 30)
BOWTIE = {"type": "Polygon", "coordinates": [[[0, 0], [10, 10], [10, 0], [0, 10], [0, 0]]]}


# --- helpers -----------------------------------------------------------------------------


def _list_url(image: Any) -> str:
    return f"/api/v1/images/{image.pk}/annotations/"


def _url(annotation: Any, suffix: str = "") -> str:
    pk = annotation if isinstance(annotation, int) else annotation.pk
    return f"/api/v1/annotations/{pk}/{suffix}"


def _state() -> tuple[int, int, list[tuple[int, int, Any]]]:
    """Everything a bad request must leave alone: rows, history, each row's content."""
    rows = list(Annotation.objects.order_by("id").values_list("id", "version", "geometry"))
    return Annotation.objects.count(), AnnotationChange.objects.count(), rows


def _error(response: Any, status: int, code: str, fields: list[str] | None = None) -> dict:
    """The one error format: detail (a sentence), code, fields naming the bad inputs."""
    assert response.status_code == status, (response.status_code, response.content[:400])
    body = response.json()
    assert {"detail", "code", "fields"} <= set(body), body
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and len(body["detail"]) > 5, body
    if fields is not None:
        assert sorted(body["fields"]) == sorted(fields), body
    return body


def _ts(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _expected_geo(pixel_ring: list[list[float]]) -> np.ndarray:
    """Pixel vertices -> EPSG:4326 independently: the affine by hand, then GDAL's warp."""
    a, b, c, d, e, f = UTM_TRANSFORM
    xs = [a * x + b * y + c for x, y in pixel_ring]
    ys = [d * x + e * y + f for x, y in pixel_ring]
    lons, lats = rasterio.warp.transform("EPSG:32618", "EPSG:4326", xs, ys)
    return np.column_stack([lons, lats])


def _assert_geo_box(geo: dict[str, Any], pixel: dict[str, Any]) -> None:
    """geo_geometry is RFC 7946 GeoJSON of the pixel polygon's transformed vertices."""
    assert set(geo) == {"type", "coordinates"}  # no crs member
    assert geo["type"] == "Polygon"
    (ring,) = geo["coordinates"]
    assert ring[0] == ring[-1]
    assert shapely.LinearRing(ring).is_ccw  # RFC 7946 §3.1.6
    got = np.array(ring[:-1])
    expected = _expected_geo(pixel["coordinates"][0][:-1])
    assert len(got) == len(expected)
    for lon_lat in expected:
        assert np.min(np.hypot(*(got - lon_lat).T)) < 1e-9


@pytest.fixture
def annotator(member):
    return member(Role.ANNOTATOR)


@pytest.fixture
def client(api, annotator) -> APIClient:
    return api(annotator)


@pytest.fixture
def ann(annotator, image, label_class) -> Annotation:
    return annotation_create(
        user=annotator, image=image, label_class=label_class, kind="bbox", geometry=BOX
    )


# --- create and read ---------------------------------------------------------------------


def test_post_creates_and_answers_the_full_annotation(client, annotator, image, label_class):
    payload = {
        "label_class": label_class.pk,
        "kind": "bbox",
        "geometry": BOX,
        "attributes": {"note": "flooded field"},
        "confidence": 0.5,
        "difficulty": 2,
    }

    response = client.post(_list_url(image), payload, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    row = Annotation.objects.get()
    assert body == {
        "id": row.pk,
        "image": image.pk,
        "label_class": label_class.pk,
        "kind": "bbox",
        "geometry": BOX,
        "geo_geometry": body["geo_geometry"],  # checked below against an independent transform
        "mask": None,
        "attributes": {"note": "flooded field"},
        "keypoints": None,
        "author": annotator.username,
        "source": "manual",
        "confidence": 0.5,
        "difficulty": 2,
        "review_state": "pending",
        "reviewed_by": None,
        "reviewed_at": None,
        "version": 1,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    _assert_geo_box(body["geo_geometry"], BOX)
    assert _ts(body["created_at"]) == row.created_at
    assert _ts(body["updated_at"]) == row.updated_at
    assert row.geometry == BOX and row.version == 1 and row.author == annotator
    (entry,) = AnnotationChange.objects.all()
    assert (entry.action, entry.user, entry.version) == ("create", annotator, 1)


def test_get_detail_and_pixel_only_image(client, annotator, event, label_class):
    image = PixelImageFactory(event=event)
    point = {"type": "Point", "coordinates": [3.5, 7.25]}
    annotation = annotation_create(
        user=annotator, image=image, label_class=label_class, kind="point", geometry=point
    )

    body = client.get(_url(annotation)).json()

    assert body["id"] == annotation.pk
    assert body["geometry"] == point
    assert body["geo_geometry"] is None
    assert body["version"] == 1


def test_post_a_mask_answers_its_outline(client, image, label_class):
    mask = np.zeros((80, 100), dtype=bool)
    mask[10:20, 30:50] = True

    response = client.post(
        _list_url(image),
        {"label_class": label_class.pk, "kind": "mask", "mask": rle_encode(mask)},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mask"] == rle_encode(mask)
    assert shapely.geometry.shape(body["geometry"]).equals(shapely.box(30, 10, 50, 20))
    assert body["geo_geometry"]["type"] == "Polygon"


def test_list_filters_and_paginates(client, annotator, member, image, label_class):
    other_class = LabelClassFactory(event=image.event)
    point = {"type": "Point", "coordinates": [1, 1]}
    made = [
        annotation_create(
            user=annotator, image=image, label_class=label_class, kind="bbox", geometry=BOX
        ),
        annotation_create(
            user=annotator, image=image, label_class=other_class, kind="point", geometry=point
        ),
        annotation_create(
            user=annotator,
            image=image,
            label_class=label_class,
            kind="point",
            geometry=point,
            source="predicted",
            confidence=0.9,
        ),
    ]
    from events.services.annotations import annotation_review

    annotation_review(
        user=member(Role.REVIEWER), annotation=made[0], decision="accepted", version=1
    )
    # Another image's annotation never shows up.
    annotation_create(
        user=annotator,
        image=ImageFactory(event=image.event),
        label_class=label_class,
        kind="bbox",
        geometry=BOX,
    )

    def ids(query: str = "") -> tuple[int, list[int]]:
        response = client.get(_list_url(image) + query)
        assert response.status_code == 200, response.content
        body = response.json()
        return body["count"], [a["id"] for a in body["results"]]

    a, b, c = (m.pk for m in made)
    assert ids() == (3, [a, b, c])
    assert ids(f"?label_class={label_class.pk}") == (2, [a, c])
    assert ids(f"?label_class={other_class.pk}") == (1, [b])
    assert ids("?kind=point") == (2, [b, c])
    assert ids("?kind=polyline") == (0, [])
    assert ids("?source=predicted") == (1, [c])
    assert ids("?review_state=accepted") == (1, [a])
    assert ids("?review_state=pending&kind=point") == (2, [b, c])
    assert ids("?page_size=2") == (3, [a, b])
    assert ids("?page_size=2&page=2") == (3, [c])
    first = client.get(_list_url(image) + "?page_size=2").json()
    assert first["next"] is not None and first["previous"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?kind=circle", "kind"),
        ("?source=guess", "source"),
        ("?review_state=maybe", "review_state"),
        ("?label_class=abc", "label_class"),
        ("?lable_class=1", "lable_class"),
        ("?page_size=0", "page_size"),
        ("?geo=perhaps", "geo"),
    ],
)
def test_list_refuses_bad_filters(client, ann, image, query, field):
    _error(client.get(_list_url(image) + query), 400, "invalid", [field])


def test_list_rows_equal_the_serializers_output(client, annotator, member, image, label_class):
    from api.serializers.annotations import AnnotationSerializer
    from events.services.annotations import annotation_review

    point = {"type": "Point", "coordinates": [1.5, 2.25]}
    reviewed = annotation_create(
        user=annotator, image=image, label_class=label_class, kind="bbox", geometry=BOX
    )
    annotation_review(
        user=member(Role.REVIEWER), annotation=reviewed, decision="accepted", version=1
    )
    annotation_create(
        user=annotator,
        image=image,
        label_class=label_class,
        kind="point",
        geometry=point,
        attributes={"depth": 2},
        source="predicted",
        confidence=0.75,
        difficulty=4,
    )
    listed = client.get(_list_url(image)).json()["results"]
    expected = AnnotationSerializer(image.annotations.order_by("id"), many=True).data
    assert listed == json.loads(json.dumps(expected))
    assert [list(row) for row in listed] == [list(row) for row in expected]  # key order too


def test_list_without_geo_leaves_out_only_the_geographic_twin(client, ann, image):
    full = client.get(_list_url(image)).json()["results"]
    lean = client.get(_list_url(image) + "?geo=false").json()["results"]
    assert full[0]["geo_geometry"]["type"] == "Polygon"  # the image is georeferenced
    assert "geo_geometry" not in lean[0]
    assert lean[0] == {k: v for k, v in full[0].items() if k != "geo_geometry"}


def test_list_page_past_the_end_is_404(client, ann, image):
    _error(client.get(_list_url(image) + "?page=5"), 404, "not_found")


# --- update ------------------------------------------------------------------------------


def test_patch_with_version_updates_and_bumps(client, annotator, ann):
    moved = box_geometry(50, 40, 90, 70)

    response = client.patch(_url(ann), {"version": 1, "geometry": moved}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == 2
    assert body["geometry"] == moved
    assert body["attributes"] == {}
    _assert_geo_box(body["geo_geometry"], moved)
    row = Annotation.objects.get(pk=ann.pk)
    assert (row.version, row.geometry) == (2, moved)


def test_patch_only_changes_the_fields_sent(client, ann):
    annotation_update(
        user=ann.author, annotation=ann, version=1, attributes={"keep": 1}, confidence=0.3
    )
    response = client.patch(_url(ann), {"version": 2, "difficulty": 4}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["difficulty"], body["confidence"], body["attributes"]) == (4, 0.3, {"keep": 1})
    assert body["geometry"] == BOX


def test_put_replaces_the_content(client, ann, image):
    annotation_update(
        user=ann.author, annotation=ann, version=1, attributes={"old": 1}, confidence=0.3
    )
    other = LabelClassFactory(event=image.event)
    moved = box_geometry(0, 0, 100, 80)

    response = client.put(
        _url(ann), {"version": 2, "label_class": other.pk, "geometry": moved}, format="json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == 3
    assert body["label_class"] == other.pk
    assert body["geometry"] == moved
    # Left out of a PUT: back to empty.
    assert (body["attributes"], body["confidence"], body["difficulty"]) == ({}, None, None)


@pytest.mark.parametrize("method", ["put", "patch"])
def test_update_without_version_is_refused(client, ann, method):
    before = _state()
    payload = {"label_class": ann.label_class_id, "geometry": box_geometry(0, 0, 5, 5)}
    response = getattr(client, method)(_url(ann), payload, format="json")
    body = _error(response, 400, "invalid", ["version"])
    assert "version" in body["detail"]
    assert _state() == before


@pytest.mark.parametrize("method", ["put", "patch"])
def test_stale_version_answers_409_with_the_current_version(client, ann, method):
    annotation_update(user=ann.author, annotation=ann, version=1, attributes={"first": 1})
    before = _state()
    attempt = box_geometry(0, 0, 5, 5)

    response = getattr(client, method)(
        _url(ann),
        {"version": 1, "label_class": ann.label_class_id, "geometry": attempt},
        format="json",
    )

    body = _error(response, 409, "stale_version", [])
    assert body["current_version"] == 2
    assert body["current"]["attributes"] == {"first": 1}
    assert body["current"]["geometry"] == BOX
    assert "version 2" in body["detail"]
    # The row is untouched; the only write is the conflict entry in the history.
    count, changes, rows = _state()
    assert (count, rows) == (before[0], before[2])
    assert changes == before[1] + 1
    conflict = AnnotationChange.objects.latest("id")
    assert conflict.action == "conflict"
    assert conflict.after["geometry"] == attempt


# --- bad input: a clear 4xx naming the problem, nothing written ----------------------------

BAD_CREATE = [
    (
        "unclosed ring",
        {
            "kind": "polygon",
            "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [9, 0], [9, 9], [0, 9]]]},
        },
        "invalid_geometry",
        ["geometry"],
        "closed",
    ),
    (
        "self-intersection",
        {"kind": "polygon", "geometry": BOWTIE},
        "invalid_geometry",
        ["geometry"],
        "repair=true",
    ),
    (
        "out of bounds",
        {"kind": "bbox", "geometry": box_geometry(90, 70, 101, 80)},
        "invalid_geometry",
        ["geometry"],
        "outside the image",
    ),
    (
        "NaN as a string",
        {"kind": "point", "geometry": {"type": "Point", "coordinates": ["NaN", 1]}},
        "invalid_geometry",
        ["geometry"],
        "not a number",
    ),
    (
        "wrong type for kind",
        {"kind": "bbox", "geometry": {"type": "Point", "coordinates": [1, 1]}},
        "invalid_geometry",
        ["geometry"],
        "not allowed",
    ),
    (
        "geometry not an object",
        {"kind": "bbox", "geometry": [1, 2]},
        "invalid",
        ["geometry"],
        "GeoJSON",
    ),
    ("unknown kind", {"kind": "circle", "geometry": BOX}, "invalid", ["kind"], "circle"),
    (
        "unknown field",
        {"kind": "bbox", "geometry": BOX, "lable_class": 1},
        "invalid",
        ["lable_class"],
        "lable_class",
    ),
    (
        "read-only field",
        {"kind": "bbox", "geometry": BOX, "version": 5},
        "invalid",
        ["version"],
        "Unknown field",
    ),
    (
        "confidence out of range",
        {"kind": "bbox", "geometry": BOX, "confidence": 2},
        "invalid",
        ["confidence"],
        "confidence",
    ),
    (
        "difficulty out of range",
        {"kind": "bbox", "geometry": BOX, "difficulty": 9},
        "invalid",
        ["difficulty"],
        "difficulty",
    ),
    (
        "mask of the wrong size",
        {"kind": "mask", "mask": {"size": [8, 10], "counts": [80]}},
        "invalid_geometry",
        ["mask"],
        "does not match",
    ),
    (
        "mask on a box",
        {"kind": "bbox", "geometry": BOX, "mask": {"size": [80, 100], "counts": [8000]}},
        "invalid_geometry",
        ["geometry"],
        "mask",
    ),
]


@pytest.mark.parametrize(
    ("payload", "code", "fields", "message"),
    [c[1:] for c in BAD_CREATE],
    ids=[c[0] for c in BAD_CREATE],
)
def test_bad_create_is_refused_and_writes_nothing(
    client, ann, image, label_class, payload, code, fields, message
):
    before = _state()
    body = _error(
        client.post(_list_url(image), {"label_class": label_class.pk, **payload}, format="json"),
        400,
        code,
        fields,
    )
    assert message in body["detail"] or any(message in m for m in body["fields"][fields[0]])
    assert _state() == before


def test_missing_label_class_is_named(client, image):
    _error(
        client.post(_list_url(image), {"kind": "bbox", "geometry": BOX}, format="json"),
        400,
        "invalid",
        ["label_class"],
    )
    assert _state()[:2] == (0, 0)


def test_self_intersection_is_repaired_when_asked(client, image, label_class):
    response = client.post(
        _list_url(image),
        {"label_class": label_class.pk, "kind": "polygon", "geometry": BOWTIE, "repair": True},
        format="json",
    )
    assert response.status_code == 201, response.content
    geometry = shapely.geometry.shape(response.json()["geometry"])
    assert geometry.is_valid and geometry.area == pytest.approx(50)


@pytest.mark.parametrize("where", ["other event", "other team", "tag class"])
def test_label_class_from_elsewhere_is_refused(client, image, where):
    if where == "other event":
        foreign = LabelClassFactory(event=EventFactory(team=image.event.team))
    elif where == "other team":
        foreign = LabelClassFactory()
    else:
        foreign = LabelClassFactory(event=image.event, kind="tag")
    before = _state()
    body = _error(
        client.post(
            _list_url(image),
            {"label_class": foreign.pk, "kind": "bbox", "geometry": BOX},
            format="json",
        ),
        400,
        "invalid",
        ["label_class"],
    )
    assert str(foreign.pk) in body["detail"] or "object class" in body["detail"]
    assert _state() == before


def test_patch_to_another_teams_label_class_is_refused(client, ann):
    before = _state()
    _error(
        client.patch(
            _url(ann), {"version": 1, "label_class": LabelClassFactory().pk}, format="json"
        ),
        400,
        "invalid",
        ["label_class"],
    )
    assert _state() == before


@pytest.mark.parametrize(
    ("payload", "code", "fields"),
    [
        ({"version": 1, "geometry": BOWTIE}, "invalid_geometry", ["geometry"]),
        ({"version": 1, "geometry": box_geometry(-1, 0, 5, 5)}, "invalid_geometry", ["geometry"]),
        ({"version": 1, "lable_class": 3}, "invalid", ["lable_class"]),
        ({"version": 1, "kind": "point"}, "invalid", ["kind"]),
        ({"version": 0, "attributes": {}}, "invalid", ["version"]),
        ({"version": "one", "attributes": {}}, "invalid", ["version"]),
        ({"version": 1, "attributes": [1]}, "invalid", ["attributes"]),
    ],
)
def test_bad_patch_is_refused_and_writes_nothing(client, ann, payload, code, fields):
    before = _state()
    _error(client.patch(_url(ann), payload, format="json"), 400, code, fields)
    assert _state() == before


def test_put_without_geometry_is_refused(client, ann):
    before = _state()
    _error(
        client.put(_url(ann), {"version": 1, "label_class": ann.label_class_id}, format="json"),
        400,
        "invalid",
        ["geometry"],
    )
    assert _state() == before


def test_body_that_is_not_json_is_refused(client, image):
    response = client.post(_list_url(image), "{not json", content_type="application/json")
    _error(response, 400, "parse_error")
    assert _state()[:2] == (0, 0)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2_000)
def test_oversized_payload_answers_413_and_writes_nothing(client, ann, image, label_class):
    big = {
        "label_class": label_class.pk,
        "kind": "bbox",
        "geometry": BOX,
        "attributes": {"n": "x" * 3_000},
    }
    raw = json.dumps(big)
    assert len(raw) > 2_000
    before = _state()

    response = client.post(_list_url(image), raw, content_type="application/json")

    body = _error(response, 413, "payload_too_large")
    assert "too large" in body["detail"]
    assert _state() == before
    # The same through PATCH and review, and a body under the limit still goes through.
    patch = json.dumps({"version": 1, "attributes": {"n": "x" * 3_000}})
    _error(
        client.patch(_url(ann), patch, content_type="application/json"), 413, "payload_too_large"
    )
    assert _state() == before
    small = json.dumps({"label_class": label_class.pk, "kind": "bbox", "geometry": BOX})
    assert client.post(_list_url(image), small, content_type="application/json").status_code == 201


@override_settings(LABELER_MAX_VERTICES=10)
def test_too_many_vertices_is_refused(client, image, label_class):
    ring = [[10 + 5 * np.cos(t), 10 + 5 * np.sin(t)] for t in np.linspace(0, 2 * np.pi, 12)[:-1]]
    polygon = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    before = _state()
    body = _error(
        client.post(
            _list_url(image),
            {"label_class": label_class.pk, "kind": "polygon", "geometry": polygon},
            format="json",
        ),
        400,
        "invalid_geometry",
        ["geometry"],
    )
    assert "more than 10 vertices" in body["detail"]
    assert _state() == before


# --- delete ------------------------------------------------------------------------------


def test_delete_with_current_version(client, ann):
    response = client.delete(_url(ann) + "?version=1")
    assert response.status_code == 204
    assert not Annotation.objects.filter(pk=ann.pk).exists()
    assert list(AnnotationChange.objects.values_list("action", flat=True).order_by("id")) == [
        "create",
        "delete",
    ]
    _error(client.get(_url(ann)), 404, "not_found")


def test_delete_without_version(client, ann):
    assert client.delete(_url(ann)).status_code == 204
    assert Annotation.objects.count() == 0


def test_delete_with_stale_version_answers_409_and_keeps_the_row(client, ann):
    annotation_update(user=ann.author, annotation=ann, version=1, attributes={"a": 1})
    body = _error(client.delete(_url(ann) + "?version=1"), 409, "stale_version")
    assert body["current_version"] == 2
    assert Annotation.objects.filter(pk=ann.pk, version=2).exists()


def test_delete_with_a_bad_version_is_400(client, ann):
    before = _state()
    _error(client.delete(_url(ann) + "?version=abc"), 400, "invalid", ["version"])
    assert _state() == before


# --- history and review ------------------------------------------------------------------


def test_history_lists_every_change_with_who_and_before_after(client, annotator, member, ann):
    reviewer = member(Role.REVIEWER)
    client.patch(_url(ann), {"version": 1, "attributes": {"a": 1}}, format="json")
    client.patch(_url(ann), {"version": 1, "attributes": {"late": 1}}, format="json")  # 409
    api_reviewer = APIClient()
    api_reviewer.force_authenticate(reviewer)
    api_reviewer.post(_url(ann, "review/"), {"decision": "rejected", "version": 2}, format="json")

    response = client.get(_url(ann, "history/"))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    entries = body["results"]
    assert [(e["action"], e["user"], e["version"]) for e in entries] == [
        ("create", annotator.username, 1),
        ("update", annotator.username, 2),
        ("conflict", annotator.username, 2),
        ("review", reviewer.username, 3),
    ]
    assert all(e["annotation"] == ann.pk and e["at"] for e in entries)
    assert entries[0]["before"] is None
    assert entries[1]["before"]["attributes"] == {} and entries[1]["after"]["attributes"] == {
        "a": 1
    }
    assert entries[2]["after"]["attributes"] == {"late": 1}
    assert entries[3]["before"]["review_state"] == "pending"
    assert entries[3]["after"]["review_state"] == "rejected"


def test_reviewer_reviews(api, member, ann):
    reviewer = member(Role.REVIEWER)
    response = api(reviewer).post(
        _url(ann, "review/"), {"decision": "accepted", "version": 1}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["review_state"], body["reviewed_by"], body["version"]) == (
        "accepted",
        reviewer.username,
        2,
    )
    assert body["reviewed_at"] is not None


@pytest.mark.parametrize(
    ("payload", "status", "code", "fields"),
    [
        ({"decision": "accepted", "version": 7}, 409, "stale_version", []),
        ({"decision": "maybe", "version": 1}, 400, "invalid", ["decision"]),
        ({"decision": "accepted"}, 400, "invalid", ["version"]),
        ({"decision": "accepted", "version": 1, "comment": "x"}, 400, "invalid", ["comment"]),
    ],
)
def test_bad_review_is_refused(api, member, ann, payload, status, code, fields):
    before = Annotation.objects.get(pk=ann.pk)
    _error(
        api(member(Role.REVIEWER)).post(_url(ann, "review/"), payload, format="json"),
        status,
        code,
        fields,
    )
    after = Annotation.objects.get(pk=ann.pk)
    assert (after.version, after.review_state) == (before.version, before.review_state)
    assert not AnnotationChange.objects.filter(action="review").exists()


# --- who may do what ---------------------------------------------------------------------


def test_annotator_cannot_review(client, ann):
    before = _state()
    body = _error(
        client.post(_url(ann, "review/"), {"decision": "accepted", "version": 1}, format="json"),
        403,
        "permission_denied",
    )
    assert "reviewer" in body["detail"]
    assert _state() == before


def test_viewer_reads_but_cannot_write(api, member, ann, image, label_class):
    viewer = api(member(Role.VIEWER))
    before = _state()
    assert viewer.get(_list_url(image)).json()["count"] == 1
    assert viewer.get(_url(ann)).status_code == 200
    assert viewer.get(_url(ann, "history/")).status_code == 200
    writes = [
        viewer.post(
            _list_url(image),
            {"label_class": label_class.pk, "kind": "bbox", "geometry": BOX},
            format="json",
        ),
        viewer.patch(_url(ann), {"version": 1, "attributes": {"x": 1}}, format="json"),
        viewer.put(
            _url(ann), {"version": 1, "label_class": label_class.pk, "geometry": BOX}, format="json"
        ),
        viewer.delete(_url(ann) + "?version=1"),
        viewer.post(_url(ann, "review/"), {"decision": "accepted", "version": 1}, format="json"),
    ]
    for response in writes:
        _error(response, 403, "permission_denied")
    assert _state() == before


def test_other_teams_get_404_on_every_route(api, member, ann, image, label_class):
    outsider = api(member(Role.OWNER, in_team=EventFactory().team))
    before = _state()
    responses = [
        outsider.get(_list_url(image)),
        outsider.post(
            _list_url(image),
            {"label_class": label_class.pk, "kind": "bbox", "geometry": BOX},
            format="json",
        ),
        outsider.get(_url(ann)),
        outsider.patch(_url(ann), {"version": 1, "attributes": {}}, format="json"),
        outsider.put(
            _url(ann), {"version": 1, "label_class": label_class.pk, "geometry": BOX}, format="json"
        ),
        outsider.delete(_url(ann)),
        outsider.get(_url(ann, "history/")),
        outsider.post(_url(ann, "review/"), {"decision": "accepted", "version": 1}, format="json"),
    ]
    for response in responses:
        body = _error(response, 404, "not_found")
        assert str(ann.pk) not in body["detail"] and image.name not in body["detail"]
    # Indistinguishable from an annotation that does not exist.
    assert outsider.get(_url(10**9)).json() == outsider.get(_url(ann)).json()
    assert _state() == before


def test_anonymous_is_refused_everywhere(api, ann, image):
    anonymous = api()
    for response in (
        anonymous.get(_list_url(image)),
        anonymous.get(_url(ann)),
        anonymous.patch(_url(ann), {"version": 1, "attributes": {}}, format="json"),
        anonymous.delete(_url(ann)),
        anonymous.get(_url(ann, "history/")),
    ):
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"
    assert Annotation.objects.get(pk=ann.pk).version == 1


# --- authentication: token for scripts, session + CSRF for the browser ----------------------


def test_token_auth_creates_and_a_wrong_token_does_not(annotator, image, label_class):
    token = Token.objects.create(user=annotator)
    script = APIClient()
    payload = {"label_class": label_class.pk, "kind": "bbox", "geometry": BOX}

    response = script.post(
        _list_url(image), payload, format="json", HTTP_AUTHORIZATION=f"Token {token.key}"
    )

    assert response.status_code == 201, response.content
    assert response.json()["author"] == annotator.username
    bad = script.post(
        _list_url(image), payload, format="json", HTTP_AUTHORIZATION="Token " + "0" * 40
    )
    assert bad.status_code == 401
    assert bad.json()["code"] == "authentication_failed"
    assert Annotation.objects.count() == 1


def test_session_auth_needs_the_csrf_token(annotator, image, label_class):
    browser = APIClient(enforce_csrf_checks=True)
    assert browser.login(username=annotator.username, password=PASSWORD)
    payload = {"label_class": label_class.pk, "kind": "bbox", "geometry": BOX}

    refused = browser.post(_list_url(image), payload, format="json")

    body = _error(refused, 403, "permission_denied")
    assert "CSRF" in body["detail"]
    assert Annotation.objects.count() == 0
    # Reads need no token.
    assert browser.get(_list_url(image)).status_code == 200

    secret = secrets.token_hex(16)  # 32 characters, as Django's cookie
    browser.cookies["csrftoken"] = secret
    accepted = browser.post(_list_url(image), payload, format="json", HTTP_X_CSRFTOKEN=secret)
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["author"] == annotator.username
    # A token that does not match the cookie is refused again.
    wrong = browser.post(
        _list_url(image), payload, format="json", HTTP_X_CSRFTOKEN=secrets.token_hex(16)
    )
    _error(wrong, 403, "permission_denied")
    assert Annotation.objects.count() == 1


def test_a_user_of_another_team_with_a_token_sees_nothing(image, ann):
    stranger = UserFactory()
    token = Token.objects.create(user=stranger)
    script = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    _error(script.get(_list_url(image)), 404, "not_found")
    _error(script.get(_url(ann)), 404, "not_found")
