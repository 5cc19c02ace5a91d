"""Annotation services and selectors without HTTP: geometry, versions, history, permissions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import rasterio.warp
import shapely
from django.test import override_settings
from shapely.geometry import shape

from events import selectors
from events.errors import Forbidden, GeometryError, InvalidInput, NotFound, StaleVersion
from events.geometry import box_geometry, mask_outline, rle_decode, rle_encode
from events.models import Annotation, AnnotationChange, LabelClass, Role
from events.services.annotations import (
    annotation_create,
    annotation_delete,
    annotation_review,
    annotation_snapshot,
    annotation_update,
)
from tests.factories import (
    UTM_TRANSFORM,
    EventFactory,
    ImageFactory,
    LabelClassFactory,
    PixelImageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BOX = box_geometry(10, 10, 40, 30)
TRIANGLE = {"type": "Polygon", "coordinates": [[[50, 5], [90, 5], [70, 60], [50, 5]]]}


def _independent_wgs84(pixel_coords: list[list[float]]) -> np.ndarray:
    """Pixel -> EPSG:4326 by hand: the affine of UTM_TRANSFORM, then GDAL's warp."""
    a, b, c, d, e, f = UTM_TRANSFORM
    xs = [a * x + b * y + c for x, y in pixel_coords]
    ys = [d * x + e * y + f for x, y in pixel_coords]
    lons, lats = rasterio.warp.transform("EPSG:32618", "EPSG:4326", xs, ys)
    return np.column_stack([lons, lats])


def _assert_geo_matches(annotation: Annotation, pixel_coords: list[list[float]]) -> None:
    """Every pixel vertex has its independently transformed twin in geo_geometry."""
    assert annotation.geo_geometry is not None
    assert annotation.geo_geometry.srid == 4326
    geo = shapely.from_wkb(bytes(annotation.geo_geometry.wkb))
    got = shapely.get_coordinates(geo)
    expected = _independent_wgs84(pixel_coords)
    assert len(got) == len(expected)
    for lon_lat in expected:
        assert np.min(np.hypot(*(got - lon_lat).T)) < 1e-9


def _counts() -> tuple[int, int]:
    return Annotation.objects.count(), AnnotationChange.objects.count()


@pytest.fixture
def annotator(member):
    return member(Role.ANNOTATOR)


@pytest.fixture
def ann(annotator, image, label_class) -> Annotation:
    return annotation_create(
        user=annotator, image=image, label_class=label_class, kind="bbox", geometry=BOX
    )


# --- create ------------------------------------------------------------------------------


def test_create_on_a_georeferenced_image_derives_geo_geometry(annotator, image, label_class):
    annotation = annotation_create(
        user=annotator,
        image=image,
        label_class=label_class.pk,
        kind="polygon",
        geometry=TRIANGLE,
        attributes={"note": "levee breach"},
        confidence=0.75,
        difficulty=3,
    )

    annotation.refresh_from_db()
    assert annotation.geometry == TRIANGLE
    assert annotation.version == 1
    assert annotation.author == annotator
    assert annotation.label_class == label_class
    assert annotation.source == Annotation.Source.MANUAL
    assert annotation.review_state == Annotation.ReviewState.PENDING
    assert annotation.attributes == {"note": "levee breach"}
    assert annotation.geo_geometry.geom_type == "Polygon"
    _assert_geo_matches(annotation, TRIANGLE["coordinates"][0])
    # The shape lies inside the image footprint, which was computed independently.
    assert image.footprint.contains(annotation.geo_geometry)


@pytest.mark.parametrize(
    ("kind", "geometry", "geo_type"),
    [
        ("point", {"type": "Point", "coordinates": [25.5, 40.25]}, "Point"),
        ("polyline", {"type": "LineString", "coordinates": [[0, 0], [100, 80]]}, "LineString"),
        ("bbox", BOX, "Polygon"),
    ],
)
def test_every_kind_gets_its_geographic_twin(
    annotator, image, label_class, kind, geometry, geo_type
):
    annotation = annotation_create(
        user=annotator, image=image, label_class=label_class, kind=kind, geometry=geometry
    )
    annotation.refresh_from_db()
    assert annotation.geo_geometry.geom_type == geo_type
    coords = shapely.get_coordinates(shape(geometry)).tolist()
    _assert_geo_matches(annotation, coords)


def test_pixel_only_images_have_no_geo_geometry(annotator, event, label_class):
    image = PixelImageFactory(event=event)
    annotation = annotation_create(
        user=annotator, image=image, label_class=label_class, kind="bbox", geometry=BOX
    )
    annotation.refresh_from_db()
    assert annotation.geo_geometry is None
    assert annotation.geometry == BOX


def test_create_records_history_with_user_and_after(annotator, ann):
    (entry,) = selectors.annotation_history(annotation=ann)
    assert entry.action == AnnotationChange.Action.CREATE
    assert entry.user == annotator
    assert entry.before is None
    assert entry.after == annotation_snapshot(ann)
    assert entry.after["geometry"] == BOX
    assert entry.version == 1
    assert entry.annotation_ref == ann.pk
    assert entry.at is not None


def test_bbox_is_stored_normalised(annotator, image, label_class):
    reversed_ring = {"type": "Polygon", "coordinates": [BOX["coordinates"][0][::-1]]}
    annotation = annotation_create(
        user=annotator, image=image, label_class=label_class, kind="bbox", geometry=reversed_ring
    )
    assert annotation.geometry == BOX


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"geometry": {"type": "Point", "coordinates": [101, 5]}}, "geometry", "outside"),
        (
            {
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[0, 0], [10, 10], [10, 0], [0, 10]]],
                }
            },
            "geometry",
            "closed",
        ),
        ({"geometry": None}, "geometry", "needs a geometry"),
        ({"geometry": BOX, "mask": {"size": [80, 100], "counts": [8000]}}, "geometry", "mask"),
        ({"geometry": BOX, "confidence": 1.5}, "confidence", "0 to 1"),
        ({"geometry": BOX, "difficulty": 0}, "difficulty", "1 (easy) to 5"),
        ({"geometry": BOX, "kind": "circle"}, "kind", "Unknown kind"),
        ({"geometry": BOX, "source": "guessed"}, "source", "Unknown source"),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(
    annotator, image, label_class, kwargs, field, message
):
    params: dict[str, Any] = {"kind": "point" if "Point" in str(kwargs) else "bbox", **kwargs}
    with pytest.raises(InvalidInput) as caught:
        annotation_create(user=annotator, image=image, label_class=label_class, **params)
    assert message in caught.value.detail
    assert field in caught.value.fields
    assert _counts() == (0, 0)


def test_label_class_of_another_event_is_refused(annotator, image):
    other = LabelClassFactory(event=EventFactory(team=image.event.team))
    with pytest.raises(InvalidInput) as caught:
        annotation_create(user=annotator, image=image, label_class=other, kind="bbox", geometry=BOX)
    assert caught.value.detail == (
        f"Label class {other.pk} is not a class of event {image.event_id}."
    )
    assert "label_class" in caught.value.fields
    with pytest.raises(InvalidInput):
        annotation_create(
            user=annotator, image=image, label_class=999_999, kind="bbox", geometry=BOX
        )
    assert _counts() == (0, 0)


@pytest.mark.parametrize("kind", [LabelClass.Kind.TAG, LabelClass.Kind.VALUE])
def test_non_object_classes_are_refused_for_shapes(annotator, image, kind):
    tag = LabelClassFactory(event=image.event, kind=kind)
    with pytest.raises(InvalidInput, match="object class"):
        annotation_create(user=annotator, image=image, label_class=tag, kind="bbox", geometry=BOX)
    assert _counts() == (0, 0)


@override_settings(LABELER_MAX_VERTICES=4)
def test_vertex_limit_comes_from_settings(annotator, image, label_class):
    with pytest.raises(GeometryError, match="more than 4 vertices"):
        annotation_create(
            user=annotator, image=image, label_class=label_class, kind="bbox", geometry=BOX
        )
    line = {"type": "LineString", "coordinates": [[0, 0], [1, 1], [2, 0], [3, 1]]}
    assert (
        annotation_create(
            user=annotator, image=image, label_class=label_class, kind="polyline", geometry=line
        ).geometry
        == line
    )


def test_self_intersection_is_refused_unless_repair(annotator, image, label_class):
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [10, 10], [10, 0], [0, 10], [0, 0]]]}
    with pytest.raises(GeometryError, match="Self-intersection") as caught:
        annotation_create(
            user=annotator, image=image, label_class=label_class, kind="polygon", geometry=bowtie
        )
    assert "geometry" in caught.value.fields
    assert _counts() == (0, 0)

    annotation = annotation_create(
        user=annotator,
        image=image,
        label_class=label_class,
        kind="polygon",
        geometry=bowtie,
        repair=True,
    )
    assert shape(annotation.geometry).is_valid
    assert shape(annotation.geometry).area == pytest.approx(50)
    assert annotation.geo_geometry.valid


# --- masks -------------------------------------------------------------------------------


def _blob_mask(height: int = 80, width: int = 100) -> np.ndarray:
    mask = np.zeros((height, width), dtype=bool)
    mask[20:40, 30:60] = True
    mask[25:30, 40:45] = False  # a hole
    mask[60:70, 5:10] = True  # a second part
    return mask


def test_mask_annotation_geometry_is_the_rle_outline(annotator, image, label_class):
    mask = _blob_mask()
    rle = rle_encode(mask)

    annotation = annotation_create(
        user=annotator, image=image, label_class=label_class, kind="mask", mask=rle
    )

    annotation.refresh_from_db()
    assert annotation.mask == rle
    assert np.array_equal(rle_decode(annotation.mask, width=100, height=80), mask)
    geom = shape(annotation.geometry)
    assert geom.equals(mask_outline(mask))
    assert geom.geom_type == "MultiPolygon"
    assert geom.area == mask.sum()
    assert annotation.geo_geometry.geom_type == "MultiPolygon"
    _assert_geo_matches(annotation, shapely.get_coordinates(geom).tolist())


def test_mask_update_recomputes_outline(annotator, image, label_class):
    annotation = annotation_create(
        user=annotator,
        image=image,
        label_class=label_class,
        kind="mask",
        mask=rle_encode(_blob_mask()),
    )
    small = np.zeros((80, 100), dtype=bool)
    small[0:2, 0:3] = True

    updated = annotation_update(
        user=annotator, annotation=annotation, version=1, mask=rle_encode(small)
    )

    assert shape(updated.geometry).equals(shapely.box(0, 0, 3, 2))
    assert updated.version == 2


@pytest.mark.parametrize(
    ("mask", "message"),
    [
        (None, "needs 'mask'"),
        ({"size": [10, 10], "counts": [100]}, "does not match the image"),
        ({"size": [80, 100], "counts": [100, 10]}, "add up to 110"),
        ({"size": [80, 100], "counts": [8000]}, "empty"),
    ],
)
def test_bad_masks_are_refused_on_the_mask_field(annotator, image, label_class, mask, message):
    with pytest.raises(GeometryError) as caught:
        annotation_create(
            user=annotator, image=image, label_class=label_class, kind="mask", mask=mask
        )
    assert message in caught.value.detail
    assert list(caught.value.fields) == ["mask"]
    assert _counts() == (0, 0)


# --- update ------------------------------------------------------------------------------


def test_update_bumps_version_and_records_before_after(annotator, ann, image):
    editor = UserFactory()
    image.event.team.memberships.create(user=editor, role=Role.REVIEWER)
    moved = box_geometry(50, 40, 90, 70)

    updated = annotation_update(
        user=editor, annotation=ann, version=1, geometry=moved, attributes={"x": 1}
    )

    assert updated.version == 2
    assert updated.geometry == moved
    assert updated.attributes == {"x": 1}
    assert updated.author == annotator  # the author stays the creator
    _assert_geo_matches(updated, moved["coordinates"][0])
    row = Annotation.objects.get(pk=ann.pk)
    assert row.version == 2
    assert row.geometry == moved
    create, update = selectors.annotation_history(annotation=ann)
    assert create.action == "create"
    assert update.action == AnnotationChange.Action.UPDATE
    assert update.user == editor
    assert update.version == 2
    assert update.before["geometry"] == BOX
    assert update.before["version"] == 1
    assert update.after["geometry"] == moved
    assert update.after["attributes"] == {"x": 1}
    assert update.after["version"] == 2


def test_update_of_label_class_keeps_the_shape(annotator, ann, image):
    other = LabelClassFactory(event=image.event)
    before_geo = Annotation.objects.get(pk=ann.pk).geo_geometry

    updated = annotation_update(user=annotator, annotation=ann, version=1, label_class=other.pk)

    assert updated.label_class == other
    assert updated.geometry == BOX
    assert updated.geo_geometry.equals_exact(before_geo, 0)


def test_versions_keep_growing(annotator, ann):
    for version in range(1, 6):
        ann = annotation_update(
            user=annotator, annotation=ann, version=version, attributes={"n": version}
        )
        assert ann.version == version + 1
    assert [c.version for c in selectors.annotation_history(annotation=ann)] == [1, 2, 3, 4, 5, 6]


def test_stale_update_raises_records_conflict_and_changes_nothing(annotator, ann):
    annotation_update(user=annotator, annotation=ann, version=1, attributes={"first": True})
    late = UserFactory()
    ann.image.event.team.memberships.create(user=late, role=Role.ANNOTATOR)
    attempt = box_geometry(0, 0, 5, 5)

    with pytest.raises(StaleVersion) as caught:
        annotation_update(user=late, annotation=ann, version=1, geometry=attempt)

    assert caught.value.current_version == 2
    assert caught.value.code == "stale_version"
    assert "current version is 2" in caught.value.detail
    assert caught.value.current["attributes"] == {"first": True}
    row = Annotation.objects.get(pk=ann.pk)
    assert row.version == 2
    assert row.geometry == BOX
    assert row.attributes == {"first": True}
    conflict = selectors.annotation_history(annotation=ann).last()
    assert conflict.action == AnnotationChange.Action.CONFLICT
    assert conflict.user == late
    assert conflict.version == 2
    assert conflict.before == {"based_on_version": 1, "action": "update"}
    assert conflict.after["geometry"] == attempt
    assert conflict.after["version"] == 1


def test_update_from_a_future_version_is_stale_too(annotator, ann):
    with pytest.raises(StaleVersion) as caught:
        annotation_update(user=annotator, annotation=ann, version=7, attributes={})
    assert caught.value.current_version == 1
    assert Annotation.objects.get(pk=ann.pk).version == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "point"}, "kind"),
        ({"image": 3}, "image"),
        ({"geometry": {"type": "Point", "coordinates": [1, 1]}}, "geometry"),
        ({"geometry": box_geometry(90, 70, 120, 90)}, "geometry"),
        ({"confidence": -0.1}, "confidence"),
        ({"difficulty": 6}, "difficulty"),
    ],
)
def test_bad_updates_are_refused_and_write_nothing(annotator, ann, changes, field):
    before = _counts()
    with pytest.raises(InvalidInput) as caught:
        annotation_update(user=annotator, annotation=ann, version=1, **changes)
    assert field in caught.value.fields
    assert _counts() == before
    row = Annotation.objects.get(pk=ann.pk)
    assert (row.version, row.geometry, row.confidence, row.difficulty) == (1, BOX, None, None)


def test_update_to_a_label_class_of_another_event_is_refused(annotator, ann):
    foreign = LabelClassFactory()  # another team's event
    before = _counts()
    with pytest.raises(InvalidInput) as caught:
        annotation_update(user=annotator, annotation=ann, version=1, label_class=foreign.pk)
    assert list(caught.value.fields) == ["label_class"]
    assert _counts() == before
    assert Annotation.objects.get(pk=ann.pk).label_class_id == ann.label_class_id


def test_update_with_repair(annotator, ann):
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [10, 10], [10, 0], [0, 10], [0, 0]]]}
    polygon = annotation_create(
        user=annotator,
        image=ann.image,
        label_class=ann.label_class,
        kind="polygon",
        geometry=TRIANGLE,
    )
    with pytest.raises(GeometryError):
        annotation_update(user=annotator, annotation=polygon, version=1, geometry=bowtie)
    updated = annotation_update(
        user=annotator, annotation=polygon, version=1, geometry=bowtie, repair=True
    )
    assert updated.version == 2
    assert shape(updated.geometry).is_valid


# --- delete ------------------------------------------------------------------------------


def test_delete_keeps_history_with_before(annotator, ann):
    annotation_update(user=annotator, annotation=ann, version=1, attributes={"a": 1})
    pk = ann.pk

    annotation_delete(user=annotator, annotation=ann, version=2)

    assert not Annotation.objects.filter(pk=pk).exists()
    entries = list(AnnotationChange.objects.filter(annotation_ref=pk).order_by("id"))
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert all(e.annotation_id is None for e in entries)
    deleted = entries[-1]
    assert deleted.user == annotator
    assert deleted.before["attributes"] == {"a": 1}
    assert deleted.before["version"] == 2
    assert deleted.after is None


def test_delete_without_version_deletes(annotator, ann):
    annotation_delete(user=annotator, annotation=ann)
    assert not Annotation.objects.filter(pk=ann.pk).exists()


def test_stale_delete_is_refused_and_keeps_the_row(annotator, ann):
    annotation_update(user=annotator, annotation=ann, version=1, attributes={"a": 1})

    with pytest.raises(StaleVersion) as caught:
        annotation_delete(user=annotator, annotation=ann, version=1)

    assert caught.value.current_version == 2
    assert Annotation.objects.filter(pk=ann.pk, version=2).exists()
    actions = [c.action for c in selectors.annotation_history(annotation=ann)]
    assert actions == ["create", "update", "conflict"]


def test_deleting_twice_answers_not_found(annotator, ann):
    annotation_delete(user=annotator, annotation=ann)
    with pytest.raises(NotFound):
        annotation_delete(user=annotator, annotation=ann)


# --- review ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.MANAGER, Role.OWNER])
def test_reviewers_and_above_review(member, ann, role):
    reviewer = member(role)

    reviewed = annotation_review(user=reviewer, annotation=ann, decision="accepted", version=1)

    assert reviewed.review_state == Annotation.ReviewState.ACCEPTED
    assert reviewed.reviewed_by == reviewer
    assert reviewed.reviewed_at is not None
    assert reviewed.version == 2
    entry = selectors.annotation_history(annotation=ann).last()
    assert entry.action == AnnotationChange.Action.REVIEW
    assert entry.user == reviewer
    assert entry.before["review_state"] == "pending"
    assert entry.after["review_state"] == "accepted"
    assert entry.version == 2


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ANNOTATOR])
def test_below_reviewer_cannot_review(member, ann, role):
    with pytest.raises(Forbidden, match="needs reviewer"):
        annotation_review(user=member(role), annotation=ann, decision="accepted", version=1)
    row = Annotation.objects.get(pk=ann.pk)
    assert (row.review_state, row.version, row.reviewed_by) == ("pending", 1, None)
    assert AnnotationChange.objects.filter(action="review").count() == 0


def test_stale_or_unknown_review_is_refused(member, ann):
    reviewer = member(Role.REVIEWER)
    with pytest.raises(InvalidInput) as caught:
        annotation_review(user=reviewer, annotation=ann, decision="maybe", version=1)
    assert "decision" in caught.value.fields
    annotation_review(user=reviewer, annotation=ann, decision="rejected", version=1)
    with pytest.raises(StaleVersion) as stale:
        annotation_review(user=reviewer, annotation=ann, decision="accepted", version=1)
    assert stale.value.current_version == 2
    assert Annotation.objects.get(pk=ann.pk).review_state == "rejected"


# --- permissions -------------------------------------------------------------------------


def test_viewer_cannot_create_update_or_delete(member, ann, image, label_class):
    viewer = member(Role.VIEWER)
    before = _counts()
    with pytest.raises(Forbidden, match="needs annotator"):
        annotation_create(
            user=viewer, image=image, label_class=label_class, kind="bbox", geometry=BOX
        )
    with pytest.raises(Forbidden):
        annotation_update(user=viewer, annotation=ann, version=1, attributes={"x": 1})
    with pytest.raises(Forbidden):
        annotation_delete(user=viewer, annotation=ann, version=1)
    assert _counts() == before
    assert Annotation.objects.get(pk=ann.pk).version == 1


def test_non_members_get_not_found_for_everything(member, ann, image, label_class):
    outsider = UserFactory()
    other_team_owner = member(Role.OWNER, in_team=EventFactory().team)
    before = _counts()
    for user in (outsider, other_team_owner):
        with pytest.raises(NotFound):
            annotation_create(
                user=user, image=image, label_class=label_class, kind="bbox", geometry=BOX
            )
        with pytest.raises(NotFound):
            annotation_update(user=user, annotation=ann, version=1, attributes={})
        with pytest.raises(NotFound):
            annotation_delete(user=user, annotation=ann)
        with pytest.raises(NotFound):
            annotation_review(user=user, annotation=ann, decision="accepted", version=1)
        with pytest.raises(NotFound):
            selectors.annotation_get(user=user, annotation_id=ann.pk)
        with pytest.raises(NotFound):
            selectors.image_get(user=user, image_id=image.pk)
    assert _counts() == before


# --- selectors ---------------------------------------------------------------------------


def test_selectors_show_members_their_annotations(member, ann, image, label_class):
    viewer = member(Role.VIEWER)
    other_image = ImageFactory(event=image.event)
    annotation_create(
        user=member(Role.ANNOTATOR),
        image=other_image,
        label_class=label_class,
        kind="point",
        geometry={"type": "Point", "coordinates": [1, 1]},
    )
    second = annotation_create(
        user=member(Role.ANNOTATOR),
        image=image,
        label_class=label_class,
        kind="point",
        geometry={"type": "Point", "coordinates": [2, 2]},
    )

    assert selectors.annotation_get(user=viewer, annotation_id=ann.pk) == ann
    assert list(selectors.annotation_list(image=image)) == [ann, second]
    with pytest.raises(NotFound):
        selectors.annotation_get(user=viewer, annotation_id="not-a-number")
    with pytest.raises(NotFound):
        selectors.annotation_get(user=viewer, annotation_id=10**9)
