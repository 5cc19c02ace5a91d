"""Label import: COCO JSON or GeoJSON onto an event's existing images.

``import_labels_start`` (called by the API) checks the file in the request, stages it and
queues the ``import_labels`` job; ``import_labels`` (the job) matches the file's images and
classes, and creates each annotation through ``events.services.annotations`` (validation
and history apply, ``source`` "imported", the importing user as author).

- Classes are matched by name, ignoring case, among the event's object classes. Unknown
  names are reported, never created: a typo in a file must not add classes to an event.
- ``mode`` "keep" adds to what the images have; "replace" first deletes (with history) the
  annotations of each image that receives at least one imported annotation, and only of
  those images.
- The whole import is one transaction: an unexpected failure leaves the event as it was.
  Candidates refused for a reason (no such image or class, invalid geometry, outside the
  image) are skipped and reported; the import fails (ImportRejected) only when the file
  is not what it claims to be, or when it has annotations and none matched any image.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from typing import Any

import orjson
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from events.errors import DomainError, GeometryError
from events.models import Annotation, Event, Image, LabelClass
from events.rules import Action, require
from events.services.annotations import annotation_create, annotation_delete
from workers.errors import ImportRejected, JobInputError
from workers.imports import coco, geojson
from workers.imports.base import (
    INVALID_GEOMETRY,
    OUTSIDE_IMAGE,
    REASONS,
    UNKNOWN_CLASS,
    UNKNOWN_IMAGE,
    Candidate,
    ImageIndex,
    Problem,
)
from workers.models import Job
from workers.registry import Progress
from workers.services import job_start

FORMATS = ("coco", "geojson")
MODES = ("keep", "replace")
#: Label files are parsed whole in memory: refuse ones that would not fit comfortably.
MAX_BYTES = 256 * 1024 * 1024
#: Entries kept per reason in the report (the counts are always complete).
REPORT_CAP = 50


def _noop(fraction: float, message: str = "") -> None:
    pass


def parse(
    *, data: bytes, format: str, mode: str, crs: str | None = None
) -> tuple[dict[str, Any], Any]:
    """The parsed document and, for GeoJSON, its features and CRS; raises ImportRejected
    naming the problem: an unknown format or mode, not JSON, not the format it claims."""
    if format not in FORMATS:
        raise ImportRejected(f"Unknown label format {format!r}; known: {', '.join(FORMATS)}.")
    if mode not in MODES:
        raise ImportRejected(f"Unknown import mode {mode!r}; use keep or replace.")
    if crs is not None and format != "geojson":
        raise ImportRejected("A CRS applies to GeoJSON only; COCO coordinates are pixels.")
    if len(data) > MAX_BYTES:
        raise ImportRejected(f"The label file is over {MAX_BYTES // 2**20} MB.")
    if not data.strip():
        raise ImportRejected("The label file is empty.")
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ImportRejected(f"The label file is not JSON: {exc}.") from None
    if format == "coco":
        coco.check(doc)
        return doc, None
    return doc, (geojson.check(doc), geojson.source_crs(doc, crs))


def import_labels_start(
    *,
    user: User,
    event: Event,
    data: bytes,
    format: str,
    mode: str = "keep",
    crs: str | None = None,
    repair: bool = False,
) -> Job:
    """Check a label file (annotators and above) and queue its ``import_labels`` job.

    Refusals (ImportRejected: unknown format or mode, not JSON, not COCO/GeoJSON, bad CRS)
    raise here, before anything is staged. The file is staged in storage under
    ``staging/<hex>/labels.json``; the job deletes it.
    """
    require(user, event.team_id, Action.ANNOTATE, what="Event")
    parse(data=data, format=format, mode=mode, crs=crs)
    staging = f"staging/{uuid.uuid4().hex}"
    stored = default_storage.save(f"{staging}/labels.json", ContentFile(data))
    try:
        return job_start(
            kind="import_labels",
            owner=user,
            params={
                "event_id": event.pk,
                "user_id": user.pk,
                "staged": stored,
                "format": format,
                "mode": mode,
                "crs": crs,
                "repair": repair,
            },
            event=event,
        )
    except BaseException:
        _unstage(stored)
        raise


def _unstage(stored: str) -> None:
    from workers.sources.upload import staging_delete

    staging_delete(stored.rsplit("/", 1)[0])


def import_labels(
    *,
    event_id: int,
    user_id: int | None,
    data: bytes | None = None,
    staged: str | None = None,
    format: str,
    mode: str = "keep",
    crs: str | None = None,
    repair: bool = False,
    progress: Progress = _noop,
) -> dict[str, Any]:
    """Job ``import_labels``: import a COCO or GeoJSON label file onto the event's images.

    The file is ``data`` (bytes) or ``staged`` (a storage path written by
    ``import_labels_start``, deleted in every outcome). ``user_id`` is the author of the
    annotations and must be allowed to annotate in the event (a user is required: the
    annotation service checks who writes). ``repair`` repairs self-intersecting polygons
    (shapely ``make_valid``) instead of refusing them.

    Returns the report (see ``_report``). Raises ImportRejected for a file that is not what
    ``format`` says, or whose annotations match no image of the event.
    """
    try:
        if staged is not None:
            with default_storage.open(staged, "rb") as f:
                data = f.read()
        if data is None:
            raise JobInputError("A label import needs the file: data or staged.")
        event = Event.objects.select_related("team").filter(pk=event_id).first()
        user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
        if event is None or user is None:
            what = "Event" if event is None else "User"
            raise JobInputError(f"{what} of the label import does not exist (deleted meanwhile?).")
        require(user, event.team_id, Action.ANNOTATE, what="Event")
        doc, extra = parse(data=data, format=format, mode=mode, crs=crs)
        progress(0.05, "Matching images")
        images = ImageIndex(
            list(
                Image.objects.filter(event=event, status=Image.Status.READY).select_related("event")
            )
        )
        if format == "coco":
            found = list(coco.candidates(doc, event=event, images=images))
        else:
            features, source_crs = extra
            found = list(geojson.candidates(features, images=images, crs=source_crs, repair=repair))
        return _create(
            found, event=event, user=user, mode=mode, repair=repair, progress=progress
        ) | {"format": format, "mode": mode}
    finally:
        if staged is not None:
            _unstage(staged)


def _classes(event: Event) -> tuple[dict[str, LabelClass], dict[str, str]]:
    objects: dict[str, LabelClass] = {}
    others: dict[str, str] = {}
    for label in LabelClass.objects.filter(event=event):
        if label.kind == LabelClass.Kind.OBJECT:
            objects[label.name.lower()] = label
        else:
            others[label.name.lower()] = label.kind
    return objects, others


def _number(value: Any) -> float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _create(
    found: list[Candidate],
    *,
    event: Event,
    user: User,
    mode: str,
    repair: bool,
    progress: Progress,
) -> dict[str, Any]:
    objects, others = _classes(event)
    problems: list[tuple[Candidate, Problem]] = []
    by_image: dict[int, list[tuple[Candidate, LabelClass]]] = defaultdict(list)
    for candidate in found:
        if candidate.problem is None:
            name = str(candidate.class_name or "")
            label = objects.get(name.lower())
            if label is None:
                detail = (
                    f"{name!r} is a {others[name.lower()]} class, not an object class."
                    if name.lower() in others
                    else f"No object class named {name!r} in the event."
                )
                candidate.problem = Problem(UNKNOWN_CLASS, detail)
            else:
                assert candidate.image is not None
                by_image[candidate.image.pk].append((candidate, label))
        if candidate.problem is not None:
            problems.append((candidate, candidate.problem))

    if found and not by_image and all(p.reason == UNKNOWN_IMAGE for _, p in problems):
        examples = "; ".join(p.message for _, p in problems[:3])
        raise ImportRejected(f"No annotation of the file matches an image of the event: {examples}")

    created: Counter[int] = Counter()
    deleted = 0
    total = sum(len(items) for items in by_image.values()) or 1
    done = 0
    with transaction.atomic():
        for image_id, items in by_image.items():
            existing = list(Annotation.objects.filter(image_id=image_id).order_by("id"))
            for candidate, label in items:
                assert candidate.image is not None
                try:
                    annotation_create(
                        user=user,
                        image=candidate.image,
                        label_class=label,
                        kind=str(candidate.kind),
                        geometry=candidate.geometry,
                        mask=candidate.mask,
                        attributes=candidate.attributes,
                        source=Annotation.Source.IMPORTED,
                        confidence=_number(candidate.confidence),
                        difficulty=candidate.difficulty
                        if isinstance(candidate.difficulty, int)
                        else None,
                        repair=repair,
                    )
                    created[image_id] += 1
                except GeometryError as exc:
                    reason = (
                        OUTSIDE_IMAGE if "outside the image" in exc.detail else INVALID_GEOMETRY
                    )
                    problems.append((candidate, Problem(reason, exc.detail)))
                except DomainError as exc:
                    problems.append((candidate, Problem(INVALID_GEOMETRY, exc.detail)))
                done += 1
                progress(0.1 + 0.85 * done / total, f"Imported {done} of {total}")
            if mode == "replace" and created[image_id]:
                for annotation in existing:
                    annotation_delete(user=user, annotation=annotation)
                    deleted += 1
    return _report(created, deleted, problems)


def _report(
    created: Counter[int], deleted: int, problems: list[tuple[Candidate, Problem]]
) -> dict[str, Any]:
    """The import's result, JSON-able::

        {"created": 12, "deleted": 3, "skipped": 2,
         "images": {"<image id>": annotations created, ...},
         "skipped_by_reason": {"unknown_class": 1, "outside_image": 1},
         "problems": {"unknown_class": [{"item": "annotation 7", "image": 4 | None,
                                         "message": "No object class named 'x'..."}], ...},
         "unknown_classes": ["x"], "truncated": false}

    ``problems`` keeps at most REPORT_CAP entries per reason (``truncated`` says so); the
    counts are complete.
    """
    by_reason: dict[str, list[dict[str, Any]]] = {}
    counts: Counter[str] = Counter()
    unknown_classes: set[str] = set()
    for candidate, problem in problems:
        counts[problem.reason] += 1
        if problem.reason == UNKNOWN_CLASS and candidate.class_name is not None:
            unknown_classes.add(str(candidate.class_name))
        entries = by_reason.setdefault(problem.reason, [])
        if len(entries) < REPORT_CAP:
            entries.append(
                {
                    "item": candidate.ref,
                    "image": candidate.image.pk if candidate.image is not None else None,
                    "message": problem.message,
                }
            )
    return {
        "created": sum(created.values()),
        "deleted": deleted,
        "skipped": len(problems),
        "images": {str(k): v for k, v in sorted(created.items()) if v},
        "skipped_by_reason": {r: counts[r] for r in REASONS if counts[r]},
        "problems": {r: by_reason[r] for r in REASONS if r in by_reason},
        "unknown_classes": sorted(unknown_classes),
        "truncated": any(n > REPORT_CAP for n in counts.values()),
    }
