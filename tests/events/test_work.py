"""events.services.work and events.work_selectors: locks, labelling time, neighbours."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from events.errors import Forbidden, InvalidInput, NotFound
from events.models import Image, Role, WorkLog
from events.services.work import (
    ImageLocked,
    image_lock_acquire,
    image_lock_release,
    worklog_record,
)
from events.work_selectors import image_neighbours, worklog_get
from tests.factories import ImageFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_lock_names_the_holder_and_expiry(member, image, settings) -> None:
    settings.IMAGE_LOCK_SECONDS = 60
    alice, bob = member(Role.ANNOTATOR), member(Role.ANNOTATOR)
    locked = image_lock_acquire(user=alice, image=image)
    assert locked.locked_by == alice
    assert locked.locked_until is not None
    assert locked.locked_until <= timezone.now() + dt.timedelta(seconds=60)
    with pytest.raises(ImageLocked) as raised:
        image_lock_acquire(user=bob, image=image)
    assert raised.value.holder == alice.username
    assert raised.value.until == locked.locked_until
    image_lock_release(user=alice, image=image)
    assert image_lock_acquire(user=bob, image=image).locked_by == bob


def test_lock_needs_an_annotator_of_the_team(member, image) -> None:
    with pytest.raises(Forbidden):
        image_lock_acquire(user=member(Role.VIEWER), image=image)
    with pytest.raises(NotFound):
        image_lock_acquire(user=UserFactory(), image=image)
    image.refresh_from_db()
    assert image.locked_by is None


def test_worklog_adds_up_and_keeps_difficulty(member, image) -> None:
    user = member(Role.ANNOTATOR)
    worklog_record(user=user, image=image, seconds=10)
    worklog_record(user=user, image=image, seconds=20, difficulty=2, set_difficulty=True)
    log = worklog_record(user=user, image=image, seconds=5)
    assert (log.seconds, log.difficulty) == (35, 2)
    assert WorkLog.objects.get(user=user, image=image).seconds == 35
    with pytest.raises(InvalidInput) as raised:
        worklog_record(user=user, image=image, seconds=3601)
    assert list(raised.value.fields) == ["seconds"]
    with pytest.raises(InvalidInput):
        worklog_record(user=user, image=image, difficulty=9, set_difficulty=True)
    with pytest.raises(InvalidInput):
        worklog_record(user=user, image=image)
    with pytest.raises(Forbidden):
        worklog_record(user=member(Role.VIEWER), image=image, seconds=5)
    assert worklog_get(user=user, image=image)["seconds"] == 35


def test_neighbours_of_an_image_outside_the_event_list_stay_in_its_event(member, event) -> None:
    user = member(Role.VIEWER)
    ours = [ImageFactory(event=event) for _ in range(3)]
    ImageFactory()  # another event's image between them by id
    ours.append(ImageFactory(event=event))
    found = image_neighbours(user=user, image=ours[2])
    assert (found.previous, found.next) == (ours[1].pk, ours[3].pk)
    assert (found.position, found.count) == (3, 4)


def test_neighbours_with_equal_dates_and_unknown_dates(member, event) -> None:
    user = member(Role.VIEWER)
    day = dt.datetime(2024, 9, 1, tzinfo=dt.UTC)
    images = [
        ImageFactory(event=event, acquired_at=day),
        ImageFactory(event=event, acquired_at=None),
        ImageFactory(event=event, acquired_at=day),
        ImageFactory(event=event, acquired_at=day - dt.timedelta(days=1)),
    ]
    order = [images[3], images[0], images[2], images[1]]  # dates ascending, ties by id, null last
    current = order[0]
    seen = [current.pk]
    while (
        nxt := image_neighbours(user=user, image=current, ordering="acquired_at").next
    ) is not None:
        current = Image.objects.get(pk=nxt)
        seen.append(nxt)
    assert seen == [i.pk for i in order]
    last = image_neighbours(user=user, image=order[-1], ordering="acquired_at")
    assert last.previous == order[-2].pk and last.position == 4


@pytest.mark.django_db(transaction=True)
def test_two_users_taking_the_lock_at_once_one_wins(member, image) -> None:
    from tests.events.test_annotation_concurrency import _in_threads

    for _ in range(5):
        Image.objects.filter(pk=image.pk).update(locked_by=None, locked_until=None)
        alice, bob = member(Role.ANNOTATOR), member(Role.ANNOTATOR)
        outcomes = _in_threads(
            lambda u=alice: image_lock_acquire(user=u, image=image),
            lambda u=bob: image_lock_acquire(user=u, image=image),
        )
        kinds = sorted(kind for kind, _ in outcomes)
        assert kinds == ["error", "ok"], outcomes
        winner = next(result for kind, result in outcomes if kind == "ok").locked_by
        loser_error = next(result for kind, result in outcomes if kind == "error")
        assert isinstance(loser_error, ImageLocked)
        assert loser_error.holder == winner.username
        assert Image.objects.get(pk=image.pk).locked_by == winner


@pytest.mark.django_db(transaction=True)
def test_concurrent_time_reports_all_count(member, image) -> None:
    from tests.events.test_annotation_concurrency import _in_threads

    user = member(Role.ANNOTATOR)
    outcomes = _in_threads(
        *[lambda: worklog_record(user=user, image=image, seconds=7) for _ in range(6)]
    )
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    assert WorkLog.objects.get(user=user, image=image).seconds == 42
