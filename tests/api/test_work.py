"""/api/v1/images/{id}/lock/, /worklog/ and /neighbours/: the editor's workflow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from events.models import Image, ImageTag, LabelClass, Role, WorkLog
from tests.api.support import assert_error
from tests.factories import AnnotationFactory, ImageFactory, LabelClassFactory

pytestmark = pytest.mark.django_db


def _lock(image) -> str:
    return f"/api/v1/images/{image.pk}/lock/"


def _worklog(image) -> str:
    return f"/api/v1/images/{image.pk}/worklog/"


def _neighbours(image) -> str:
    return f"/api/v1/images/{image.pk}/neighbours/"


# Locks


def test_lock_acquire_renew_and_release(api, member, image, settings) -> None:
    settings.IMAGE_LOCK_SECONDS = 120
    alice = member(Role.ANNOTATOR)
    client = api(alice)
    before = timezone.now()

    first = client.post(_lock(image))
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["image"] == image.pk
    assert body["locked_by"] == alice.username
    assert body["lock_seconds"] == 120
    until = dt.datetime.fromisoformat(body["locked_until"])
    assert before + dt.timedelta(seconds=119) <= until <= timezone.now() + dt.timedelta(seconds=120)

    # Renewing moves the expiry forward (never back) and keeps the holder.
    Image.objects.filter(pk=image.pk).update(locked_until=timezone.now() + dt.timedelta(seconds=5))
    renewed = client.post(_lock(image)).json()
    assert renewed["locked_by"] == alice.username
    assert dt.datetime.fromisoformat(renewed["locked_until"]) >= until

    assert client.delete(_lock(image)).status_code == 204
    image.refresh_from_db()
    assert image.locked_by is None and image.locked_until is None


def test_lock_held_by_another_user_is_409_naming_them(api, member, image) -> None:
    alice, bob = member(Role.ANNOTATOR), member(Role.ANNOTATOR)
    assert api(alice).post(_lock(image)).status_code == 200

    response = api(bob).post(_lock(image))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "locked"
    assert body["locked_by"] == alice.username
    assert alice.username in body["detail"]
    image.refresh_from_db()
    assert dt.datetime.fromisoformat(body["locked_until"]) == image.locked_until
    assert image.locked_by == alice  # unchanged

    # Bob's release does not free Alice's lock.
    assert api(bob).delete(_lock(image)).status_code == 204
    image.refresh_from_db()
    assert image.locked_by == alice


def test_an_expired_lock_is_taken_over(api, member, image) -> None:
    alice, bob = member(Role.ANNOTATOR), member(Role.ANNOTATOR)
    Image.objects.filter(pk=image.pk).update(
        locked_by=alice, locked_until=timezone.now() - dt.timedelta(seconds=1)
    )
    response = api(bob).post(_lock(image))
    assert response.status_code == 200, response.content
    assert response.json()["locked_by"] == bob.username
    image.refresh_from_db()
    assert image.locked_by == bob and image.locked_until > timezone.now()


def test_a_viewer_may_not_lock(api, member, image) -> None:
    assert_error(api(member(Role.VIEWER)).post(_lock(image)), 403, "permission_denied")


# Labelling time and difficulty


def test_worklog_accumulates_seconds_per_user(api, member, image) -> None:
    alice, bob = member(Role.ANNOTATOR), member(Role.ANNOTATOR)
    assert api(alice).get(_worklog(image)).json()["seconds"] == 0
    api(alice).post(_worklog(image), {"seconds": 30}, format="json")
    body = api(alice).post(_worklog(image), {"seconds": 12}, format="json").json()
    assert body["seconds"] == 42
    assert body["difficulty"] is None
    assert body["users"] is None and body["total_seconds"] is None  # not a manager
    api(bob).post(_worklog(image), {"seconds": 8}, format="json")
    assert api(bob).get(_worklog(image)).json()["seconds"] == 8
    assert WorkLog.objects.filter(image=image).count() == 2


def test_worklog_for_managers_lists_every_user(api, member, image) -> None:
    alice, bob, boss = member(Role.ANNOTATOR), member(Role.ANNOTATOR), member(Role.MANAGER)
    api(alice).post(_worklog(image), {"seconds": 30, "difficulty": 4}, format="json")
    api(bob).post(_worklog(image), {"seconds": 100}, format="json")
    body = api(boss).get(_worklog(image)).json()
    assert body["seconds"] == 0  # the manager's own time
    assert body["total_seconds"] == 130
    by_user = {row["user"]: row for row in body["users"]}
    assert by_user[alice.username]["seconds"] == 30
    assert by_user[alice.username]["difficulty"] == 4
    assert by_user[bob.username]["difficulty"] is None


def test_worklog_difficulty_set_change_and_clear(api, member, image) -> None:
    client = api(member(Role.ANNOTATOR))
    assert client.post(_worklog(image), {"difficulty": 3}, format="json").json()["difficulty"] == 3
    body = client.post(_worklog(image), {"seconds": 5}, format="json").json()
    assert body["difficulty"] == 3 and body["seconds"] == 5  # seconds alone keep it
    assert client.post(_worklog(image), {"difficulty": 5}, format="json").json()["difficulty"] == 5
    cleared = client.post(_worklog(image), {"difficulty": None}, format="json").json()
    assert cleared["difficulty"] is None and cleared["seconds"] == 5


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"seconds": 0}, "seconds"),
        ({"seconds": -5}, "seconds"),
        ({"seconds": 3601}, "seconds"),
        ({"seconds": "soon"}, "seconds"),
        ({"difficulty": 0}, "difficulty"),
        ({"difficulty": 6}, "difficulty"),
        ({}, "seconds"),
        ({"secs": 5}, "secs"),
    ],
)
def test_worklog_validation_names_the_field(api, member, image, body, field) -> None:
    client = api(member(Role.ANNOTATOR))
    assert_error(client.post(_worklog(image), body, format="json"), 400, "invalid", [field])
    assert not WorkLog.objects.filter(image=image).exists()


def test_worklog_at_the_limit(api, member, image) -> None:
    client = api(member(Role.ANNOTATOR))
    assert client.post(_worklog(image), {"seconds": 3600}, format="json").json()["seconds"] == 3600


# Previous / next


@pytest.fixture
def scenes(event):
    """Five images: names out of id order, cloud cover with a gap (null)."""
    rows = [("c", 30.0), ("a", None), ("e", 10.0), ("b", 30.0), ("d", 50.0)]
    return [ImageFactory(event=event, name=name, cloud_cover=cloud) for name, cloud in rows]


def _walk(client, start, query: str = "") -> list[int]:
    """Image ids visited following ``next`` from ``start``."""
    seen = [start.pk]
    current = start.pk
    while True:
        body = client.get(f"/api/v1/images/{current}/neighbours/?{query}").json()
        if body["next"] is None:
            return seen
        current = body["next"]
        seen.append(current)
        assert len(seen) < 20


def test_neighbours_follow_the_default_order_with_edges(api, member, scenes) -> None:
    client = api(member(Role.VIEWER))
    first, second, *_, last = scenes
    body = client.get(_neighbours(first)).json()
    assert body == {"previous": None, "next": second.pk, "position": 1, "count": 5}
    body = client.get(_neighbours(last)).json()
    assert body == {"previous": scenes[3].pk, "next": None, "position": 5, "count": 5}
    assert _walk(client, first) == [s.pk for s in scenes]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("name", "abcde"),
        ("-name", "edcba"),
        # cloud cover: nulls last ascending, first descending; ties (30) by id.
        ("cloud_cover", "ecbda"),
        ("-cloud_cover", "adbce"),
        ("-id", "dbeac"),
    ],
)
def test_neighbours_follow_each_ordering(api, member, scenes, ordering, expected) -> None:
    client = api(member(Role.VIEWER))
    by_name = {s.name: s for s in scenes}
    start = by_name[expected[0]]
    walked = _walk(client, start, f"ordering={ordering}")
    assert "".join(Image.objects.get(pk=pk).name for pk in walked) == expected
    # previous walks back the same way
    end = by_name[expected[-1]]
    body = client.get(f"{_neighbours(end)}?ordering={ordering}").json()
    assert body["next"] is None and body["position"] == 5
    assert body["previous"] == by_name[expected[-2]].pk


def test_neighbours_follow_the_filters(api, member, scenes) -> None:
    client = api(member(Role.VIEWER))
    by_name = {s.name: s for s in scenes}
    query = "cloud_cover_min=20&ordering=-cloud_cover"  # d (50), b (30), c (30)
    assert _walk(client, by_name["d"], query) == [by_name[n].pk for n in "dbc"]
    body = client.get(f"{_neighbours(by_name['b'])}?{query}").json()
    assert body == {"previous": by_name["d"].pk, "next": by_name["c"].pk, "position": 2, "count": 3}
    # An image outside the filter still has neighbours from its place in the order.
    body = client.get(f"{_neighbours(by_name['e'])}?{query}").json()
    assert body == {"previous": by_name["c"].pk, "next": None, "position": None, "count": 3}


def test_neighbours_follow_a_tag_filter(api, member, event, scenes) -> None:
    annotator = member(Role.ANNOTATOR)
    flooded = LabelClassFactory(event=event, name="flooded", kind=LabelClass.Kind.TAG)
    for scene in scenes[1:4]:  # a, e, b
        ImageTag.objects.create(
            image=scene, label_class=flooded, state="positive", author=annotator
        )
    client = api(annotator)
    query = f"label_class={flooded.pk}&tag_state=positive"
    assert _walk(client, scenes[1], query) == [s.pk for s in scenes[1:4]]


def test_neighbours_skip_images_labelled_by_others(api, member, event, scenes) -> None:
    me, other = member(Role.ANNOTATOR), member(Role.ANNOTATOR)
    tag = LabelClassFactory(event=event, kind=LabelClass.Kind.TAG)
    AnnotationFactory(image=scenes[1], author=other)  # skipped
    ImageTag.objects.create(image=scenes[2], label_class=tag, state="negative", author=other)
    AnnotationFactory(image=scenes[3], author=me)  # mine: kept
    AnnotationFactory(image=scenes[4], author=None)  # imported, no author: kept
    client = api(me)
    assert _walk(client, scenes[0], "skip_labelled_by_others=true") == [
        scenes[0].pk,
        scenes[3].pk,
        scenes[4].pk,
    ]
    body = client.get(f"{_neighbours(scenes[3])}?skip_labelled_by_others=true").json()
    assert body["previous"] == scenes[0].pk
    assert body["position"] == 4 and body["count"] == 5  # the place in the unskipped list
    # Without the skip every image is visited.
    assert len(_walk(client, scenes[0])) == 5


def test_neighbours_skip_images_locked_by_others(api, member, scenes) -> None:
    me, other = member(Role.ANNOTATOR), member(Role.ANNOTATOR)
    soon = timezone.now() + dt.timedelta(minutes=5)
    Image.objects.filter(pk=scenes[1].pk).update(locked_by=other, locked_until=soon)
    Image.objects.filter(pk=scenes[2].pk).update(  # expired: not skipped
        locked_by=other, locked_until=timezone.now() - dt.timedelta(seconds=1)
    )
    Image.objects.filter(pk=scenes[3].pk).update(locked_by=me, locked_until=soon)  # mine
    client = api(me)
    assert _walk(client, scenes[0], "skip_locked=true") == [
        s.pk for i, s in enumerate(scenes) if i != 1
    ]
    body = client.get(f"{_neighbours(scenes[2])}?skip_locked=true").json()
    assert body["previous"] == scenes[0].pk


def test_neighbours_with_both_skips(api, member, scenes) -> None:
    me, other = member(Role.ANNOTATOR), member(Role.ANNOTATOR)
    AnnotationFactory(image=scenes[1], author=other)
    Image.objects.filter(pk=scenes[2].pk).update(
        locked_by=other, locked_until=timezone.now() + dt.timedelta(minutes=5)
    )
    body = (
        api(me)
        .get(f"{_neighbours(scenes[0])}?skip_labelled_by_others=true&skip_locked=true")
        .json()
    )
    assert body["next"] == scenes[3].pk


def test_neighbours_validate_the_filters(api, member, image) -> None:
    client = api(member(Role.VIEWER))
    assert_error(client.get(f"{_neighbours(image)}?ordering=size"), 400, "invalid", ["ordering"])
    assert_error(
        client.get(f"{_neighbours(image)}?skip_locked=maybe"), 400, "invalid", ["skip_locked"]
    )
    assert_error(client.get(f"{_neighbours(image)}?colour=red"), 400, "invalid", ["colour"])
