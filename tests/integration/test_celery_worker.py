"""Jobs run end to end: API -> Redis -> a real Celery worker -> the Job row -> the API."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from django.db import connection
from rest_framework.test import APIClient

from events.models import Annotation, Image, ImageTag, LabelClass, MapShape, Membership, Role
from tests.celery_worker import Worker
from tests.factories import (
    EventFactory,
    LabelClassFactory,
    MapShapeFactory,
    TeamFactory,
    UserFactory,
)
from workers.models import Job
from workers.services import job_start

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

IMAGES = 2000
JOB_TIMEOUT = 60.0
BOX = {"type": "Polygon", "coordinates": [[[1, 1], [9, 1], [9, 9], [1, 9], [1, 1]]]}


def _client(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def _poll(
    client: APIClient, url: str, worker: Worker, until: Callable[[dict[str, Any]], bool]
) -> list[dict[str, Any]]:
    """GET ``url`` until ``until(body)``; every body seen, in order."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + JOB_TIMEOUT
    while True:
        response = client.get(url)
        assert response.status_code == 200, response.json()
        seen.append(response.json())
        if until(seen[-1]):
            return seen
        if worker.process.poll() is not None:
            pytest.fail(f"The worker died:\n{worker.log_text()}")
        if time.monotonic() > deadline:
            pytest.fail(
                f"Job still {seen[-1]['status']} after {JOB_TIMEOUT} s:\n{worker.log_text()}"
            )
        time.sleep(0.02)


def _big_event(team) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """2000 images with annotations, tags and map shapes following simple rules of ``i``."""
    event = EventFactory(team=team, name="Big flood")
    flooded = LabelClassFactory(event=event, name="flooded", order=0)
    smoke = LabelClassFactory(event=event, name="smoke", order=1)
    cloudy = LabelClassFactory(event=event, name="cloudy", kind=LabelClass.Kind.TAG, order=2)

    def status(i: int) -> str:
        return {0: Image.Status.PROCESSING, 1: Image.Status.FAILED}.get(i % 10, Image.Status.READY)

    images = Image.objects.bulk_create(
        Image(
            event=event,
            name=f"tile-{i:04d}.tif",
            width=64,
            height=64,
            status=status(i),
            source=Image.Source.GIBS if i % 2 == 0 else Image.Source.SENTINELHUB,
        )
        for i in range(IMAGES)
    )
    annotations = []
    tags = []
    for i, image in enumerate(images):
        if i % 10 == 3:  # 200 images with one box of "flooded"
            annotations.append(
                Annotation(image=image, label_class=flooded, kind="bbox", geometry=BOX)
            )
        if i % 25 == 0:  # 80 other images with two polygons of "smoke"
            annotations += [
                Annotation(image=image, label_class=smoke, kind="polygon", geometry=BOX)
                for _ in range(2)
            ]
        if i % 5 == 4:  # 400 images tagged "cloudy": 200 positive (i % 10 == 4), 200 negative
            state = ImageTag.State.POSITIVE if i % 10 == 4 else ImageTag.State.NEGATIVE
            tags.append(ImageTag(image=image, label_class=cloudy, state=state))
    Annotation.objects.bulk_create(annotations)
    ImageTag.objects.bulk_create(tags)
    MapShapeFactory(event=event, label_class=flooded)
    MapShapeFactory(event=event, label_class=flooded)
    MapShapeFactory(event=event, label_class=None)
    return {"event": event, "flooded": flooded, "smoke": smoke, "cloudy": cloudy}


def _kinds(**counts: int) -> dict[str, int]:
    return {"bbox": 0, "polygon": 0, "polyline": 0, "point": 0, "mask": 0} | counts


def _other_connection() -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
    )


def test_a_summary_job_runs_to_completion_with_progress_visible_through_the_api(worker) -> None:  # type: ignore[no-untyped-def]
    team = TeamFactory()
    owner, colleague = UserFactory(), UserFactory()
    Membership.objects.create(team=team, user=owner, role=Role.ANNOTATOR)
    Membership.objects.create(team=team, user=colleague, role=Role.VIEWER)
    built = _big_event(team)
    event = built["event"]

    # Hold the job part-way: the summary counts map shapes after all the image chunks, so
    # while another connection holds this lock the worker has reported chunk progress and
    # waits. What the API shows then is progress written by the worker mid-job, whatever
    # the speed of the machine.
    hold = _other_connection()
    try:
        hold.execute(f'LOCK TABLE "{MapShape._meta.db_table}" IN ACCESS EXCLUSIVE MODE')

        started = _client(owner).post(f"/api/v1/events/{event.pk}/summary/")
        assert started.status_code == 202, started.json()
        url = started["Location"]
        assert started.json()["status"] == "queued"

        during = _poll(
            _client(colleague),
            url,
            worker,
            until=lambda job: (
                (job["status"] == "running" and 0 < job["progress"] < 1)
                or job["status"] in ("succeeded", "failed")
            ),
        )
    finally:
        hold.rollback()
        hold.close()
    after = _poll(_client(colleague), url, worker, until=lambda job: job["status"] != "running")

    seen = during + after
    progress = [job["progress"] for job in seen]
    intermediate = [p for p in progress if 0 < p < 1]
    assert intermediate, f"no intermediate progress in {progress}"
    assert progress == sorted(progress), f"progress went backwards: {progress}"
    assert any(job["message"].startswith("Counted ") for job in seen if 0 < job["progress"] < 1)

    job = seen[-1]
    assert job["status"] == "succeeded", f"{job['error']}\n{worker.log_text()}"
    assert job["progress"] == 1.0
    assert job["error"] == ""
    assert job["started_at"] and job["finished_at"]
    result = job["result"]
    assert result["images"] == {
        "total": 2000,
        "annotated": 280,
        "unannotated": 1720,
        "by_status": {"processing": 200, "ready": 1600, "failed": 200},
        "by_source": {"upload": 0, "geotiff": 0, "gibs": 1000, "sentinelhub": 1000},
    }
    assert result["annotations"] == {"total": 360, "by_kind": _kinds(bbox=200, polygon=160)}
    assert result["image_tags"] == {"total": 400, "by_state": {"positive": 200, "negative": 200}}
    assert result["map_shapes"] == {"total": 3, "unclassified": 1}
    per_class = {c["name"]: c for c in result["label_classes"]}
    assert per_class["flooded"]["annotations"]["total"] == 200
    assert per_class["flooded"]["map_shapes"] == 2
    assert per_class["smoke"]["annotations"]["by_kind"] == _kinds(polygon=160)
    assert per_class["cloudy"]["image_tags"]["total"] == 400

    row = Job.objects.get(pk=job["id"])
    assert (row.status, row.progress, row.result) == (Job.Status.SUCCEEDED, 1.0, result)
    assert "Task workers.tasks.run_job[" in worker.log_text()


def test_a_failing_job_is_recorded_and_shown_through_the_api(worker) -> None:  # type: ignore[no-untyped-def]
    team = TeamFactory()
    owner = UserFactory()
    Membership.objects.create(team=team, user=owner, role=Role.MANAGER)
    gone = EventFactory(team=team)
    gone_id = gone.pk
    gone.delete()
    # A job whose event was deleted after it was started (a job row with no event link, as
    # an event's own jobs go with it).
    job = job_start(kind="event_summary", owner=owner, params={"event_id": gone_id}, team=team)

    seen = _poll(
        _client(owner),
        f"/api/v1/jobs/{job.pk}/",
        worker,
        until=lambda body: body["status"] in ("succeeded", "failed"),
    )

    body = seen[-1]
    assert body["status"] == "failed", body
    assert body["error"] == (
        f"JobInputError: Event {gone_id} does not exist (deleted after the job started?)."
    )
    assert body["result"] is None
    assert body["finished_at"] is not None
    assert "Traceback" not in body["error"]
    # The full traceback is in the worker's log.
    assert "Traceback" in worker.log_text()
    assert worker.process.poll() is None, "the worker survives a failing job"
