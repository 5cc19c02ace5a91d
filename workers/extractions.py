"""Extraction: imagery of a bbox and dates from a tile service, ingested into an event.

``extraction_start`` (called by the API) checks the request against the source, in the
request, and queues an ``extract`` job; ``extract`` (the job) has the source fetch one
file per date into a temporary folder and ingests each (workers/ingest.py) with its
provenance and date. NASA GIBS (workers/sources/gibs.py, ``extraction_start``) and Sentinel
Hub's Process API (workers/sources/sentinelhub.py, ``sentinelhub_extraction_start``).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import User

from events.errors import DomainError, InvalidInput
from events.models import Event, Image
from events.rules import Action, require
from workers.errors import DuplicateImage, JobError
from workers.ingest import ingest_file
from workers.models import Job
from workers.registry import Progress
from workers.services import job_start
from workers.sources import source as source_module

EXTRACTION_SOURCES = ("gibs", "sentinelhub")


def extraction_start(
    *,
    user: User,
    event: Event,
    source: str,
    layer: str,
    bbox: Sequence[float],
    dates: Sequence[dt.date],
    resolution: str | None = None,
    km_per_pixel: float | None = None,
) -> Job:
    """Check an extraction and queue its ``extract`` job (managers and owners).

    Raises InvalidInput naming the field for a source that cannot extract yet and for
    whatever the source refuses (``gibs.plan``); SourceUnavailable when the service fails.
    """
    require(user, event.team_id, Action.MANAGE, what="Event")
    if source not in EXTRACTION_SOURCES or source == "sentinelhub":
        raise InvalidInput(
            f"Extraction from {source!r} is not available yet; available: "
            f"{', '.join(EXTRACTION_SOURCES)}.",
            fields={"source": [f"Extraction from {source!r} is not available yet."]},
        )
    planned = source_module(source).plan(
        layer=layer, bbox=bbox, dates=dates, resolution=resolution, km_per_pixel=km_per_pixel
    )
    request = {"resolution": resolution, "km_per_pixel": km_per_pixel}
    return job_start(
        kind="extract",
        owner=user,
        params={
            "event_id": event.pk,
            "user_id": user.pk,
            "source": source,
            "params": {**planned, "request": {k: v for k, v in request.items() if v is not None}},
        },
        event=event,
    )


def sentinelhub_extraction_start(
    *,
    user: User,
    event: Event,
    collection: str,
    bbox: Sequence[float],
    start_date: dt.date,
    end_date: dt.date,
    max_cloud: float,
    resolution: int,
    acquisitions: Sequence[str] | None = None,
    scl: bool = False,
) -> Job:
    """Check a Sentinel Hub download and queue its ``extract`` job (managers and owners).

    MissingCredentials (400) when the team has saved none; InvalidInput naming the field
    for what ``sentinelhub.plan`` refuses. Nothing is fetched here: the job searches the
    acquisitions again and downloads them.
    """
    from events.services.credentials import sentinelhub_credential_for_team
    from workers.sources import sentinelhub

    require(user, event.team_id, Action.MANAGE, what="Event")
    sentinelhub_credential_for_team(event.team_id)
    planned = sentinelhub.plan(
        collection=collection,
        bbox=bbox,
        start_date=start_date,
        end_date=end_date,
        max_cloud=max_cloud,
        resolution=resolution,
        acquisitions=acquisitions,
        scl=scl,
    )
    request = {
        key: planned[key]
        for key in (
            "collection",
            "bbox",
            "start_date",
            "end_date",
            "max_cloud",
            "resolution",
            "acquisitions",
            "scl",
        )
    }
    return job_start(
        kind="extract",
        owner=user,
        params={
            "event_id": event.pk,
            "user_id": user.pk,
            "source": "sentinelhub",
            "params": {**planned, "team_id": event.team_id, "request": request},
        },
        event=event,
    )


def _acquired_at(item: dict[str, Any]) -> dt.datetime | None:
    if item.get("acquired_at"):
        return dt.datetime.fromisoformat(item["acquired_at"])
    if item["date"]:
        return dt.datetime.combine(dt.date.fromisoformat(item["date"]), dt.time(), tzinfo=dt.UTC)
    return None


def _failure(item: dict[str, Any], error: str) -> dict[str, Any]:
    failure = {"date": item["date"], "error": error}
    if "acquisition" in item:
        failure["acquisition"] = item["acquisition"]
    return failure


def extract(
    *, event_id: int, user_id: int, source: str, params: dict[str, Any], progress: Progress
) -> dict[str, Any]:
    """The ``extract`` job: fetch (first half of the progress), then ingest each image.

    Each image gets ``source`` as its source, provenance {source, layer, bbox, date, tile
    matrix set and matrix, request parameters, ...} and ``acquired_at`` its date (midnight
    UTC, or the item's ``acquired_at``; ``cloud_cover`` when the item has one). The result
    lists the ``images`` created, the ``duplicates`` (bytes already in the
    event: reported, not failures) and the dates ``failed`` with their error; the job fails
    only when no date gave an image or a duplicate, with the messages of every date.
    The temporary files are removed in every outcome.
    """
    event = Event.objects.get(pk=event_id)
    user = User.objects.get(pk=user_id)
    module = source_module(source)
    created: list[int] = []
    duplicates: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="labeler-extract-") as out_dir:

        def fetching(fraction: float, message: str = "") -> None:
            progress(fraction / 2, message)

        items = module.fetch({**params, "out_dir": out_dir}, progress=fetching)
        files = [item for item in items if "error" not in item]
        failed.extend(_failure(item, item["error"]) for item in items if "error" in item)
        for index, item in enumerate(files):

            def step(fraction: float, message: str = "", index: int = index) -> None:
                progress(
                    0.5 + (index + fraction) / len(files) / 2,
                    f"{message} (image {index + 1} of {len(files)})",
                )

            provenance = {**item["provenance"], "request": params.get("request", {})}
            try:
                image = ingest_file(
                    event=event,
                    path=item["path"],
                    name=item["name"],
                    user=user,
                    source=Image.Source(source),
                    provenance=provenance,
                    acquired_at=_acquired_at(item),
                    cloud_cover=item.get("cloud_cover"),
                    progress=step,
                )
            except DuplicateImage as exc:
                duplicates.append(
                    {
                        "date": item["date"],
                        "name": item["name"],
                        "existing_image": exc.existing_image,
                    }
                )
                continue
            except DomainError as exc:
                failed.append(_failure(item, f"{item['name']}: {exc.detail}"))
                continue
            created.append(image.pk)
    if not created and not duplicates:
        messages = "; ".join(f"{f['date'] or 'no date'}: {f['error']}" for f in failed)
        raise JobError(f"No image could be extracted. {messages or 'Nothing was fetched.'}")
    return {"images": created, "duplicates": duplicates, "failed": failed}
