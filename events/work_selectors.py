"""Reads for the editor's workflow: the previous / next image through the gallery's filter
and ordering, and labelling time per image.

``image_neighbours`` reuses ``image_list_filtered`` (the image list's own filters and
ordering) and seeks from the current image's sort key (keyset), so the image need not
match the filter itself (it may just have been labelled) and a deep position costs no
offset scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from events.image_selectors import image_list_filtered
from events.models import Annotation, Image, ImageTag, WorkLog
from events.rules import Action, can


@dataclass(frozen=True)
class Neighbours:
    previous: int | None
    next: int | None
    position: int | None  # 1-based place of the image in the filtered list; None: not in it
    count: int  # images matching the filter (before the skips)


def _flip(ordering: str | None) -> str:
    ordering = ordering or "id"
    return ordering[1:] if ordering.startswith("-") else f"-{ordering}"


def _after(ordering: str | None, image: Image) -> Q:
    """Images strictly after ``image`` in ``ordering`` (as events.image_selectors orders:
    ascending nulls last, descending nulls first, ties by id in the same direction)."""
    ordering = ordering or "id"
    name = ordering.lstrip("-")
    descending = ordering.startswith("-")
    id_after = Q(pk__lt=image.pk) if descending else Q(pk__gt=image.pk)
    if name == "id":
        return id_after
    value = getattr(image, name)
    if descending:
        if value is None:
            return Q(**{f"{name}__isnull": False}) | (Q(**{f"{name}__isnull": True}) & id_after)
        return Q(**{f"{name}__lt": value}) | (Q(**{name: value}) & id_after)
    if value is None:
        return Q(**{f"{name}__isnull": True}) & id_after
    return (
        Q(**{f"{name}__gt": value})
        | (Q(**{name: value}) & id_after)
        | Q(**{f"{name}__isnull": True})
    )


def _skip(
    images: QuerySet[Image], *, user: User, labelled_by_others: bool, locked: bool
) -> QuerySet[Image]:
    if labelled_by_others:
        others_annotations = Annotation.objects.filter(
            image=OuterRef("pk"), author__isnull=False
        ).exclude(author=user)
        others_tags = ImageTag.objects.filter(image=OuterRef("pk"), author__isnull=False).exclude(
            author=user
        )
        images = images.filter(~Exists(others_annotations)).filter(~Exists(others_tags))
    if locked:
        images = images.exclude(
            Q(locked_by__isnull=False) & ~Q(locked_by=user) & Q(locked_until__gt=timezone.now())
        )
    return images


def image_neighbours(
    *,
    user: User,
    image: Image,
    skip_labelled_by_others: bool = False,
    skip_locked: bool = False,
    **filters: Any,
) -> Neighbours:
    """The images before and after ``image`` in the image list of its event under
    ``filters`` (``image_list_filtered``'s keyword arguments, ordering included), skipping
    images another user has labelled (annotations or tags with another author) and images
    another user holds an unexpired lock on, when asked."""
    ordering = filters.pop("ordering", None)
    event = image.event

    def first_after(order: str | None) -> int | None:
        listed = image_list_filtered(user=user, event=event, ordering=order, **filters)
        listed = _skip(
            listed, user=user, labelled_by_others=skip_labelled_by_others, locked=skip_locked
        )
        return listed.filter(_after(order, image)).values_list("pk", flat=True).first()

    listed = image_list_filtered(user=user, event=event, ordering=ordering, **filters)
    count = listed.count()
    position = None
    if listed.filter(pk=image.pk).exists():
        position = listed.filter(_after(_flip(ordering), image)).count() + 1
    return Neighbours(
        previous=first_after(_flip(ordering)),
        next=first_after(ordering),
        position=position,
        count=count,
    )


def worklog_get(*, user: User, image: Image) -> dict[str, Any]:
    """The user's own time and difficulty on ``image``; for managers also every user's
    entry and the total (``users`` and ``total_seconds`` are None for the others)."""
    own = WorkLog.objects.filter(user=user, image=image).first()
    result: dict[str, Any] = {
        "image": image.pk,
        "seconds": own.seconds if own else 0,
        "difficulty": own.difficulty if own else None,
        "updated_at": own.updated_at if own else None,
        "total_seconds": None,
        "users": None,
    }
    if can(user, image.event.team_id, Action.MANAGE):
        logs = WorkLog.objects.filter(image=image).select_related("user").order_by("user__username")
        result["users"] = [
            {
                "user": log.user.get_username(),
                "seconds": log.seconds,
                "difficulty": log.difficulty,
                "updated_at": log.updated_at,
            }
            for log in logs
        ]
        result["total_seconds"] = logs.aggregate(total=Sum("seconds"))["total"] or 0
    return result
