"""The job system without Celery: job_start, job_run and the progress callback.

Test-only job kinds are registered for one test at a time with ``monkeypatch``; the
production registry holds real kinds only.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import pytest

from events.errors import InvalidInput
from tests.factories import EventFactory, TeamFactory, UserFactory
from tests.workers.broker import queue_messages
from workers import registry, services
from workers.errors import JobNotFound, UnknownJobKind
from workers.models import Job
from workers.services import job_run, job_start
from workers.tasks import run_job

pytestmark = pytest.mark.django_db


# --- test-only job functions (registered per test) --------------------------------------


def job_answer(*, progress, question: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    progress(0.5, f"thinking about {question}")
    return {"question": question, "answer": 42}


def job_broken(*, progress) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    progress(0.25, "about to break")
    raise ValueError("band 4 is missing from scene-7.tif")


def job_probe(*, progress, job_id: int, calls: list[float | str]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Calls progress with each of ``calls`` and returns what the row held after each.

    ``calls`` may hold "nan" (JSON has no NaN).
    """
    seen = []
    for fraction in calls:
        progress(float(fraction), f"at {fraction}")
        seen.append(list(Job.objects.filter(pk=job_id).values_list("progress", "message")[0]))
    return {"seen": seen}


def job_unserializable(*, progress) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {"when": object()}


@pytest.fixture
def kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("job_answer", "job_broken", "job_probe", "job_unserializable"):
        monkeypatch.setitem(registry.JOB_KINDS, name, f"{__name__}.{name}")


@pytest.fixture
def owner():  # type: ignore[no-untyped-def]
    return UserFactory()


# --- registry -----------------------------------------------------------------------------


def test_every_registered_kind_resolves_to_a_function() -> None:
    for kind in registry.JOB_KINDS:
        assert callable(registry.job_function(kind))


def test_an_unknown_kind_is_a_clear_error() -> None:
    with pytest.raises(
        UnknownJobKind, match=r"Unknown job kind 'nope'; known kinds: .*event_summary"
    ):
        registry.job_function("nope")


# --- job_run --------------------------------------------------------------------------------


def test_job_run_records_the_result_progress_1_and_the_times(kinds, owner) -> None:  # type: ignore[no-untyped-def]
    job = Job.objects.create(kind="job_answer", owner=owner, params={"question": "life"})

    returned = job_run(job_id=job.pk)

    job.refresh_from_db()
    assert returned == job
    assert job.status == Job.Status.SUCCEEDED
    assert job.result == {"question": "life", "answer": 42}
    assert job.progress == 1.0
    assert job.error == ""
    assert job.started_at is not None and job.finished_at is not None
    assert job.created_at <= job.started_at <= job.finished_at


def test_job_run_records_a_failure_and_raises_it_again(kinds, owner, caplog) -> None:  # type: ignore[no-untyped-def]
    job = Job.objects.create(kind="job_broken", owner=owner)

    with (
        caplog.at_level(logging.ERROR, logger="workers.services"),
        pytest.raises(ValueError, match="band 4 is missing"),
    ):
        job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error == "ValueError: band 4 is missing from scene-7.tif"
    assert job.result is None
    assert job.progress == 0.25  # where it stopped
    assert job.finished_at is not None and job.started_at <= job.finished_at
    # The traceback goes to the log, not into the row.
    assert "Traceback" not in job.error
    assert any(
        record.exc_info and f"Job {job.pk}" in record.getMessage() for record in caplog.records
    )


def test_job_run_fails_a_job_whose_params_do_not_fit_its_function(kinds, owner) -> None:  # type: ignore[no-untyped-def]
    job = Job.objects.create(kind="job_answer", owner=owner, params={"questoin": "typo"})

    with pytest.raises(TypeError):
        job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error.startswith("TypeError: ")
    assert "questoin" in job.error


def test_job_run_fails_a_job_whose_result_is_not_json(kinds, owner) -> None:  # type: ignore[no-untyped-def]
    job = Job.objects.create(kind="job_unserializable", owner=owner)

    with pytest.raises(TypeError):
        job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "not JSON serializable" in job.error
    assert job.result is None


def test_job_run_fails_a_job_of_an_unknown_kind(owner) -> None:  # type: ignore[no-untyped-def]
    job = Job.objects.create(kind="retired_kind", owner=owner)

    with pytest.raises(UnknownJobKind):
        job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error.startswith("UnknownJobKind: Unknown job kind 'retired_kind'")


def test_job_run_of_a_missing_job_raises_job_not_found() -> None:
    with pytest.raises(JobNotFound, match="Job 987654 does not exist"):
        job_run(job_id=987654)


@pytest.mark.parametrize("status", [Job.Status.SUCCEEDED, Job.Status.FAILED])
def test_job_run_leaves_a_finished_job_alone(kinds, owner, status) -> None:  # type: ignore[no-untyped-def]
    # A message delivered twice must not run the work twice.
    job = Job.objects.create(
        kind="job_broken", owner=owner, status=status, progress=1.0, result={"kept": True}
    )

    returned = job_run(job_id=job.pk)

    job.refresh_from_db()
    assert returned.status == job.status == status
    assert job.result == {"kept": True}
    assert job.started_at is None


# --- the progress callback ------------------------------------------------------------------


def _run_probe(owner, calls: list[float | str]) -> list[list[Any]]:  # type: ignore[no-untyped-def]
    job = Job.objects.create(kind="job_probe", owner=owner)
    job.params = {"job_id": job.pk, "calls": calls}
    job.save(update_fields=["params"])
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    return job.result["seen"]


def test_progress_is_written_to_the_row_while_the_job_runs(kinds, owner, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(services, "PROGRESS_MIN_INTERVAL", 0)

    seen = _run_probe(owner, [0.1, 0.5, 0.75])

    assert seen == [[0.1, "at 0.1"], [0.5, "at 0.5"], [0.75, "at 0.75"]]


def test_progress_is_clamped_to_0_1(kinds, owner, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(services, "PROGRESS_MIN_INTERVAL", 0)

    seen = _run_probe(owner, [-0.5, 1.7, "nan"])

    assert [fraction for fraction, _ in seen] == [0.0, 1.0, 0.0]


def test_progress_writes_are_throttled_to_big_steps_and_reaching_1(
    kinds, owner, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(services, "PROGRESS_MIN_INTERVAL", 60)
    monkeypatch.setattr(services, "PROGRESS_MIN_STEP", 0.05)

    seen = _run_probe(owner, [0.1, 0.11, 0.14, 0.16, 0.17, 1.0])

    # Within the interval only a move of 0.05 or more since the last write is written, and 1.
    assert seen == [
        [0.1, "at 0.1"],
        [0.1, "at 0.1"],
        [0.1, "at 0.1"],
        [0.16, "at 0.16"],
        [0.16, "at 0.16"],
        [1.0, "at 1.0"],
    ]


def test_progress_writes_resume_once_the_interval_has_passed(kinds, owner, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(services, "PROGRESS_MIN_STEP", 1)
    clock = iter([100.0, 100.1, 100.3, 100.4])  # seconds at each report
    monkeypatch.setattr(services, "time", SimpleNamespace(monotonic=lambda: next(clock)))

    seen = _run_probe(owner, [0.1, 0.2, 0.3, 0.4])

    assert [fraction for fraction, _ in seen] == [0.1, 0.1, 0.3, 0.3]


# --- job_start -------------------------------------------------------------------------------


def test_job_start_enqueues_the_task_only_after_commit(
    owner, celery_queue, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    event = EventFactory()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = job_start(
            kind="event_summary", owner=owner, params={"event_id": event.pk}, event=event
        )
    # The test's transaction never commits: the send waits in a callback, not yet sent.
    assert len(callbacks) == 1
    assert queue_messages(celery_queue) == []

    callbacks[0]()  # what the commit does

    messages = queue_messages(celery_queue)
    assert [(m["task"], m["args"]) for m in messages] == [("workers.tasks.run_job", [job.pk])]
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED
    assert job.progress == 0.0
    assert (job.team_id, job.event_id, job.owner_id) == (event.team_id, event.pk, owner.pk)
    assert job.params == {"event_id": event.pk}


def test_job_start_marks_the_job_failed_when_the_broker_refuses_it(
    owner, monkeypatch, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionRefusedError("Error 111 connecting to redis:6379")

    monkeypatch.setattr(run_job, "delay", refuse)

    with (
        pytest.raises(ConnectionRefusedError),
        django_capture_on_commit_callbacks(execute=True),
    ):
        job = job_start(kind="event_summary", owner=owner, params={"event_id": 1})

    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert job.error == (
        "Could not queue the job: ConnectionRefusedError: Error 111 connecting to redis:6379"
    )
    assert job.finished_at is not None


def test_job_start_refuses_an_unknown_kind_before_creating_anything(owner) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UnknownJobKind):
        job_start(kind="nope", owner=owner, params={})
    assert not Job.objects.exists()


def test_job_start_refuses_an_event_of_another_team(owner) -> None:  # type: ignore[no-untyped-def]
    event = EventFactory()
    with pytest.raises(InvalidInput, match="does not belong to the job's team"):
        job_start(
            kind="event_summary",
            owner=owner,
            params={"event_id": event.pk},
            team=TeamFactory(),
            event=event,
        )
    assert not Job.objects.exists()


@pytest.mark.parametrize("params", [{"event_id": object()}, {"threshold": float("nan")}, [1]])
def test_job_start_refuses_params_that_are_not_a_json_object(owner, params) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="JSON"):
        job_start(kind="event_summary", owner=owner, params=params)
    assert not Job.objects.exists()
