"""Dataset versions: start one (in the request), build it (the ``build_dataset`` job).

``dataset_start`` checks formats, filters, split and options, numbers the new version and
queues its job. ``build_dataset`` freezes the labels into the version's snapshot
(workers/exports/snapshot.py) and writes one ZIP per format: the exporter's files, the
image files when asked, README.md, label_schema.json and MANIFEST.sha256; every file's
sha256 goes into the version's manifest. A version that fails keeps its error and no files.
The formats are written while the snapshot is, each following the snapshot file in a
process of its own (threads where the system cannot fork).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import orjson
from django.contrib.auth.models import User
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from events.errors import InvalidInput
from events.models import DatasetVersion, Event
from events.rules import Action, require
from workers import forked
from workers.collector import gc_paused
from workers.exports import EXPORTERS, exporter
from workers.exports.base import (
    ExportWriter,
    FileFlag,
    SharedPasses,
    Snapshot,
    image_path,
    read_snapshot,
)
from workers.exports.chips import chip_options, chip_readme, chipped, write_chip_image
from workers.exports.snapshot import dataset_filters, freeze
from workers.exports.splits import split_settings
from workers.models import Job
from workers.registry import Progress
from workers.services import job_start
from workers.storage import raster_path

logger = logging.getLogger(__name__)

OPTION_KEYS = ("include_images", "chip_size", "chip_overlap", "keep_empty_chips")

# Formats are written in forked processes where the system can fork (see
# ``_freeze_and_write``); tests turn this off to check the threaded way gives the same.
FORK_EXPORTERS = True

T = TypeVar("T")


def _formats(formats: Any) -> list[str]:
    if not isinstance(formats, list) or not formats or not all(isinstance(f, str) for f in formats):
        raise InvalidInput(
            "Choose at least one export format.",
            fields={"formats": [f"A list of: {', '.join(EXPORTERS)}."]},
        )
    unknown = [f for f in formats if f not in EXPORTERS]
    if unknown:
        raise InvalidInput(
            f"Unknown export format(s): {', '.join(unknown)}; known: {', '.join(EXPORTERS)}.",
            fields={"formats": [f"Unknown: {', '.join(unknown)}."]},
        )
    return list(dict.fromkeys(formats))


def _options(options: Mapping[str, Any] | None) -> dict[str, Any]:
    options = dict(options or {})
    unknown = sorted(set(options) - set(OPTION_KEYS))
    if unknown:
        raise InvalidInput(
            f"Unknown option(s): {', '.join(unknown)}; known: {', '.join(OPTION_KEYS)}.",
            fields={"options": [f"Unknown: {', '.join(unknown)}."]},
        )
    include = options.get("include_images", False)
    if not isinstance(include, bool):
        raise InvalidInput(
            "Option include_images must be true or false.", fields={"options": ["include_images"]}
        )
    checked: dict[str, Any] = {"include_images": include}
    checked.update(chip_options(options))
    return checked


def dataset_start(
    *,
    user: User,
    event: Event,
    formats: Sequence[str],
    filters: Mapping[str, Any] | None = None,
    split: Mapping[str, Any] | None = None,
    options: Mapping[str, Any] | None = None,
    name: str = "",
) -> tuple[DatasetVersion, Job]:
    """Check a dataset request, number the new version and queue its build (reviewers and
    above). Raises InvalidInput naming the field for anything it cannot build."""
    require(user, event.team_id, Action.REVIEW, what="Event")
    checked_formats = _formats(formats)
    checked_filters = dataset_filters(event, filters)
    checked_split = split_settings(split)
    checked_options = _options(options)
    with transaction.atomic():
        # Lock the event so two requests at once do not take the same number.
        Event.objects.select_for_update().get(pk=event.pk)
        last = DatasetVersion.objects.filter(event=event).aggregate(n=Max("number"))["n"]
        version = DatasetVersion.objects.create(
            event=event,
            number=(last or 0) + 1,
            name=name,
            formats=checked_formats,
            filters=checked_filters,
            split=checked_split.as_dict(),
            options=checked_options,
            created_by=user,
        )
        job = job_start(
            kind="build_dataset",
            owner=user,
            params={"dataset": version.pk},
            event=event,
        )
        version.job_id = job.pk
        version.save(update_fields=["job_id"])
    return version, job


def _storage_dir(version: DatasetVersion) -> str:
    return f"datasets/{version.event_id}/{version.pk}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _BuiltFile(File):  # type: ignore[type-arg]
    """A file this build wrote and no longer needs: local storage moves it into place
    (Django's FileSystemStorage renames a file that has a ``temporary_file_path``, copying
    only across file systems) instead of copying it; other storages read it."""

    def temporary_file_path(self) -> str:
        return str(self.name)


def _save(local: Path, name: str) -> str:
    """Store the build's file ``local`` as ``name``; ``local`` may be gone afterwards."""
    if default_storage.exists(name):  # a retried build replaces its own partial file
        default_storage.delete(name)
    with open(local, "rb") as f:
        return default_storage.save(name, _BuiltFile(f, name=str(local)))


def label_schema(snapshot: Snapshot) -> dict[str, Any]:
    """The label schema every export carries: classes with their ids and codes."""
    return {
        "event": snapshot.event,
        "version": snapshot.version,
        "classes": [
            {
                "id": c.id,
                "name": c.name,
                "kind": c.kind,
                "color": c.color,
                "value": c.value,
                "coco_category_id": c.id + 1,
                "mask_value": c.id + 1,
            }
            for c in snapshot.classes
        ],
        "annotation_kinds": ["bbox", "polygon", "polyline", "point", "mask"],
        "tag_states": ["positive", "negative"],
        "splits": ["train", "validation", "test"],
        "geometry": {
            "pixel": "x right, y down, origin at the top-left corner of the top-left pixel",
            "geographic": "EPSG:4326 longitude, latitude (RFC 7946)",
        },
    }


def _general_readme(snapshot: Snapshot, version: DatasetVersion, fmt: str) -> str:
    counts = snapshot.counts

    def dumped(value: Any) -> str:
        return orjson.dumps(value).decode()

    lines = [
        f"# {snapshot.event.get('name', 'Event')} — dataset version {version.number} ({fmt})",
        "",
        f"Built by labeler on {snapshot.created_at} from event {snapshot.event.get('id')} "
        f"({snapshot.event.get('phenomenon', '')}). This version is immutable: later label "
        "changes make a new version.",
        "",
        f"- Filters: `{dumped(version.filters)}`",
        f"- Split: `{dumped(version.split)}` (reproducible from the seed)",
        f"- Images per split: `{dumped(counts.get('images', {}))}`",
        f"- Annotations per split and class: `{dumped(counts.get('annotations', {}))}`",
        f"- Tags per split and class: `{dumped(counts.get('tags', {}))}`",
        "- `label_schema.json`: the classes, their stable ids (`id`), COCO category ids and "
        "mask values.",
        "- `MANIFEST.sha256`: the sha256 of every other file (`sha256sum -c MANIFEST.sha256`).",
    ]
    if snapshot.options.get("chip_size"):
        lines.append(chip_readme(snapshot.options))
    elif snapshot.options.get("include_images"):
        lines.append(
            "- `images/<split>/<id>_<name>.tif`: the images as Cloud-Optimized GeoTIFFs "
            "(all bands, CRS and transform)."
        )
    lines.append("")
    lines.append("| id | class | kind | colour |")
    lines.append("|---:|---|---|---|")
    for c in snapshot.classes:
        lines.append(f"| {c.id} | {c.name} | {c.kind} | {c.color} |")
    return "\n".join(lines) + "\n\n"


def _write_format(
    snapshot: Snapshot, version: DatasetVersion, fmt: str, target: Path, processes: int = 1
) -> list[dict[str, Any]]:
    module = exporter(fmt)
    chips = bool(snapshot.options.get("chip_size"))
    with ExportWriter(target) as out:
        if getattr(module, "parallel", False):
            module.export(snapshot, out, processes=processes)
        else:
            module.export(snapshot, out)
        if snapshot.options.get("include_images"):
            for record in snapshot.images():
                if record.file and not out.has(image_path(record)):
                    if chips:  # the chip's window of the stored image, as a GeoTIFF
                        chip = target.with_name(f"{target.stem}-chip.tif")
                        write_chip_image(record, chip)
                        out.write_file(image_path(record), chip)
                        chip.unlink()
                    else:
                        out.write_file(image_path(record), raster_path(record.file))
        out.write_text(
            "README.md", _general_readme(snapshot, version, fmt) + module.readme(snapshot)
        )
        out.write_json("label_schema.json", label_schema(snapshot))
        manifest = "".join(f"{f.sha256}  {f.path}\n" for f in out.files)
        out.write_text("MANIFEST.sha256", manifest)
        return [{"path": f.path, "sha256": f.sha256, "size": f.size} for f in out.files]


def _chipped(snapshot: Snapshot, version: DatasetVersion) -> Snapshot:
    """The snapshot as the version's exporters read it: cut into chips when asked."""
    if version.options.get("chip_size"):
        snapshot = chipped(
            snapshot,
            size=version.options["chip_size"],
            overlap=version.options.get("chip_overlap", 0),
            keep_empty=version.options.get("keep_empty_chips", True),
        )
    return snapshot


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _freeze_and_write(
    version: DatasetVersion,
    folder: Path,
    snapshot_file: Path,
    freeze_labels: Callable[[], dict[str, Any]],
    frozen_then: Callable[[], T],
) -> tuple[dict[str, Any], list[list[dict[str, Any]]], T]:
    """Freeze the labels into ``snapshot_file`` and write every format's ZIP in ``folder``
    meanwhile: (counts, each format's file list, what ``frozen_then`` returned).
    ``frozen_then`` runs once the snapshot is complete, while the formats are still being
    written (e.g. storing the snapshot).

    Each format is written while the snapshot is, following the file as freeze writes it:
    the database's work and the exporters' overlap. Where the system can fork, each format
    is written in a process of its own (workers/forked.py): exporters are Python work, and
    in threads they would take turns on one core while the other waits. Elsewhere they run
    in threads whose first passes share one read of the snapshot (``SharedPasses``).
    """
    formats = list(version.formats)
    forking = forked.AVAILABLE and FORK_EXPORTERS
    # Cores no other format's process is using go to the formats that can use several.
    processes = max(1, _cores() - len(formats) + 1) if forking else 1

    def write(fmt: str, snapshot: Snapshot) -> list[dict[str, Any]]:
        target = folder / f"{fmt}.zip"
        return _write_format(_chipped(snapshot, version), version, fmt, target, processes)

    if forking:
        # Imported here, before the forks: each child inherits the modules, and later
        # builds in this worker process import nothing again.
        geographic = {fmt: exporter(fmt).geographic for fmt in formats}
        frozen = FileFlag(folder / "snapshot.frozen", parent=os.getpid())
        writers = [
            forked.Forked(
                lambda fmt=fmt: write(  # type: ignore[misc]
                    fmt, read_snapshot(snapshot_file, follow=frozen, geo=geographic[fmt])
                ),
                name=f"{fmt} export",
            )
            for fmt in formats
        ]
        try:
            counts = freeze_labels()
            frozen.set()
            then = frozen_then()
        except BaseException:  # nothing they write would be used
            for writer in writers:
                writer.kill()
            raise
        return counts, forked.results(writers), then

    done = threading.Event()
    geo = any(exporter(fmt).geographic for fmt in formats)
    shared = SharedPasses(lambda: read_snapshot(snapshot_file, follow=done, geo=geo), len(formats))

    def in_thread(index: int, fmt: str) -> list[dict[str, Any]]:
        try:
            return write(fmt, shared.snapshot(index))
        finally:
            shared.detach(index)

    with ThreadPoolExecutor(len(formats), thread_name_prefix="export") as pool:
        written = [pool.submit(in_thread, i, fmt) for i, fmt in enumerate(formats)]
        try:
            counts = freeze_labels()
        finally:
            done.set()
        then = frozen_then()
        return counts, [future.result() for future in written], then


def build_dataset(*, dataset: int, progress: Progress) -> dict[str, Any]:
    """The ``build_dataset`` job: snapshot, then one ZIP per format, then ``ready``."""
    version = DatasetVersion.objects.select_related("event__team").get(pk=dataset)
    if version.status == DatasetVersion.Status.READY:
        return {"dataset": version.pk, "number": version.number, "already_built": True}
    event = version.event
    saved: list[str] = []
    try:
        with gc_paused(), tempfile.TemporaryDirectory(prefix="labeler-dataset-") as tmp:
            folder = Path(tmp)
            progress(0.02, "Freezing the labels")
            created_at = timezone.now().isoformat().replace("+00:00", "Z")
            header = {
                "event": {
                    "id": event.pk,
                    "name": event.name,
                    "slug": event.slug,
                    "phenomenon": event.phenomenon,
                    "team": event.team.name,
                },
                "version": version.number,
                "created_at": created_at,
                "options": version.options,
            }
            snapshot_file = folder / "snapshot.jsonl"
            base = _storage_dir(version)

            digest = hashlib.sha256()  # fed as the snapshot is written

            def store_snapshot() -> tuple[str, str]:
                checksum = digest.hexdigest()
                # The formats may still open the snapshot for another pass: store a second
                # name of it (a hard link, or a copy where the file system has none).
                stored = folder / "snapshot.stored"
                try:
                    os.link(snapshot_file, stored)
                except OSError:
                    shutil.copyfile(snapshot_file, stored)
                saved.append(_save(stored, f"{base}/snapshot.jsonl"))
                return checksum, saved[-1]

            progress(0.05, f"Freezing the labels, writing {', '.join(version.formats)}")
            counts, results, (checksum, snapshot_name) = _freeze_and_write(
                version,
                folder,
                snapshot_file,
                lambda: freeze(
                    event=event,
                    filters=version.filters,
                    split=split_settings(version.split),
                    path=snapshot_file,
                    header=header,
                    digest=digest,
                ),
                store_snapshot,
            )
            formats = list(version.formats)
            files: dict[str, Any] = {}
            manifest: dict[str, Any] = {}
            for index, fmt in enumerate(formats):
                progress(0.5 + 0.45 * index / len(formats), f"Storing {fmt}")
                target = folder / f"{fmt}.zip"
                manifest[fmt] = results[index]
                size, checksum_zip = target.stat().st_size, _sha256(target)
                saved.append(_save(target, f"{base}/{fmt}.zip"))
                files[fmt] = {"name": saved[-1], "size": size, "sha256": checksum_zip}
    except Exception as exc:
        for name in saved:  # nothing half-stored: a failed version keeps no files
            default_storage.delete(name)
        DatasetVersion.objects.filter(pk=version.pk).update(
            status=DatasetVersion.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:4000]
        )
        raise
    DatasetVersion.objects.filter(pk=version.pk).update(
        status=DatasetVersion.Status.READY,
        counts=counts,
        files=files,
        manifest=manifest,
        snapshot=snapshot_name,
        checksum=checksum,
        built_at=timezone.now(),
        error="",
    )
    progress(1.0, f"Version {version.number} ready")
    return {
        "dataset": version.pk,
        "number": version.number,
        "counts": counts,
        "formats": list(files),
    }
