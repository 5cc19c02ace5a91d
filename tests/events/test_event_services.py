"""Event, label class and image tag services (events/services/events.py, images.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import MultiPolygon

from events.errors import Forbidden, GeometryError, InvalidInput, NotFound
from events.models import Event, ImageTag, LabelClass, Role
from events.services.events import (
    event_create,
    event_delete,
    event_update,
    label_class_create,
    label_class_delete,
    label_class_update,
)
from events.services.images import image_tag_set
from tests.factories import (
    AnnotationFactory,
    EventFactory,
    ImageFactory,
    LabelClassFactory,
    MapShapeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

UTC = dt.UTC
SQUARE = {"type": "Polygon", "coordinates": [[[10, 40], [11, 40], [11, 41], [10, 41], [10, 40]]]}
# A bowtie: the ring crosses itself between (0, 0)-(2, 2) and (2, 0)-(0, 2).
BOWTIE = {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}


@pytest.fixture
def manager(member):
    return member(Role.MANAGER)


# --- events ------------------------------------------------------------------------------


def test_event_create_records_fields_and_author(team, manager):
    starts, ends = dt.datetime(2024, 5, 1, tzinfo=UTC), dt.datetime(2024, 5, 9, tzinfo=UTC)

    event = event_create(
        user=manager,
        team=team,
        name="Rhine Flood 2024",
        phenomenon="flood",
        starts_at=starts,
        ends_at=ends,
        settings={"default_layer": "MODIS_Terra"},
    )

    event.refresh_from_db()
    assert (event.team, event.name, event.slug, event.phenomenon) == (
        team,
        "Rhine Flood 2024",
        "rhine-flood-2024",
        "flood",
    )
    assert (event.starts_at, event.ends_at) == (starts, ends)
    assert event.settings == {"default_layer": "MODIS_Terra"}
    assert event.created_by == manager
    assert event.area_of_interest is None


def test_event_slugs_are_unique_within_a_team_only(team, manager, member):
    first = event_create(user=manager, team=team, name="Dust")
    second = event_create(user=manager, team=team, name="Dust")
    other_team = EventFactory().team
    other_owner = member(Role.OWNER, in_team=other_team)
    elsewhere = event_create(user=other_owner, team=other_team, name="Dust")

    assert (first.slug, second.slug, elsewhere.slug) == ("dust", "dust-2", "dust")


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.ANNOTATOR, Role.VIEWER])
def test_event_create_needs_a_manager(team, member, role):
    with pytest.raises(Forbidden):
        event_create(user=member(role), team=team, name="Nope")
    assert not Event.objects.filter(name="Nope").exists()


def test_event_create_by_a_stranger_is_not_found(team):
    with pytest.raises(NotFound):
        event_create(user=UserFactory(), team=team, name="Nope")
    assert not Event.objects.filter(name="Nope").exists()


def test_event_create_refuses_an_end_before_the_start(team, manager):
    with pytest.raises(InvalidInput) as caught:
        event_create(
            user=manager,
            team=team,
            name="Backwards",
            starts_at=dt.datetime(2024, 5, 9, tzinfo=UTC),
            ends_at=dt.datetime(2024, 5, 1, tzinfo=UTC),
        )
    assert caught.value.fields == {"ends_at": ["Must be after starts_at."]}
    assert not Event.objects.filter(name="Backwards").exists()


def test_event_area_of_interest_polygon_is_stored_as_a_multipolygon(team, manager):
    event = event_create(user=manager, team=team, name="AOI", area_of_interest=SQUARE)

    event.refresh_from_db()
    aoi = event.area_of_interest
    assert isinstance(aoi, MultiPolygon)
    assert aoi.srid == 4326
    assert len(aoi) == 1
    assert aoi.extent == (10.0, 40.0, 11.0, 41.0)
    assert aoi.area == pytest.approx(1.0)


def test_event_area_of_interest_multipolygon_keeps_every_part(team, manager):
    other = [[[20, 40], [21, 40], [21, 41], [20, 41], [20, 40]]]
    multi = {"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"], other]}

    event = event_create(user=manager, team=team, name="Two parts", area_of_interest=multi)

    event.refresh_from_db()
    assert len(event.area_of_interest) == 2
    assert event.area_of_interest.extent == (10.0, 40.0, 21.0, 41.0)


@pytest.mark.parametrize(
    "aoi",
    [
        BOWTIE,
        {"type": "Point", "coordinates": [10, 40]},
        {"type": "Polygon", "coordinates": [[[10, 40], [11, 40], [10, 40]]]},
        {"type": "Polygon", "coordinates": [[[10, 40], [11, 40], [11, 41], [10, 41]]]},
        {"type": "Polygon", "coordinates": [[[10, 40], [200, 40], [200, 41], [10, 41], [10, 40]]]},
        {"type": "Polygon", "coordinates": [[[10, 95], [11, 95], [11, 96], [10, 96], [10, 95]]]},
        {"type": "Polygon", "coordinates": [[[10, 40], [11, 40], [float("nan"), 41], [10, 40]]]},
        {"type": "Polygon"},
        {"coordinates": []},
    ],
    ids=[
        "bowtie",
        "point",
        "too-few",
        "unclosed",
        "lon-200",
        "lat-95",
        "nan",
        "no-coords",
        "no-type",
    ],
)
def test_event_create_refuses_an_invalid_area_of_interest(team, manager, aoi):
    with pytest.raises(GeometryError):
        event_create(user=manager, team=team, name="Bad AOI", area_of_interest=aoi)
    assert not Event.objects.filter(name="Bad AOI").exists()


def test_event_create_repairs_a_bowtie_when_asked(team, manager):
    event = event_create(
        user=manager, team=team, name="Repaired", area_of_interest=BOWTIE, repair=True
    )

    event.refresh_from_db()
    aoi = event.area_of_interest
    assert isinstance(aoi, MultiPolygon)
    assert aoi.valid
    # make_valid splits the bowtie into its two triangles, each of area 1.
    assert aoi.area == pytest.approx(2.0)
    assert aoi.extent == (0.0, 0.0, 2.0, 2.0)


def test_event_update_changes_only_given_fields(event, manager):
    event.description, event.phenomenon = "old", "flood"
    event.save()

    event_update(user=manager, event=event, name="Renamed", area_of_interest=SQUARE)

    event.refresh_from_db()
    assert (event.name, event.description, event.phenomenon) == ("Renamed", "old", "flood")
    assert event.area_of_interest.extent == (10.0, 40.0, 11.0, 41.0)

    event_update(user=manager, event=event, area_of_interest=None)
    event.refresh_from_db()
    assert event.area_of_interest is None
    assert event.name == "Renamed"


def test_event_update_checks_the_range_against_stored_times(event, manager):
    event.starts_at = dt.datetime(2024, 5, 9, tzinfo=UTC)
    event.save()

    with pytest.raises(InvalidInput) as caught:
        event_update(user=manager, event=event, ends_at=dt.datetime(2024, 5, 1, tzinfo=UTC))

    assert list(caught.value.fields) == ["ends_at"]
    event.refresh_from_db()
    assert event.ends_at is None


def test_event_update_refuses_an_invalid_area_unless_repaired(event, manager):
    with pytest.raises(GeometryError):
        event_update(user=manager, event=event, area_of_interest=BOWTIE)
    event.refresh_from_db()
    assert event.area_of_interest is None

    event_update(user=manager, event=event, area_of_interest=BOWTIE, repair=True)
    event.refresh_from_db()
    assert event.area_of_interest.valid


def test_event_update_and_delete_need_a_manager(event, member):
    annotator = member(Role.ANNOTATOR)

    with pytest.raises(Forbidden):
        event_update(user=annotator, event=event, name="Hijacked")
    with pytest.raises(Forbidden):
        event_delete(user=annotator, event=event)
    with pytest.raises(NotFound):
        event_delete(user=UserFactory(), event=event)
    event.refresh_from_db()
    assert event.name != "Hijacked"


def test_event_delete_removes_the_event_and_its_contents(event, manager):
    image = ImageFactory(event=event)
    label_class = LabelClassFactory(event=event)

    event_delete(user=manager, event=event)

    assert not Event.objects.filter(pk=event.pk).exists()
    assert not type(image).objects.filter(pk=image.pk).exists()
    assert not LabelClass.objects.filter(pk=label_class.pk).exists()


# --- label classes -----------------------------------------------------------------------


def test_label_class_create_stores_fields_and_orders_after_the_others(event, manager):
    first = label_class_create(user=manager, event=event, name="water", color="#1f77b4")
    second = label_class_create(
        user=manager, event=event, name="cloudy", kind=LabelClass.Kind.TAG, hotkey="c"
    )

    second.refresh_from_db()
    assert (first.order, second.order) == (0, 1)
    assert (second.name, second.kind, second.hotkey) == ("cloudy", "tag", "c")
    assert first.color == "#1f77b4"


def test_label_class_create_refuses_a_duplicate_name(event, manager):
    label_class_create(user=manager, event=event, name="water")

    with pytest.raises(InvalidInput) as caught:
        label_class_create(user=manager, event=event, name="water")

    assert caught.value.fields == {"name": ["Already used in this event."]}
    assert event.label_classes.count() == 1


def test_the_same_name_may_be_used_in_another_event(event, manager):
    label_class_create(user=manager, event=event, name="water")
    other = EventFactory(team=event.team)

    assert label_class_create(user=manager, event=other, name="water").event == other


def test_label_class_create_refuses_a_duplicate_hotkey_but_not_blank_ones(event, manager):
    label_class_create(user=manager, event=event, name="water", hotkey="w")
    label_class_create(user=manager, event=event, name="land")
    label_class_create(user=manager, event=event, name="cloud")  # two blank hotkeys are fine

    with pytest.raises(InvalidInput) as caught:
        label_class_create(user=manager, event=event, name="wet", hotkey="w")

    assert caught.value.fields == {"hotkey": ["Already used in this event."]}
    assert sorted(event.label_classes.values_list("name", flat=True)) == ["cloud", "land", "water"]


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"name": "x", "color": "red"}, "color"),
        ({"name": "x", "color": "#12345"}, "color"),
        ({"name": "x", "color": "#gggggg"}, "color"),
        ({"name": "x", "hotkey": "ab"}, "hotkey"),
        ({"name": "x", "kind": "region"}, "kind"),
        ({"name": "  "}, "name"),
        ({}, "name"),
    ],
)
def test_label_class_create_refuses_bad_values(event, manager, fields, bad):
    with pytest.raises(InvalidInput) as caught:
        label_class_create(user=manager, event=event, **fields)

    assert list(caught.value.fields) == [bad]
    assert not event.label_classes.exists()


def test_label_class_update_refuses_a_name_taken_by_another_class(event, manager):
    LabelClassFactory(event=event, name="water")
    land = LabelClassFactory(event=event, name="land")

    with pytest.raises(InvalidInput) as caught:
        label_class_update(user=manager, label_class=land, name="water")

    assert list(caught.value.fields) == ["name"]
    land.refresh_from_db()
    assert land.name == "land"


def test_label_class_update_changes_kind_while_unused(label_class, manager):
    updated = label_class_update(user=manager, label_class=label_class, kind="tag", color="#000000")

    label_class.refresh_from_db()
    assert (updated.kind, label_class.kind, label_class.color) == ("tag", "tag", "#000000")


def test_label_class_kind_cannot_change_once_annotations_use_it(label_class, image, manager):
    AnnotationFactory(image=image, label_class=label_class)

    with pytest.raises(InvalidInput) as caught:
        label_class_update(user=manager, label_class=label_class, kind="tag")

    assert caught.value.fields == {"kind": ["In use."]}
    label_class.refresh_from_db()
    assert label_class.kind == "object"
    # Everything else may still change, and sending the same kind is no change.
    label_class_update(user=manager, label_class=label_class, kind="object", name="flood")
    label_class.refresh_from_db()
    assert label_class.name == "flood"


def test_label_class_kind_cannot_change_once_images_are_tagged(event, image, manager):
    tag = LabelClassFactory(event=event, kind=LabelClass.Kind.TAG)
    ImageTag.objects.create(image=image, label_class=tag, state=ImageTag.State.POSITIVE)

    with pytest.raises(InvalidInput):
        label_class_update(user=manager, label_class=tag, kind="object")
    tag.refresh_from_db()
    assert tag.kind == "tag"


def test_label_class_kind_cannot_change_once_map_shapes_use_it(event, label_class, manager):
    MapShapeFactory(event=event, label_class=label_class)

    with pytest.raises(InvalidInput):
        label_class_update(user=manager, label_class=label_class, kind="tag")
    label_class.refresh_from_db()
    assert label_class.kind == "object"


def test_label_class_delete_refused_while_annotations_use_it(label_class, image, manager):
    AnnotationFactory(image=image, label_class=label_class)

    with pytest.raises(InvalidInput):
        label_class_delete(user=manager, label_class=label_class)
    assert LabelClass.objects.filter(pk=label_class.pk).exists()


def test_label_class_delete_refused_while_map_shapes_use_it(event, label_class, manager):
    MapShapeFactory(event=event, label_class=label_class)

    with pytest.raises(InvalidInput):
        label_class_delete(user=manager, label_class=label_class)
    assert LabelClass.objects.filter(pk=label_class.pk).exists()


def test_label_class_delete_refused_while_images_are_tagged(event, image, manager):
    tag = LabelClassFactory(event=event, kind=LabelClass.Kind.TAG)
    ImageTag.objects.create(image=image, label_class=tag, state=ImageTag.State.NEGATIVE)

    with pytest.raises(InvalidInput):
        label_class_delete(user=manager, label_class=tag)
    assert ImageTag.objects.filter(image=image, label_class=tag).exists()


def test_label_class_delete_removes_an_unused_class(label_class, manager):
    label_class_delete(user=manager, label_class=label_class)

    assert not LabelClass.objects.filter(pk=label_class.pk).exists()


def test_label_class_writes_need_a_manager(event, label_class, member):
    annotator = member(Role.ANNOTATOR)

    with pytest.raises(Forbidden):
        label_class_create(user=annotator, event=event, name="mine")
    with pytest.raises(Forbidden):
        label_class_update(user=annotator, label_class=label_class, name="mine")
    with pytest.raises(Forbidden):
        label_class_delete(user=annotator, label_class=label_class)
    with pytest.raises(NotFound):
        label_class_delete(user=UserFactory(), label_class=label_class)
    assert list(event.label_classes.values_list("name", flat=True)) == ["flooded"]


# --- image tags --------------------------------------------------------------------------


@pytest.fixture
def tag_class(event):
    return LabelClassFactory(event=event, name="cloudy", kind=LabelClass.Kind.TAG)


def test_image_tag_set_marks_updates_and_clears(image, tag_class, member):
    annotator = member(Role.ANNOTATOR)

    tag = image_tag_set(user=annotator, image=image, label_class=tag_class, state="positive")
    assert (tag.image, tag.label_class, tag.state, tag.author) == (
        image,
        tag_class,
        "positive",
        annotator,
    )

    image_tag_set(user=annotator, image=image, label_class=tag_class.pk, state="negative")
    assert list(image.image_tags.values_list("label_class_id", "state")) == [
        (tag_class.pk, "negative")
    ]

    assert image_tag_set(user=annotator, image=image, label_class=tag_class, state=None) is None
    assert not image.image_tags.exists()


def test_image_tag_set_needs_a_tag_class(image, label_class, member):
    with pytest.raises(InvalidInput) as caught:
        image_tag_set(
            user=member(Role.ANNOTATOR), image=image, label_class=label_class, state="positive"
        )

    assert caught.value.fields == {"label_class": ["Not a tag class."]}
    assert not image.image_tags.exists()


def test_image_tag_set_refuses_another_events_class(image, member):
    foreign = LabelClassFactory(kind=LabelClass.Kind.TAG)

    with pytest.raises(InvalidInput) as caught:
        image_tag_set(
            user=member(Role.ANNOTATOR), image=image, label_class=foreign, state="positive"
        )

    assert caught.value.fields == {"label_class": ["Not a label class of this event."]}
    assert not image.image_tags.exists()


def test_image_tag_set_refuses_an_unknown_state(image, tag_class, member):
    with pytest.raises(InvalidInput) as caught:
        image_tag_set(
            user=member(Role.ANNOTATOR), image=image, label_class=tag_class, state="maybe"
        )

    assert list(caught.value.fields) == ["state"]
    assert not image.image_tags.exists()


def test_image_tag_set_needs_an_annotator(image, tag_class, member):
    with pytest.raises(Forbidden):
        image_tag_set(
            user=member(Role.VIEWER), image=image, label_class=tag_class, state="positive"
        )
    with pytest.raises(NotFound):
        image_tag_set(user=UserFactory(), image=image, label_class=tag_class, state="positive")
    assert not image.image_tags.exists()


def test_image_tag_clearing_leaves_other_images_alone(event, image, tag_class, member):
    other = ImageFactory(event=event)
    ImageTag.objects.create(image=other, label_class=tag_class, state=ImageTag.State.POSITIVE)

    image_tag_set(user=member(Role.ANNOTATOR), image=image, label_class=tag_class, state=None)

    assert list(ImageTag.objects.values_list("image_id", "state")) == [(other.pk, "positive")]
