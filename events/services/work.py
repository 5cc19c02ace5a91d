"""The editor's workflow: image locks (who has an image open) and labelling time.

A lock is advisory: it tells a second user that someone else has the image open, until
``locked_until`` (``settings.IMAGE_LOCK_SECONDS``, 5 minutes by default); the holder's
editor renews it every minute and releases it on leave, so a closed tab frees the image
within one expiry at most. Writes are not refused because of a lock.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from events.errors import DomainError, InvalidInput
from events.models import Image, WorkLog
from events.rules import Action, require

MAX_REPORT_SECONDS = 3600


class ImageLocked(DomainError):
    """Another user holds an unexpired lock on the image (the API answers 409)."""

    code = "locked"

    def __init__(self, detail: str, *, holder: str, until: dt.datetime) -> None:
        super().__init__(detail)
        self.holder = holder
        self.until = until


def lock_seconds() -> int:
    return int(settings.IMAGE_LOCK_SECONDS)


def lock_held_by_other(image: Image, user: User, *, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        image.locked_by_id is not None
        and image.locked_by_id != user.pk
        and image.locked_until is not None
        and image.locked_until > now
    )


def image_lock_acquire(*, user: User, image: Image) -> Image:
    """Take or renew the user's lock on ``image`` for ``lock_seconds()``.

    Raises ImageLocked naming the holder and the expiry when another user holds an
    unexpired lock; an expired lock of anyone is simply taken over.
    """
    require(user, image.event.team_id, Action.ANNOTATE, what="Image")
    with transaction.atomic():
        # No join: after waiting for another transaction's row lock PostgreSQL re-reads the
        # image row only, so a joined holder could be stale; the holder is read afterwards.
        locked = Image.objects.select_for_update().get(pk=image.pk)
        now = timezone.now()
        if lock_held_by_other(locked, user, now=now):
            assert locked.locked_by is not None and locked.locked_until is not None
            holder = locked.locked_by.get_username()
            until = locked.locked_until
            raise ImageLocked(
                f"Image {image.pk} is open by {holder} until "
                f"{until.astimezone(dt.UTC):%H:%M:%S} UTC.",
                holder=holder,
                until=until,
            )
        locked.locked_by = user
        locked.locked_until = now + dt.timedelta(seconds=lock_seconds())
        locked.save(update_fields=["locked_by", "locked_until"])
    return locked


def image_lock_release(*, user: User, image: Image) -> None:
    """Drop the user's own lock on ``image``; another user's lock stays (no error)."""
    require(user, image.event.team_id, Action.ANNOTATE, what="Image")
    Image.objects.filter(pk=image.pk, locked_by=user).update(locked_by=None, locked_until=None)


def worklog_record(
    *,
    user: User,
    image: Image,
    seconds: int | None = None,
    difficulty: int | None = None,
    set_difficulty: bool = False,
) -> WorkLog:
    """Add ``seconds`` of labelling time to the user's entry for ``image`` and/or set their
    perceived difficulty (``set_difficulty``; ``difficulty`` None clears it).

    ``seconds`` must be 1..3600 per call (a report covers at most an hour); difficulty
    1..5. Raises InvalidInput naming the field otherwise, or when neither is given.
    """
    require(user, image.event.team_id, Action.ANNOTATE, what="Image")
    if seconds is None and not set_difficulty:
        raise InvalidInput(
            "Give seconds, difficulty or both.",
            fields={"seconds": ["Give seconds or difficulty."]},
        )
    if seconds is not None and not (0 < seconds <= MAX_REPORT_SECONDS):
        raise InvalidInput(
            f"seconds must be more than 0 and at most {MAX_REPORT_SECONDS}, not {seconds}.",
            fields={"seconds": [f"Between 1 and {MAX_REPORT_SECONDS}."]},
        )
    if set_difficulty and difficulty is not None and not (1 <= difficulty <= 5):
        raise InvalidInput(
            f"difficulty must be 1 to 5, not {difficulty}.",
            fields={"difficulty": ["From 1 (easy) to 5 (hard)."]},
        )
    with transaction.atomic():
        log, _ = WorkLog.objects.select_for_update().get_or_create(user=user, image=image)
        fields = ["updated_at"]
        if seconds is not None:
            log.seconds = F("seconds") + seconds
            fields.append("seconds")
        if set_difficulty:
            log.difficulty = difficulty
            fields.append("difficulty")
        log.save(update_fields=fields)
    log.refresh_from_db()
    return log
