"""The classification CSV: one row per image tag, read back with the csv module."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from pathlib import Path

from tests.exports_data import CLASSES, sample_snapshot
from workers.exports import classification_csv
from workers.exports.base import (
    ExportWriter,
    ImageRecord,
    LabelClassInfo,
    Snapshot,
    TagRecord,
    image_path,
)


def _rows(tmp_path: Path, snapshot: Snapshot | None = None) -> list[list[str]]:
    path = tmp_path / "export.zip"
    with ExportWriter(path) as out:
        classification_csv.export(snapshot or sample_snapshot(), out)
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["labels.csv"] == [f.path for f in out.files]
        data = archive.read("labels.csv")
    assert hashlib.sha256(data).hexdigest() == out.files[0].sha256
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def test_one_row_per_tag(tmp_path: Path) -> None:
    header, *rows = _rows(tmp_path)
    assert header == ["image_id", "image", "split", "class_id", "class", "state"]
    expected = [
        [str(image.id), image_path(image), image.split, str(tag.class_id), "dust", tag.state]
        for image in sample_snapshot().images()
        for tag in image.tags
    ]
    assert (
        rows
        == expected
        == [
            ["1", "images/train/1_RGB.byte.tif", "train", "3", "dust", "negative"],
            ["2", "images/validation/2_AnnualCrop_1.tif", "validation", "3", "dust", "positive"],
        ]
    )


def test_names_with_commas_and_quotes_survive_and_large_exports_are_complete(
    tmp_path: Path,
) -> None:
    classes = [
        *CLASSES,
        LabelClassInfo(id=4, pk=15, name='wet, "muddy" soil', color="#000", kind="tag"),
    ]
    images = [
        ImageRecord(
            id=i,
            name=f"scene {i}.png",
            split="train",
            width=8,
            height=8,
            tags=[TagRecord(class_id=3, state="positive"), TagRecord(class_id=4, state="negative")],
        )
        for i in range(1, 3001)
    ]
    snapshot = Snapshot.from_records(event={"name": "e"}, classes=classes, images=images)
    rows = _rows(tmp_path, snapshot)[1:]
    assert len(rows) == 6000  # more than one 64 KB block
    assert rows[-1] == [
        "3000",
        image_path(images[-1]),
        "train",
        "4",
        'wet, "muddy" soil',
        "negative",
    ]
    assert {len(r) for r in rows} == {6}


def test_no_tags_gives_the_header_only(tmp_path: Path) -> None:
    image = ImageRecord(id=1, name="a.png", split="test", width=4, height=4)
    snapshot = Snapshot.from_records(event={"name": "e"}, classes=CLASSES, images=[image])
    assert _rows(tmp_path, snapshot) == [
        ["image_id", "image", "split", "class_id", "class", "state"]
    ]
