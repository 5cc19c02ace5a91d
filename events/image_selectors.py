"""Reads of an event's images for the gallery: the list's filters and orderings.

``image_list_filtered`` is ``selectors.image_list_visible`` plus what a labelling team asks
of a large event: tag state per class, cloud cover range, labelled or not, auto-labelled or
not, and a stable ordering (ties broken by id, so pages never overlap or skip).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from events.models import Annotation, Event, Image, ImageTag, LabelClass
from events.rules import AnyUser
from events.selectors import image_list_visible, label_class_in_event

TAG_STATES = ("positive", "negative", "unlabeled")
ORDERINGS = ("acquired_at", "name", "cloud_cover", "created_at", "id")


def ordering_choices() -> list[str]:
    """Every accepted ``ordering`` value: each field ascending, then descending."""
    return [*ORDERINGS, *(f"-{name}" for name in ORDERINGS)]


def image_list_filtered(
    *,
    user: AnyUser,
    event: Event,
    bbox: tuple[float, float, float, float] | None = None,
    acquired_after: dt.datetime | None = None,
    acquired_before: dt.datetime | None = None,
    source: str | None = None,
    status: str | None = None,
    label_class: int | None = None,
    tag_state: str | None = None,
    cloud_cover_min: float | None = None,
    cloud_cover_max: float | None = None,
    labelled: bool | None = None,
    auto_labelled: bool | None = None,
    ordering: str | None = None,
) -> QuerySet[Image]:
    """The event's images the user may see, filtered and ordered.

    ``label_class`` (a tag class of the event) with ``tag_state``: images marked positive,
    negative, or not marked at all (``unlabeled``) for it; the class alone keeps images
    marked either way. A cloud cover range drops images whose cloud cover is unknown.
    ``labelled``: has any image tag or any annotation. ``auto_labelled``: has an annotation
    whose source is ``predicted``. Raises InvalidInput naming ``label_class`` when it is not
    a tag class of the event.
    """
    images = image_list_visible(
        user=user,
        event=event,
        bbox=bbox,
        acquired_after=acquired_after,
        acquired_before=acquired_before,
        source=source,
        status=status,
    )
    if label_class is not None:
        found = label_class_in_event(
            event_id=event.pk, label_class=label_class, kind=LabelClass.Kind.TAG
        )
        tags = ImageTag.objects.filter(image=OuterRef("pk"), label_class=found)
        if tag_state == "unlabeled":
            images = images.filter(~Exists(tags))
        elif tag_state:
            images = images.filter(Exists(tags.filter(state=tag_state)))
        else:
            images = images.filter(Exists(tags))
    if cloud_cover_min is not None:
        images = images.filter(cloud_cover__gte=cloud_cover_min)
    if cloud_cover_max is not None:
        images = images.filter(cloud_cover__lte=cloud_cover_max)
    if labelled is not None:
        tagged = Exists(ImageTag.objects.filter(image=OuterRef("pk")))
        annotated = Exists(Annotation.objects.filter(image=OuterRef("pk")))
        if labelled:
            images = images.filter(Q(tagged) | Q(annotated))
        else:
            # Two NOT EXISTS filters, not NOT (a OR b): PostgreSQL makes each an anti-join
            # instead of running both subqueries for every image (300 ms -> 30 ms at 100k).
            images = images.filter(~tagged).filter(~annotated)
    if auto_labelled is not None:
        predicted = Exists(
            Annotation.objects.filter(image=OuterRef("pk"), source=Annotation.Source.PREDICTED)
        )
        images = images.filter(predicted if auto_labelled else ~predicted)
    return images.order_by(*_order(ordering))


def _order(ordering: str | None) -> list[Any]:
    if not ordering:
        return ["id"]
    name = ordering.lstrip("-")
    descending = ordering.startswith("-")
    if name == "id":
        return ["-id" if descending else "id"]
    # Unknown values (null) count as above every known one: last ascending, first
    # descending, on every backend. On PostgreSQL that is a btree's own order, so one index
    # (event, field, id) serves both directions (Image.Meta.indexes).
    field = F(name).desc(nulls_first=True) if descending else F(name).asc(nulls_last=True)
    return [field, "-id" if descending else "id"]
