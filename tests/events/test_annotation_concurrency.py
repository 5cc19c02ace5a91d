"""Two clients edit the same annotation from the same version at the same time.

Each client runs in its own thread with its own database connection, against real
PostGIS, released together by a barrier. Exactly one may win; the other gets a stale
version (409) with the current version; nothing is lost and the history holds both the
winner's update and the loser's rejected attempt.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from events.errors import NotFound, StaleVersion
from events.geometry import box_geometry
from events.models import Annotation, AnnotationChange, Role
from events.services import annotations as annotation_services
from events.services.annotations import annotation_create, annotation_delete, annotation_update

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 10


def _in_threads(*jobs: Callable[[], Any], timeout: float = 30) -> list[tuple[str, Any]]:
    """Run each job in its own thread (own DB connection), started together.

    Returns ("ok", result) or ("error", exception) per job, in the jobs' order.
    """
    barrier = threading.Barrier(len(jobs), timeout=timeout)
    outcomes: list[tuple[str, Any]] = [("pending", None)] * len(jobs)

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            outcomes[index] = ("ok", job())
        except Exception as error:  # the outcome under test
            outcomes[index] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), "a client hung: lock never released?"
    return outcomes


@pytest.fixture
def setup(team, member, image, label_class) -> dict[str, Any]:
    alice, bob = member(Role.ANNOTATOR), member(Role.ANNOTATOR)
    annotation = annotation_create(
        user=alice,
        image=image,
        label_class=label_class,
        kind="bbox",
        geometry=box_geometry(10, 10, 40, 30),
    )
    return {"users": (alice, bob), "annotation": annotation}


def _fresh(pk: int) -> Annotation:
    return Annotation.objects.select_related("image__event", "label_class").get(pk=pk)


def _check_round(
    pk: int,
    version: int,
    outcomes: list[tuple[str, Any]],
    users: tuple[Any, Any],
    attempts: list[dict[str, Any]],
    status_of: Callable[[tuple[str, Any]], str],
) -> int:
    """Assert one winner and one stale loser for a race from ``version``; return winner index."""
    statuses = [status_of(o) for o in outcomes]
    assert sorted(statuses) == ["stale", "won"], outcomes
    winner = statuses.index("won")
    loser = 1 - winner

    row = Annotation.objects.get(pk=pk)
    assert row.version == version + 1
    assert row.geometry == attempts[winner]["geometry"]
    assert row.attributes == attempts[winner]["attributes"]

    update = AnnotationChange.objects.get(annotation_ref=pk, action="update", version=version + 1)
    assert update.user == users[winner]
    assert update.before["version"] == version
    assert update.after["geometry"] == attempts[winner]["geometry"]

    conflict = AnnotationChange.objects.filter(annotation_ref=pk, action="conflict").latest("id")
    assert conflict.user == users[loser]
    assert conflict.before == {"based_on_version": version, "action": "update"}
    assert conflict.after["geometry"] == attempts[loser]["geometry"]
    assert conflict.after["attributes"] == attempts[loser]["attributes"]
    assert conflict.version == version + 1
    return winner


def _attempts(round_: int) -> list[dict[str, Any]]:
    return [
        {
            "geometry": box_geometry(0, 0, 10 + round_, 10),
            "attributes": {"by": "alice", "r": round_},
        },
        {
            "geometry": box_geometry(50, 40, 60 + round_, 70),
            "attributes": {"by": "bob", "r": round_},
        },
    ]


def test_service_race_has_one_winner_and_keeps_the_losers_attempt(setup):
    users, pk = setup["users"], setup["annotation"].pk
    winners = []
    for round_ in range(ROUNDS):
        version = Annotation.objects.get(pk=pk).version
        attempts = _attempts(round_)

        def edit(i: int, version: int = version, attempts=attempts) -> Annotation:
            return annotation_update(
                user=users[i], annotation=_fresh(pk), version=version, **attempts[i]
            )

        outcomes = _in_threads(lambda: edit(0), lambda: edit(1))

        def status_of(outcome: tuple[str, Any], version: int = version) -> str:
            kind, value = outcome
            if kind == "ok":
                assert value.version == version + 1
                return "won"
            assert isinstance(value, StaleVersion), repr(value)
            assert value.current_version == version + 1
            return "stale"

        winners.append(_check_round(pk, version, outcomes, users, attempts, status_of))

    # Nothing lost over all the rounds: one create, then an update and a conflict per round,
    # with a version for every successful write and no gap.
    changes = list(AnnotationChange.objects.filter(annotation_ref=pk).order_by("id"))
    assert [c.action for c in changes].count("update") == ROUNDS
    assert [c.action for c in changes].count("conflict") == ROUNDS
    assert [c.version for c in changes if c.action in ("create", "update")] == list(
        range(1, ROUNDS + 2)
    )
    assert Annotation.objects.get(pk=pk).version == ROUNDS + 1
    print(f"winners per round: {winners}")


def test_api_race_answers_one_200_and_one_409(setup):
    users, pk = setup["users"], setup["annotation"].pk
    clients = []
    for user in users:
        client = APIClient()
        client.force_authenticate(user)
        clients.append(client)
    url = f"/api/v1/annotations/{pk}/"

    for round_ in range(ROUNDS):
        version = Annotation.objects.get(pk=pk).version
        attempts = _attempts(round_)

        def patch(i: int, version: int = version, attempts=attempts) -> Any:
            return clients[i].patch(url, {"version": version, **attempts[i]}, format="json")

        outcomes = _in_threads(lambda: patch(0), lambda: patch(1))

        def status_of(outcome: tuple[str, Any], version: int = version) -> str:
            kind, response = outcome
            assert kind == "ok", repr(response)
            if response.status_code == 200:
                assert response.json()["version"] == version + 1
                return "won"
            assert response.status_code == 409, response.content
            body = response.json()
            assert body["code"] == "stale_version"
            assert body["current_version"] == version + 1
            return "stale"

        _check_round(pk, version, outcomes, users, attempts, status_of)

    assert Annotation.objects.get(pk=pk).version == ROUNDS + 1


def test_delete_racing_an_update_never_deletes_the_update(setup, monkeypatch):
    """A versioned delete must not remove a newer version it never saw.

    The delete is held right after it has read the row (while it records its history
    entry) until the update has had its chance; with the row locked by the delete, the
    update must wait and then find the annotation gone.
    """
    users, annotation = setup["users"], setup["annotation"]
    pk = annotation.pk
    delete_has_read = threading.Event()
    update_done = threading.Event()
    real_record = annotation_services._record

    def slow_record(annotation: Annotation, **kwargs: Any) -> None:
        if kwargs["action"] == AnnotationChange.Action.DELETE:
            delete_has_read.set()
            update_done.wait(timeout=2)
        real_record(annotation, **kwargs)

    monkeypatch.setattr(annotation_services, "_record", slow_record)
    moved = box_geometry(50, 40, 90, 70)

    def delete() -> None:
        annotation_delete(user=users[0], annotation=_fresh(pk), version=1)

    def update() -> Annotation:
        assert delete_has_read.wait(timeout=10)
        try:
            return annotation_update(
                user=users[1], annotation=_fresh(pk), version=1, geometry=moved
            )
        finally:
            update_done.set()

    (delete_kind, delete_value), (update_kind, update_value) = _in_threads(delete, update)

    # Serialised either way, but never both: the delete held the row, so it wins.
    assert delete_kind == "ok", repr(delete_value)
    assert update_kind == "error" and isinstance(update_value, NotFound), repr(update_value)
    assert not Annotation.objects.filter(pk=pk).exists()
    actions = list(
        AnnotationChange.objects.filter(annotation_ref=pk)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "delete"]
