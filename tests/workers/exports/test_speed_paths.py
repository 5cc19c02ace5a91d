"""The fast paths of dataset builds give what the plain paths give.

- the freeze on PostgreSQL (each image's JSON assembled by the database) writes the same
  snapshot content as the portable ORM path SpatiaLite uses;
- a snapshot read while it is being written (``read_snapshot(follow=...)``, the builder
  exports the first format while it freezes) yields what a read of the finished file does;
- ``ExportWriter.write_bytes`` (a member written in one go) makes the same members, hashes
  and a valid ZIP, mixed with streamed members.

No timings here: speed is measured in bench/exports.py.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import orjson
import pytest
from django.db import connection

from events.models import Annotation, ImageTag, LabelClass
from tests.factories import (
    AnnotationFactory,
    ImageFactory,
    LabelClassFactory,
    MapShapeFactory,
    PixelImageFactory,
    UserFactory,
)
from workers.exports import snapshot as snapshot_module
from workers.exports.base import (
    AnnotationRecord,
    ExportWriter,
    ImageRecord,
    MapShapeRecord,
    SharedPasses,
    read_snapshot,
    write_snapshot,
)
from workers.exports.snapshot import freeze
from workers.exports.splits import split_settings

HEADER = {"event": {"id": 1}, "version": 1, "created_at": "2026-01-01T00:00:00Z", "options": {}}
HOLE = {
    "type": "Polygon",
    "coordinates": [
        [[30, 30], [60, 30], [60, 60], [30, 60], [30, 30]],
        [[40, 40], [40, 50], [50, 50], [50, 40], [40, 40]],
    ],
}


def _varied_event(event) -> None:  # type: ignore[no-untyped-def]
    """Images and labels covering every field the snapshot holds, odd values included."""
    author = UserFactory(username='ann "o" tator')
    water = LabelClassFactory(event=event, name="water")
    smoke = LabelClassFactory(event=event, name="smoke")
    flooded = LabelClassFactory(event=event, name="flooded", kind=LabelClass.Kind.TAG)
    geo = ImageFactory(
        event=event,
        name='scène "1"\n.tif',
        acquired_at="2024-06-01T10:00:00.123456Z",
        nodata=float("nan"),
        checksum="ab" * 32,
        file="images/2024/06/a.tif",
    )
    long_transform = ImageFactory(
        event=event,
        acquired_at="2024-06-02T00:00:00Z",
        nodata=-9999.5,
        band_names=[],
        band_count=1,
        dtype="float32",
    )
    long_transform.transform = [*long_transform.transform, 0.0, 0.0, 1.0]
    long_transform.save(update_fields=["transform"])
    plain = PixelImageFactory(event=event, name="plain.png", band_names=["gray"])
    empty = ImageFactory(event=event)  # no labels at all
    del empty
    AnnotationFactory(
        image=geo,
        label_class=water,
        author=author,
        attributes={"note": "ü", "n": 3, "nested": {"a": [1, 2.5]}},
        confidence=0.25,
        difficulty=4,
        source=Annotation.Source.PREDICTED,
        review_state=Annotation.ReviewState.ACCEPTED,
    )
    AnnotationFactory(image=geo, label_class=smoke, kind="polygon", geometry=HOLE)
    AnnotationFactory(
        image=geo,
        label_class=water,
        kind="mask",
        geometry={"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]]},
        mask={"size": [80, 100], "counts": [0, 2, 78, 2, 7918]},
    )
    AnnotationFactory(
        image=long_transform,
        label_class=smoke,
        kind="polyline",
        geometry={"type": "LineString", "coordinates": [[1.5, 2.25], [30.125, 40]]},
    )
    AnnotationFactory(
        image=long_transform,
        label_class=water,
        kind="point",
        geometry={"type": "Point", "coordinates": [5, 6]},
    )
    AnnotationFactory(image=plain, label_class=water, author=author)
    ImageTag.objects.create(image=geo, label_class=flooded, state="positive")
    ImageTag.objects.create(image=plain, label_class=flooded, state="negative")
    MapShapeFactory(event=event, label_class=water, properties={"k": "v"})


def _stored(path: Path) -> list[Any]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def _filter_cases(event) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    classes = {c.name: c.pk for c in LabelClass.objects.filter(event=event)}
    return [
        {},
        {"label_classes": [classes["water"], classes["flooded"]]},
        {"review_states": ["accepted"], "tag_states": ["negative"]},
        {"labelled_only": True},
    ]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL path")
@pytest.mark.parametrize("rounds", ["one", "several"])
def test_database_assembled_snapshot_equals_the_orm_one(  # type: ignore[no-untyped-def]
    rounds, event, tmp_path, monkeypatch
) -> None:
    if rounds == "several":  # queries of 1, 2 and 1 images, two at a time in the pipeline
        monkeypatch.setattr(snapshot_module, "FIRST_CHUNK", 1)
        monkeypatch.setattr(snapshot_module, "CHUNK", 2)
    _varied_event(event)
    for index, filters in enumerate(_filter_cases(event)):
        fast, portable = tmp_path / f"fast-{index}.jsonl", tmp_path / f"orm-{index}.jsonl"
        assert snapshot_module.database_assembles_json()
        freeze(event=event, filters=filters, split=split_settings(None), path=fast, header=HEADER)
        with monkeypatch.context() as patch:
            patch.setattr(snapshot_module, "database_assembles_json", lambda: False)
            freeze(
                event=event,
                filters=filters,
                split=split_settings(None),
                path=portable,
                header=HEADER,
            )
        stored, expected = _stored(fast), _stored(portable)
        assert stored == expected, filters
        assert len(stored) > 1
        # and it reads back to the same records
        assert list(read_snapshot(fast).images()) == list(read_snapshot(portable).images())
    images = [line["image"] for line in _stored(tmp_path / "fast-0.jsonl") if "image" in line]
    by_name = {i["name"]: i for i in images}
    odd = by_name['scène "1"\n.tif']
    assert odd["nodata"] is None  # NaN is no JSON number
    assert odd["acquired_at"] == "2024-06-01T10:00:00.123456Z"
    assert [a["kind"] for a in odd["annotations"]] == ["bbox", "polygon", "mask"]
    assert odd["annotations"][0]["author"] == 'ann "o" tator'
    assert odd["tags"] == [{"class_id": 2, "state": "positive"}]
    assert by_name["plain.png"]["transform"] is None and by_name["plain.png"]["crs"] == ""
    assert all(i["transform"] is None or len(i["transform"]) == 6 for i in images)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL path")
def test_labels_changed_by_any_write_path_are_frozen_as_they_are_now(event, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # The database keeps each annotation's JSON (generated columns): a save, a bulk update
    # and a bulk create must all show in the next snapshot, as the ORM path reads them.
    _varied_event(event)
    first = Annotation.objects.filter(image__event=event).order_by("pk").first()
    assert first is not None
    first.attributes = {"changed": "by save"}
    first.confidence = 0.75
    first.save()
    moved = {"type": "Polygon", "coordinates": [[[1, 1], [9, 1], [9, 9], [1, 9], [1, 1]]]}
    Annotation.objects.filter(image__event=event, kind="polygon").update(
        geometry=moved, review_state=Annotation.ReviewState.REJECTED, geo_geometry=None
    )
    Annotation.objects.bulk_create(
        [Annotation(image=first.image, label_class=first.label_class, kind="bbox", geometry=moved)]
    )
    snapshot = tmp_path / "snapshot.jsonl"
    freeze(event=event, filters={}, split=split_settings(None), path=snapshot, header=HEADER)
    annotations = {
        a.id: a for record in read_snapshot(snapshot).images() for a in record.annotations
    }
    assert annotations[first.pk].attributes == {"changed": "by save"}
    assert annotations[first.pk].confidence == 0.75
    polygons = [a for a in annotations.values() if a.kind == "polygon"]
    assert polygons and all(a.geometry == moved and a.review_state == "rejected" for a in polygons)
    assert all(a.geo_geometry is None for a in polygons)
    assert max(annotations) == Annotation.objects.latest("pk").pk  # the bulk-created one


def _records(n: int) -> list[ImageRecord]:
    box = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    return [
        ImageRecord(
            id=i,
            name=f"{i}.tif",
            split="train",
            width=10,
            height=10,
            annotations=[
                AnnotationRecord(id=10 * i + k, class_id=0, kind="bbox", geometry=box)
                for k in range(3)
            ],
        )
        for i in range(1, n + 1)
    ]


def _header() -> dict[str, Any]:
    return {**HEADER, "classes": [], "counts": {}}


def test_a_snapshot_read_while_written_yields_the_whole_snapshot(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "snapshot.jsonl"
    records = _records(300)
    shapes = [
        MapShapeRecord(id=1, class_id=None, geometry={"type": "Point", "coordinates": [1, 2]})
    ]
    done = threading.Event()

    def slowly() -> Any:
        for n, record in enumerate(records):
            if n % 50 == 0:
                time.sleep(0.01)  # the reader catches up and waits, also mid-line
            yield record

    def write() -> None:
        try:
            time.sleep(0.02)  # the reader starts before the file exists
            write_snapshot(path, header=_header(), images=slowly(), map_shapes=shapes)
        finally:
            done.set()

    writer = threading.Thread(target=write)
    writer.start()
    snapshot = read_snapshot(path, follow=done)
    assert list(snapshot.images()) == records
    writer.join()
    assert list(snapshot.map_shapes()) == shapes
    assert list(snapshot.images()) == list(read_snapshot(path).images())


def test_a_snapshot_followed_from_another_process_is_read_whole(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from workers.exports.base import FileFlag
    from workers.forked import Forked

    path = tmp_path / "snapshot.jsonl"
    records = _records(300)
    frozen = FileFlag(tmp_path / "frozen", parent=os.getpid())
    # The child starts before the file exists and reads while this process writes it.
    reader = Forked(lambda: [r.id for r in read_snapshot(path, follow=frozen).images()])

    def slowly() -> Any:
        for n, record in enumerate(records):
            if n % 50 == 0:
                time.sleep(0.01)
            yield record

    time.sleep(0.02)
    write_snapshot(path, header=_header(), images=slowly(), map_shapes=[])
    frozen.set()
    assert reader.result() == [r.id for r in records]


def test_a_follower_whose_writer_process_is_gone_stops_waiting(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from workers.exports.base import FileFlag

    path = tmp_path / "snapshot.jsonl"
    path.write_bytes(orjson.dumps({"header": _header()}) + b"\n")
    # Not this process's parent: as if the writer had died (the flag file never comes).
    orphan = FileFlag(tmp_path / "never", parent=os.getppid() + 10**6)
    assert orphan.is_set()
    assert list(read_snapshot(path, follow=orphan).images()) == []


def test_a_failed_writer_ends_the_following_read(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "snapshot.jsonl"
    done = threading.Event()
    with open(path, "wb") as f:
        f.write(orjson.dumps({"header": _header()}) + b"\n")
        f.write(orjson.dumps({"image": {"id": 1}})[:7])  # cut mid-line, then the writer fails
    done.set()
    assert list(read_snapshot(path, follow=done).images()) == []
    empty = tmp_path / "empty.jsonl"
    with pytest.raises(ValueError, match="no header"):
        read_snapshot(empty, follow=done)


def test_images_and_map_shapes_passes_skip_the_other_lines(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "snapshot.jsonl"
    records = _records(3)
    shape = MapShapeRecord(id=7, class_id=0, geometry={"type": "Point", "coordinates": [1, 2]})
    write_snapshot(path, header=_header(), images=records, map_shapes=[shape])
    # A line written by something else than write_snapshot (spaces, key not first) is read.
    with open(path, "ab") as f:
        f.write(b'{ "map_shape" : {"id": 8, "class_id": null, "geometry": null}}\n')
    snapshot = read_snapshot(path)
    assert list(snapshot.images()) == records
    assert [s.id for s in snapshot.map_shapes()] == [7, 8]


def test_database_json_lines_are_written_as_they_are(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "snapshot.jsonl"
    record = _records(1)[0]
    stored = orjson.loads(orjson.dumps(record))
    for annotation in stored["annotations"]:
        del annotation["geo_geometry"]
    annotations, tags = stored.pop("annotations"), stored.pop("tags")
    head = orjson.dumps(stored, option=orjson.OPT_INDENT_2).replace(b"\n", b" ")[:-1]
    geo = [{"type": "Point", "coordinates": [n, 1.5]} for n in range(len(record.annotations))]
    pieces = (head, orjson.dumps(annotations), orjson.dumps(tags), orjson.dumps(geo))
    write_snapshot(path, header=_header(), images=[pieces], map_shapes=[])
    (read,) = read_snapshot(path).images()
    assert read.id == record.id and len(read.annotations) == len(record.annotations) > 0
    assert [a.geo_geometry for a in read.annotations] == geo
    (flat,) = read_snapshot(path, geo=False).images()
    assert [a.geo_geometry for a in flat.annotations] == [None] * len(geo)
    assert [a.geometry for a in flat.annotations] == [a.geometry for a in record.annotations]


def test_a_snapshot_of_an_older_version_reads_its_inline_geo_geometry(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Before geo lines, each stored annotation held its geo_geometry.
    path = tmp_path / "snapshot.jsonl"
    record = _records(1)[0]
    record.annotations[0].geo_geometry = {"type": "Point", "coordinates": [3, 4]}
    with open(path, "wb") as f:
        f.write(orjson.dumps({"header": _header()}) + b"\n")
        f.write(orjson.dumps({"image": record}) + b"\n")
    (read,) = read_snapshot(path).images()
    assert read == record


def test_records_written_and_read_back_keep_their_geo_geometry(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "snapshot.jsonl"
    records = _records(3)
    for n, record in enumerate(records):
        for annotation in record.annotations:
            annotation.geo_geometry = {"type": "Point", "coordinates": [n, annotation.id]}
    write_snapshot(path, header=_header(), images=records, map_shapes=[])
    assert list(read_snapshot(path).images()) == records


def test_members_written_in_one_go_make_a_valid_zip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out.zip"
    members = {f"a/{i}.json": orjson.dumps({"i": i, "pad": "x" * i}) for i in range(200)}
    members["empty.txt"] = b""
    with ExportWriter(target) as out:
        for n, (name, data) in enumerate(members.items()):
            if n % 3 == 0:
                with out.open(name) as f:  # streamed members in between
                    f.write(data)
            else:
                out.write_bytes(name, data, compress=n % 2 == 0)
        out.write_text("README.md", "é\n")
        files = list(out.files)
    assert [f.path for f in files] == [*members, "README.md"]
    for entry in files:
        data = members.get(entry.path, "é\n".encode())
        assert entry.sha256 == hashlib.sha256(data).hexdigest() and entry.size == len(data)
    with zipfile.ZipFile(io.BytesIO(target.read_bytes())) as zf:
        assert zf.testzip() is None
        assert zf.namelist() == [f.path for f in files]
        assert all(zf.read(name) == data for name, data in members.items())
        assert {i.compress_type for i in zf.infolist()} == {
            zipfile.ZIP_DEFLATED,
            zipfile.ZIP_STORED,
        }
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in zf.infolist())
    with ExportWriter(tmp_path / "twice.zip") as out:
        out.write_bytes("x", b"1")
        with pytest.raises(ValueError, match="twice"):
            out.write_bytes("x", b"2")


def test_shared_passes_hand_every_reader_every_record(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "snapshot.jsonl"
    records = _records(200)  # several batches
    done = threading.Event()
    shared = SharedPasses(lambda: read_snapshot(path, follow=done), 4)
    seen: dict[int, Any] = {}

    def reader(index: int) -> None:
        try:
            snapshot = shared.snapshot(index)
            if index == 1:
                return  # an exporter that never reads the images
            first = []
            for record in snapshot.images():
                first.append(record)
                if index == 2 and len(first) == 40:
                    break  # one that stops early
            seen[index] = (first, list(snapshot.images()))  # a second pass of its own
        finally:
            shared.detach(index)

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    write_snapshot(path, header=_header(), images=records, map_shapes=[])
    done.set()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()
    assert seen[0] == seen[3] == (records, records)
    assert seen[2] == (records[:40], records)
    assert 1 not in seen


def test_shared_passes_pass_a_read_failure_on(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "snapshot.jsonl"
    write_snapshot(path, header=_header(), images=_records(3), map_shapes=[])
    with open(path, "ab") as f:
        f.write(b'{"image": {"id": 1}}\n')  # not an image record
    shared = SharedPasses(lambda: read_snapshot(path), 1)
    with pytest.raises(TypeError):
        list(shared.snapshot(0).images())


@pytest.mark.django_db
@pytest.mark.parametrize("processes", [True, False], ids=["forked", "threads"])
def test_a_build_of_every_format_at_once_writes_what_each_alone_writes(  # type: ignore[no-untyped-def]
    processes, event, member, settings, tmp_path, monkeypatch
) -> None:
    from django.core.files.storage import default_storage

    from events.models import Role
    from workers.exports import EXPORTERS, build
    from workers.exports.build import _write_format, build_dataset, dataset_start

    monkeypatch.setattr(build, "FORK_EXPORTERS", processes)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    _varied_event(event)
    version, _ = dataset_start(user=member(Role.REVIEWER), event=event, formats=list(EXPORTERS))
    build_dataset(dataset=version.pk, progress=lambda *a: None)
    version.refresh_from_db()
    assert version.status == "ready", version.error
    snapshot = read_snapshot(Path(default_storage.path(version.snapshot)))
    for fmt in EXPORTERS:
        alone = tmp_path / f"{fmt}.zip"
        manifest = _write_format(snapshot, version, fmt, alone)
        assert version.manifest[fmt] == manifest, fmt
        with (
            zipfile.ZipFile(default_storage.path(version.files[fmt]["name"])) as built,
            zipfile.ZipFile(alone) as expected,
        ):
            assert built.namelist() == expected.namelist()
            assert all(built.read(n) == expected.read(n) for n in built.namelist()), fmt


@pytest.mark.django_db
def test_a_freeze_that_fails_stops_the_export_processes(  # type: ignore[no-untyped-def]
    event, member, settings, tmp_path, monkeypatch
) -> None:
    from events.models import DatasetVersion, Role
    from workers.exports import build
    from workers.exports.build import build_dataset, dataset_start

    def children() -> set[int]:
        tasks = Path("/proc/self/task").iterdir()
        return {int(pid) for task in tasks for pid in (task / "children").read_text().split()}

    settings.MEDIA_ROOT = str(tmp_path / "media")
    _varied_event(event)
    version, _ = dataset_start(user=member(Role.REVIEWER), event=event, formats=["coco", "stac"])
    before = children()

    def failing_freeze(*, path: Path, **kwargs: Any) -> dict[str, Any]:
        path.write_bytes(orjson.dumps({"header": _header()}) + b"\n")  # then the database fails
        raise RuntimeError("connection lost mid-freeze")

    monkeypatch.setattr(build, "freeze", failing_freeze)
    with pytest.raises(RuntimeError, match="connection lost"):
        build_dataset(dataset=version.pk, progress=lambda *a: None)
    assert children() == before  # the export processes were stopped and reaped
    version.refresh_from_db()
    assert version.status == DatasetVersion.Status.FAILED and "connection lost" in version.error


@pytest.mark.parametrize("fmt", ["geojson", "stac"])
def test_a_readme_after_the_export_says_what_one_without_says(fmt, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The README takes its counts from the export's pass (Snapshot.memo) when it can."""
    from tests.exports_data import sample_snapshot
    from workers.exports import exporter

    module = exporter(fmt)
    alone = module.readme(sample_snapshot())
    snapshot = sample_snapshot()
    with ExportWriter(tmp_path / "out.zip") as out:
        module.export(snapshot, out)
    assert snapshot.memo  # the counts were kept
    passes = 0
    images = snapshot.images

    def counted() -> Any:
        nonlocal passes
        passes += 1
        return images()

    snapshot.images = counted
    assert module.readme(snapshot) == alone
    assert passes == 0
    assert "without" in alone or "not included" in alone  # the sample has some left out


@pytest.mark.parametrize("name", ["", "/etc/passwd", "../up.json", "a/../../b.json", "a/.."])
def test_the_writer_refuses_paths_outside_the_archive(name, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with ExportWriter(tmp_path / "x.zip") as out, pytest.raises(ValueError, match="unsafe"):
        out.write_bytes(name, b"{}")


def test_the_writer_takes_names_with_dots_that_stay_inside(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with ExportWriter(tmp_path / "x.zip") as out:
        out.write_bytes("labels/a..b.json", b"{}")
        out.write_bytes("..hidden/c.json", b"[]")
    with zipfile.ZipFile(tmp_path / "x.zip") as archive:
        assert archive.read("labels/a..b.json") == b"{}"
        assert archive.testzip() is None


@pytest.mark.django_db
def test_a_coco_build_in_two_processes_writes_what_one_writes(  # type: ignore[no-untyped-def]
    event, member, settings, tmp_path, monkeypatch
) -> None:
    from django.core.files.storage import default_storage

    from events.models import Role
    from workers.exports import build, coco
    from workers.exports.build import _write_format, build_dataset, dataset_start

    # A spare core (the machine's second) goes to COCO's second part; blocks of one image
    # give both parts some of the four.
    monkeypatch.setattr(build, "_cores", lambda: 2)
    monkeypatch.setattr(coco, "BLOCK", 1)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    _varied_event(event)
    version, _ = dataset_start(
        user=member(Role.REVIEWER), event=event, formats=["coco"], split={"train": 1.0}
    )
    build_dataset(dataset=version.pk, progress=lambda *a: None)
    version.refresh_from_db()
    assert version.status == "ready", version.error
    stored = Path(default_storage.path(version.snapshot))
    # The checksum, taken as the snapshot was written, is the stored file's.
    assert version.checksum == hashlib.sha256(stored.read_bytes()).hexdigest()
    snapshot = read_snapshot(stored)
    alone = tmp_path / "coco.zip"
    assert version.manifest["coco"] == _write_format(snapshot, version, "coco", alone)
    with zipfile.ZipFile(default_storage.path(version.files["coco"]["name"])) as built:
        train = orjson.loads(built.read("annotations/instances_train.json"))
    assert len(train["images"]) == 4 and len(train["annotations"]) == 4


def test_strata_and_header_counts_from_arrays_are_what_plain_loops_give() -> None:
    import random
    from collections import Counter

    import numpy as np

    from workers.exports.snapshot import _header_counts, _strata

    rng = random.Random(5)
    ids = sorted(rng.sample(range(1, 400), 150))
    class_names = {pk: f"class {pk}" for pk in (3, 8, 11, 40)}
    annotations = [
        (i, pk, rng.randint(1, 4)) for i in ids for pk in class_names if rng.random() < 0.4
    ]
    tags = [
        (i, pk, rng.choice(["positive", "negative"]), 1)
        for i in ids
        for pk in class_names
        if rng.random() < 0.2
    ]
    centres = {i: (float(i), 1.0) for i in ids[::3]}

    # The plain way: votes per image and class, most votes first, ties to the lowest pk.
    votes: dict[int, Counter[int]] = {}
    for i, pk, n in annotations:
        votes.setdefault(i, Counter())[pk] += n
    for i, pk, state, n in tags:
        if state == "positive":
            votes.setdefault(i, Counter())[pk] += n
    expected = {
        i: (
            str(min(votes[i].items(), key=lambda v: (-v[1], v[0]))[0]) if i in votes else None,
            centres.get(i),
        )
        for i in ids
    }
    array = np.array(annotations, dtype=np.int64)
    assert _strata(ids, array, tags, centres) == expected
    assert any(s is None for s, _ in expected.values()) and len(set(expected.values())) > 3

    splits = {i: ("train", "validation", "test")[i % 3] for i in ids}
    by_class: dict[str, Counter[str]] = {}
    for i, pk, n in annotations:
        by_class.setdefault(splits[i], Counter())[class_names[pk]] += n
    counts = _header_counts(splits, array, tags, class_names)
    assert counts["annotations"] == {s: dict(c) for s, c in by_class.items()}
    assert counts["images"] == dict(Counter(splits.values()))
    assert sum(sum(c.values()) for c in counts["tags"].values()) == len(tags)
    empty = _header_counts(splits, np.empty((0, 3), dtype=np.int64), [], class_names)
    assert empty["annotations"] == {} and empty["tags"] == {}
    assert _strata(ids, np.empty((0, 3), dtype=np.int64), [], {}) == {i: (None, None) for i in ids}
