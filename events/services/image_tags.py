"""Image tags set on many images at once (the gallery's bulk tagging)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from events.errors import InvalidInput
from events.models import Event, Image, ImageTag, LabelClass
from events.rules import Action, require
from events.selectors import label_class_in_event


def image_tags_bulk_set(
    *,
    user: User,
    event: Event,
    label_class: LabelClass | int,
    state: str | None,
    images: QuerySet[Image] | None = None,
    image_ids: Sequence[int] | None = None,
) -> int:
    """Mark every selected image of ``event`` positive or negative for a tag class, or clear
    the tag (``state=None``), in one transaction; returns how many images were selected.

    The selection is ``image_ids`` (each must be an image of the event, else InvalidInput
    naming ``images``) or a queryset (the image list's filters: "select all matching").
    Each tag ends as the single-image route leaves it (``image_tag_set``): the state, the
    user as its author and a new ``updated_at``; clearing deletes the tag row.
    """
    require(user, event.team_id, Action.ANNOTATE, what="Image")
    found = label_class_in_event(
        event_id=event.pk, label_class=label_class, kind=LabelClass.Kind.TAG
    )
    if state is not None and state not in ImageTag.State.values:
        raise InvalidInput(
            f"Unknown tag state {state!r}.", fields={"state": ["Use positive, negative or null."]}
        )
    if (images is None) == (image_ids is None):
        raise InvalidInput("Give images or filters.", fields={"images": ["Give one of them."]})
    if image_ids is not None:
        wanted = set(image_ids)
        known = set(Image.objects.filter(event=event, pk__in=wanted).values_list("pk", flat=True))
        missing = sorted(wanted - known)
        if missing:
            shown = ", ".join(str(pk) for pk in missing[:10]) + (
                " ..." if len(missing) > 10 else ""
            )
            raise InvalidInput(
                f"Not images of event {event.pk}: {shown}.",
                fields={"images": [f"Not images of this event: {shown}."]},
            )
        selected = Image.objects.filter(event=event, pk__in=known)
    else:
        assert images is not None
        selected = images.filter(event=event)
    chosen = selected.order_by().values("pk")
    with transaction.atomic():
        count = chosen.count()
        if state is None:
            ImageTag.objects.filter(label_class=found, image__in=chosen).delete()
            return count
        _upsert(chosen, label_class_id=found.pk, state=state, author_id=user.pk)
    return count


def _upsert(
    selected: QuerySet[Image, Any], *, label_class_id: int, state: str, author_id: int | None
) -> None:
    """One INSERT ... SELECT ... ON CONFLICT: the tags of every selected image, new or
    updated (PostgreSQL and SQLite 3.24+). The WHERE keeps SQLite's parser from reading ON
    CONFLICT as a join constraint."""
    sql, params = selected.query.sql_with_params()
    table = connection.ops.quote_name(ImageTag._meta.db_table)
    images = connection.ops.quote_name(Image._meta.db_table)
    statement = (
        f"INSERT INTO {table} (image_id, label_class_id, state, author_id, updated_at) "
        f"SELECT chosen.id, %s, %s, %s, %s FROM {images} AS chosen WHERE chosen.id IN ({sql}) "
        "ON CONFLICT (image_id, label_class_id) DO UPDATE SET state = excluded.state, "
        "author_id = excluded.author_id, updated_at = excluded.updated_at"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [label_class_id, state, author_id, timezone.now(), *params])
