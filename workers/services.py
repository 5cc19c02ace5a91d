"""Writes of the job system: start a job, run it and record what happened on its row.

``job_start`` is called by the faces (api/, frontend/); ``job_run`` by the thin Celery task
(workers/tasks.py) and directly by tests. The job's own work is a plain function from the
registry (workers/registry.py) that reports through a ``progress(fraction, message)``
callback.
"""

from __future__ import annotations

import json
import logging
import math
import time
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from events.errors import InvalidInput
from events.models import Event, Team
from workers.errors import JobNotFound
from workers.models import Job
from workers.registry import Progress, job_function

logger = logging.getLogger(__name__)

# A job reporting per item must not turn into one UPDATE per item: progress is written when
# this many seconds passed since the last write, or when it moved by PROGRESS_MIN_STEP (a
# job of few big steps shows each of them, even the one before a long wait), or on reaching
# 1. That is at most 1/PROGRESS_MIN_STEP + 5 writes a second.
PROGRESS_MIN_INTERVAL = 0.2
PROGRESS_MIN_STEP = 0.05

_MESSAGE_MAX = Job._meta.get_field("message").max_length or 500
_ERROR_MAX = 4000


def job_start(
    *,
    kind: str,
    owner: User | None,
    params: dict[str, Any],
    team: Team | None = None,
    event: Event | None = None,
) -> Job:
    """Create a queued ``Job`` and enqueue its task once the transaction commits.

    ``team`` defaults to the event's team; a job with no team is visible to its owner only.
    Raises UnknownJobKind for an unregistered kind and InvalidInput for parameters that are
    not a JSON object or an event outside ``team``.
    """
    job_function(kind)  # an unknown kind fails here, in the request, not later in a worker
    if not isinstance(params, dict):
        raise InvalidInput(
            "Job parameters must be a JSON object.", fields={"params": ["Not an object."]}
        )
    try:
        json.dumps(params, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            f"Job parameters are not JSON-able: {exc}", fields={"params": [str(exc)]}
        ) from None
    if event is not None:
        if team is None:
            team = event.team
        elif event.team_id != team.pk:
            raise InvalidInput("The event does not belong to the job's team.")

    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            owner_id=owner.pk if owner is not None else None,
            params=params,
            team=team,
            event=event,
        )
        # The worker must find the row: send the message only once it is committed.
        transaction.on_commit(lambda: _send(job.pk))
    return job


def _send(job_id: int) -> None:
    """Send the job's task; if the broker refuses, the row says so instead of staying queued."""
    from workers.tasks import run_job  # tasks import this module

    try:
        run_job.delay(job_id)
    except Exception as exc:
        logger.exception("Could not send job %s to the broker", job_id)
        Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
            status=Job.Status.FAILED,
            error=_error_text(exc, prefix="Could not queue the job: "),
            finished_at=timezone.now(),
        )
        raise


def _progress_writer(job_id: int) -> Progress:
    """A ``progress(fraction, message)`` callback writing to the job row, throttled.

    ``fraction`` is clamped to 0..1 (NaN counts as 0); ``message`` is cut to the column.
    """
    last_time = -math.inf
    last_fraction = 0.0

    def progress(fraction: float, message: str = "") -> None:
        nonlocal last_time, last_fraction
        fraction = 0.0 if math.isnan(fraction) else min(max(float(fraction), 0.0), 1.0)
        now = time.monotonic()
        if (
            fraction < 1.0
            and now - last_time < PROGRESS_MIN_INTERVAL
            and abs(fraction - last_fraction) < PROGRESS_MIN_STEP
        ):
            return
        last_time, last_fraction = now, fraction
        Job.objects.filter(pk=job_id).update(progress=fraction, message=message[:_MESSAGE_MAX])

    return progress


def _error_text(exc: BaseException, *, prefix: str = "") -> str:
    """``prefix`` + "ExceptionType: text", cut to a size fit for a UI."""
    text = prefix + (f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
    return text if len(text) <= _ERROR_MAX else text[: _ERROR_MAX - 1] + "…"


def job_run(*, job_id: int) -> Job:
    """Run a job's function and record progress, result or error on its row.

    Marks the job running, calls its registered function with the job's params and a
    throttled ``progress`` callback (clamped to 0..1), then stores the result with status
    succeeded. On any exception the row gets status failed and ``error`` naming the
    exception type and text (the traceback goes to the log), and the exception is raised
    again. A job that already finished (a message delivered twice) is left as it is.
    Raises JobNotFound when the row is gone (deleted with its event or team).
    """
    started = Job.objects.filter(
        pk=job_id, status__in=[Job.Status.QUEUED, Job.Status.RUNNING]
    ).update(
        status=Job.Status.RUNNING,
        started_at=timezone.now(),
        progress=0.0,
        message="Started",
        error="",
    )
    if not started:
        job = Job.objects.filter(pk=job_id).first()
        if job is None:
            raise JobNotFound(f"Job {job_id} does not exist (deleted before it ran?).")
        logger.warning("Job %s already %s; not running it again.", job_id, job.status)
        return job

    job = Job.objects.get(pk=job_id)
    try:
        fn = job_function(job.kind)
        result = fn(progress=_progress_writer(job_id), **job.params)
        json.dumps(result, allow_nan=False)  # a result that cannot be stored fails the job
        Job.objects.filter(pk=job_id).update(
            status=Job.Status.SUCCEEDED,
            progress=1.0,
            message="Done",
            result=result,
            finished_at=timezone.now(),
        )
    except Exception as exc:
        logger.exception("Job %s (%s) failed", job_id, job.kind)
        Job.objects.filter(pk=job_id).update(
            status=Job.Status.FAILED,
            error=_error_text(exc),
            message="Failed",
            finished_at=timezone.now(),
        )
        raise
    job.refresh_from_db()
    return job
