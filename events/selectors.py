"""Reads of the domain: what a user may see.

``*_visible`` return querysets limited to the teams the user belongs to; ``*_get`` return
one object or raise NotFound, so another team's object is indistinguishable from a missing
one (DESIGN.md §4).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.gis.geos import Polygon
from django.db.models import QuerySet

from events.errors import InvalidInput, NotFound
from events.models import (
    Annotation,
    AnnotationChange,
    DatasetVersion,
    Event,
    Image,
    LabelClass,
    MapShape,
    Membership,
    Team,
)
from events.rules import AnyUser


def _memberships(user: AnyUser) -> QuerySet[Membership]:
    if user.pk is None:  # anonymous: a member of nothing
        return Membership.objects.none()
    return Membership.objects.filter(user_id=user.pk)


def _team_ids(user: AnyUser) -> QuerySet[Membership, Any]:
    return _memberships(user).values("team_id")


def _get(queryset: QuerySet[Any, Any], pk: Any, what: str) -> Any:
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise NotFound(f"{what} not found.") from None


def team_list_visible(*, user: AnyUser) -> QuerySet[Team]:
    return Team.objects.filter(pk__in=_team_ids(user))


def team_roles(*, user: AnyUser) -> dict[int, str]:
    """{team id: the user's role} over the user's teams."""
    return dict(_memberships(user).values_list("team_id", "role"))


def team_get(*, user: AnyUser, team_id: Any) -> Team:
    return _get(team_list_visible(user=user), team_id, "Team")


def membership_list(*, team: Team) -> QuerySet[Membership]:
    return team.memberships.select_related("user").order_by("id")


def membership_get(*, user: AnyUser, team_id: Any, membership_id: Any) -> Membership:
    team = team_get(user=user, team_id=team_id)
    return _get(membership_list(team=team), membership_id, "Member")


def event_list_visible(*, user: AnyUser, team_id: Any = None) -> QuerySet[Event]:
    events = Event.objects.filter(team_id__in=_team_ids(user)).select_related("team")
    return events.filter(team_id=team_id) if team_id is not None else events


def event_get(*, user: AnyUser, event_id: Any) -> Event:
    return _get(event_list_visible(user=user), event_id, "Event")


def label_class_list(*, event: Event) -> QuerySet[LabelClass]:
    return event.label_classes.order_by("order", "id")


def label_class_get(*, user: AnyUser, label_class_id: Any) -> LabelClass:
    classes = LabelClass.objects.filter(event__team_id__in=_team_ids(user)).select_related("event")
    return _get(classes, label_class_id, "Label class")


def label_class_in_event(
    *, event_id: int, label_class: LabelClass | int, kind: str | None = None
) -> LabelClass:
    """The label class (or id) if it belongs to the event and, given ``kind``, is of it.

    Raises InvalidInput naming the ``label_class`` field: a class of another event is bad
    input in a request body, not a missing route.
    """
    label_class_id = label_class.pk if isinstance(label_class, LabelClass) else label_class
    found = LabelClass.objects.filter(pk=label_class_id, event_id=event_id).first()
    if found is None:
        raise InvalidInput(
            f"Label class {label_class_id} is not a class of event {event_id}.",
            fields={"label_class": ["Not a label class of this event."]},
        )
    if kind is not None and found.kind != kind:
        raise InvalidInput(
            f"{found.name!r} is a {found.kind} class; a {kind} class is needed here.",
            fields={"label_class": [f"Not a {kind} class."]},
        )
    return found


def image_list_visible(
    *,
    user: AnyUser,
    event: Event | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    acquired_after: dt.datetime | None = None,
    acquired_before: dt.datetime | None = None,
    source: str | None = None,
    status: str | None = None,
) -> QuerySet[Image]:
    """Images the user may see, optionally of one event and filtered.

    ``bbox`` is (min lon, min lat, max lon, max lat) in EPSG:4326 and keeps images whose
    footprint intersects it (images without a footprint drop out).
    """
    images = Image.objects.filter(event__team_id__in=_team_ids(user)).select_related("event")
    if event is not None:
        images = images.filter(event=event)
    if bbox is not None:
        images = images.filter(footprint__intersects=Polygon.from_bbox(bbox))
    if acquired_after is not None:
        images = images.filter(acquired_at__gte=acquired_after)
    if acquired_before is not None:
        images = images.filter(acquired_at__lte=acquired_before)
    if source:
        images = images.filter(source=source)
    if status:
        images = images.filter(status=status)
    return images


def image_get(*, user: AnyUser, image_id: Any) -> Image:
    return _get(image_list_visible(user=user), image_id, "Image")


def annotation_list(*, image: Image) -> QuerySet[Annotation]:
    return image.annotations.select_related("label_class").order_by("id")


def annotation_get(*, user: AnyUser, annotation_id: Any) -> Annotation:
    annotations = Annotation.objects.filter(
        image__event__team_id__in=_team_ids(user)
    ).select_related("image__event", "label_class")
    return _get(annotations, annotation_id, "Annotation")


def annotation_history(*, annotation: Annotation) -> QuerySet[AnnotationChange]:
    return (
        AnnotationChange.objects.filter(annotation_ref=annotation.pk)
        .select_related("user")
        .order_by("id")
    )


def map_shape_list(*, event: Event) -> QuerySet[MapShape]:
    return event.map_shapes.select_related("label_class").order_by("id")


def map_shape_get(*, user: AnyUser, map_shape_id: Any) -> MapShape:
    shapes = MapShape.objects.filter(event__team_id__in=_team_ids(user)).select_related(
        "event", "label_class"
    )
    return _get(shapes, map_shape_id, "Map shape")


def dataset_version_list(*, event: Event) -> QuerySet[DatasetVersion]:
    return DatasetVersion.objects.filter(event=event).select_related("created_by")


def dataset_version_get(*, user: AnyUser, dataset_id: Any) -> DatasetVersion:
    versions = DatasetVersion.objects.filter(event__team_id__in=_team_ids(user)).select_related(
        "event", "created_by"
    )
    return _get(versions, dataset_id, "Dataset version")
