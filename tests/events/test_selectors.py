"""Selectors (events/selectors.py): what a user may see, and the image filters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import Polygon

from events import selectors
from events.errors import NotFound
from events.models import Image, Membership, Role
from tests.factories import (
    EventFactory,
    ImageFactory,
    LabelClassFactory,
    MapShapeFactory,
    PixelImageFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def _box(min_lon, min_lat, max_lon, max_lat) -> Polygon:
    polygon = Polygon.from_bbox((min_lon, min_lat, max_lon, max_lat))
    polygon.srid = 4326
    return polygon


def _ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


@pytest.fixture
def viewer(member):
    return member(Role.VIEWER)


@pytest.fixture
def foreign_event():
    """An event of a team the test users are not in."""
    return EventFactory(team=TeamFactory())


# --- visibility --------------------------------------------------------------------------


def test_team_list_visible_shows_only_my_teams(team, viewer):
    TeamFactory()
    mine_too = TeamFactory()
    Membership.objects.create(team=mine_too, user=viewer, role=Role.OWNER)

    assert _ids(selectors.team_list_visible(user=viewer)) == {team.pk, mine_too.pk}
    assert not selectors.team_list_visible(user=UserFactory()).exists()


def test_event_list_visible_filters_by_team_and_hides_others(event, viewer, foreign_event):
    second = EventFactory(team=event.team)

    assert _ids(selectors.event_list_visible(user=viewer)) == {event.pk, second.pk}
    assert _ids(selectors.event_list_visible(user=viewer, team_id=event.team_id)) == {
        event.pk,
        second.pk,
    }
    # Asking for a foreign team's events by id shows nothing, not their events.
    assert not selectors.event_list_visible(user=viewer, team_id=foreign_event.team_id).exists()


@pytest.mark.parametrize("bad_id", [10**9, "abc", None])
def test_get_selectors_answer_not_found_for_missing_or_malformed_ids(viewer, bad_id):
    with pytest.raises(NotFound, match="Event not found"):
        selectors.event_get(user=viewer, event_id=bad_id)
    with pytest.raises(NotFound, match="Image not found"):
        selectors.image_get(user=viewer, image_id=bad_id)


def test_get_selectors_hide_other_teams_objects(viewer, foreign_event):
    image = ImageFactory(event=foreign_event)
    label_class = LabelClassFactory(event=foreign_event)
    shape = MapShapeFactory(event=foreign_event)

    with pytest.raises(NotFound):
        selectors.team_get(user=viewer, team_id=foreign_event.team_id)
    with pytest.raises(NotFound):
        selectors.event_get(user=viewer, event_id=foreign_event.pk)
    with pytest.raises(NotFound):
        selectors.image_get(user=viewer, image_id=image.pk)
    with pytest.raises(NotFound):
        selectors.label_class_get(user=viewer, label_class_id=label_class.pk)
    with pytest.raises(NotFound):
        selectors.map_shape_get(user=viewer, map_shape_id=shape.pk)


def test_get_selectors_return_my_teams_objects(event, viewer):
    image = ImageFactory(event=event)
    label_class = LabelClassFactory(event=event)
    shape = MapShapeFactory(event=event)

    assert selectors.event_get(user=viewer, event_id=event.pk) == event
    assert selectors.image_get(user=viewer, image_id=image.pk) == image
    assert selectors.label_class_get(user=viewer, label_class_id=label_class.pk) == label_class
    assert selectors.map_shape_get(user=viewer, map_shape_id=shape.pk) == shape


def test_membership_get_needs_the_membership_to_be_of_that_team(team, viewer, member):
    other_team = TeamFactory()
    member(Role.OWNER, in_team=other_team)
    mine = team.memberships.get(user=viewer)
    theirs = other_team.memberships.get()

    assert selectors.membership_get(user=viewer, team_id=team.pk, membership_id=mine.pk) == mine
    # A membership id of another team under my team's URL is not found...
    with pytest.raises(NotFound):
        selectors.membership_get(user=viewer, team_id=team.pk, membership_id=theirs.pk)
    # ...and neither is the other team itself.
    with pytest.raises(NotFound):
        selectors.membership_get(user=viewer, team_id=other_team.pk, membership_id=theirs.pk)


# --- image filters -----------------------------------------------------------------------


@pytest.fixture
def images(event, foreign_event):
    """Four images of ``event`` plus one of a foreign event, sharing one footprint."""
    at = dt.datetime(2024, 5, 1, 12, tzinfo=UTC)
    return {
        "west": ImageFactory(
            event=event,
            footprint=_box(-80, 25, -79, 26),
            acquired_at=at,
            source=Image.Source.GIBS,
        ),
        "east": ImageFactory(
            event=event,
            footprint=_box(10, 45, 11, 46),
            acquired_at=at + dt.timedelta(days=5),
            source=Image.Source.SENTINELHUB,
            status=Image.Status.PROCESSING,
        ),
        "undated": ImageFactory(
            event=event, footprint=_box(-80, 25, -79, 26), acquired_at=None, status="failed"
        ),
        "pixels": PixelImageFactory(event=event, acquired_at=at + dt.timedelta(days=1)),
        "foreign": ImageFactory(
            event=foreign_event,
            footprint=_box(-80, 25, -79, 26),
            acquired_at=at,
            source=Image.Source.GIBS,
        ),
    }


def _visible(user, images: dict[str, Image], **filters) -> set[str]:
    """The names of ``images`` that image_list_visible returns."""
    found = _ids(selectors.image_list_visible(user=user, **filters))
    return {name for name, image in images.items() if image.pk in found}


def test_image_list_visible_shows_only_my_teams_images(viewer, images, event, foreign_event):
    assert _visible(viewer, images) == {"west", "east", "undated", "pixels"}
    assert _visible(viewer, images, event=event) == {"west", "east", "undated", "pixels"}
    # Even when asked for a foreign event directly.
    assert _visible(viewer, images, event=foreign_event) == set()
    assert _visible(UserFactory(), images) == set()


@pytest.mark.parametrize(
    ("bbox", "expected"),
    [
        ((-79.5, 25.5, -78, 27), {"west", "undated"}),  # overlaps a corner
        ((-81, 24, -78, 27), {"west", "undated"}),  # contains them
        ((-79.9, 25.1, -79.8, 25.2), {"west", "undated"}),  # inside them
        ((-79, 26, -78, 27), {"west", "undated"}),  # touches a corner only
        ((0, 0, 1, 1), set()),
        ((-180, -90, 180, 90), {"west", "east", "undated"}),  # never the unreferenced one
    ],
)
def test_image_bbox_keeps_footprints_that_intersect(viewer, images, event, bbox, expected):
    assert _visible(viewer, images, event=event, bbox=bbox) == expected


def test_image_date_range_is_inclusive_and_drops_undated(viewer, images, event):
    start = dt.datetime(2024, 5, 1, 12, tzinfo=UTC)

    assert _visible(viewer, images, event=event, acquired_after=start) == {"west", "east", "pixels"}
    assert _visible(
        viewer, images, event=event, acquired_after=start + dt.timedelta(seconds=1)
    ) == {
        "east",
        "pixels",
    }
    assert _visible(viewer, images, event=event, acquired_before=start) == {"west"}
    assert _visible(
        viewer,
        images,
        event=event,
        acquired_after=start + dt.timedelta(days=1),
        acquired_before=start + dt.timedelta(days=1),
    ) == {"pixels"}


def test_image_source_and_status_filters(viewer, images, event):
    assert _visible(viewer, images, event=event, source="gibs") == {"west"}
    assert _visible(viewer, images, event=event, source="sentinelhub") == {"east"}
    assert _visible(viewer, images, event=event, status="processing") == {"east"}
    assert _visible(viewer, images, event=event, status="ready") == {"west", "pixels"}
    assert _visible(viewer, images, event=event, status="ready", source="gibs") == {"west"}
    assert _visible(viewer, images, event=event, status="failed", source="gibs") == set()


def test_image_filters_combine_and_never_reach_other_teams(viewer, images):
    # The foreign image matches every filter but the team.
    found = _visible(
        viewer,
        images,
        bbox=(-81, 24, -78, 27),
        source="gibs",
        acquired_before=dt.datetime(2024, 5, 2, tzinfo=UTC),
    )
    assert found == {"west"}


def test_label_class_and_map_shape_lists_are_per_event_in_order(event):
    late = LabelClassFactory(event=event, order=5)
    early = LabelClassFactory(event=event, order=1)
    LabelClassFactory()  # another event's
    first, second = MapShapeFactory(event=event), MapShapeFactory(event=event)
    MapShapeFactory()

    assert list(selectors.label_class_list(event=event)) == [early, late]
    assert list(selectors.map_shape_list(event=event)) == [first, second]
