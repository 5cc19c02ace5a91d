"""The YOLO export: data.yaml, detection and segmentation label files, as ultralytics reads them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.exports_data import CLASSES, exported_members
from workers.exports import yolo
from workers.exports.base import AnnotationRecord, ImageRecord, Snapshot

W, H = 791, 718  # RGB.byte.tif


def _export(tmp_path: Path, snapshot: Snapshot | None = None) -> dict[str, str]:
    """Export into a ZIP (hashes checked), return each member's text."""
    members = exported_members(yolo, tmp_path / "export.zip", snapshot)
    return {name: data.decode("utf-8") for name, data in members.items()}


def _rows(text: str) -> list[list[float]]:
    return [[float(v) for v in line.split()] for line in text.splitlines()]


def test_data_yaml_names_every_class_by_its_stable_id(tmp_path: Path) -> None:
    data = yaml.safe_load(_export(tmp_path)["data.yaml"])
    assert data["path"] == "."
    assert (data["train"], data["val"], data["test"]) == (
        "images/train",
        "images/validation",
        "images/test",
    )
    assert data["names"] == {0: "flood", 1: "cloud street", 2: "unused", 3: "dust"}


def test_every_image_has_both_label_files_empty_when_no_objects(tmp_path: Path) -> None:
    files = _export(tmp_path)
    stems = ["train/1_RGB.byte", "validation/2_AnnualCrop_1", "test/3_empty_scene"]
    assert sorted(files) == sorted(
        ["data.yaml"] + [f"labels/{s}.txt" for s in stems] + [f"labels-seg/{s}.txt" for s in stems]
    )
    assert files["labels/test/3_empty_scene.txt"] == ""
    assert files["labels-seg/test/3_empty_scene.txt"] == ""


def test_detection_lines(tmp_path: Path) -> None:
    files = _export(tmp_path)
    text = files["labels/train/1_RGB.byte.txt"]
    lines = text.splitlines()
    # Box, polygon and mask; the polyline and the point have no box.
    assert len(lines) == 3
    assert lines[0] == f"0 {60 / W:.6f} {45 / H:.6f} {100 / W:.6f} {50 / H:.6f}"
    rows = _rows(text)
    assert [int(r[0]) for r in rows] == [0, 0, 1]
    assert rows[1][1:] == pytest.approx([400 / W, 400 / H, 200 / W, 200 / H], abs=1e-6)
    assert rows[2][1:] == pytest.approx([230 / W, 120 / H, 60 / W, 40 / H], abs=1e-6)
    assert all(0 <= v <= 1 for r in rows for v in r[1:])
    # The 64 x 64 image's box: pixel edges 8..40, 4..36.
    assert (
        files["labels/validation/2_AnnualCrop_1.txt"] == "0 0.375000 0.312500 0.500000 0.500000\n"
    )


def test_segmentation_lines_are_normalised_exterior_rings(tmp_path: Path) -> None:
    rows = _rows(_export(tmp_path)["labels-seg/train/1_RGB.byte.txt"])
    assert len(rows) == 3
    box, polygon, mask = rows
    assert box[0] == 0 and box[1:] == pytest.approx(
        [10 / W, 20 / H, 110 / W, 20 / H, 110 / W, 70 / H, 10 / W, 70 / H], abs=1e-6
    )
    # The hole is dropped: YOLO polygons have none.
    assert polygon[0] == 0 and len(polygon) == 1 + 8
    assert mask[0] == 1 and mask[1:] == pytest.approx(
        [200 / W, 100 / H, 260 / W, 100 / H, 260 / W, 140 / H, 200 / W, 140 / H], abs=1e-6
    )
    assert all(0 <= v <= 1 for r in rows for v in r[1:])


def test_multipart_shapes_give_a_line_per_part_and_boxes_are_clipped(tmp_path: Path) -> None:
    multipart = {
        "type": "MultiPolygon",
        "coordinates": [
            [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]],
            [[[20, 20], [40, 20], [30, 40], [20, 20]]],
        ],
    }
    outside = {  # partly beyond the right and bottom edges
        "type": "Polygon",
        "coordinates": [[[80, 60], [120, 60], [120, 100], [80, 100], [80, 60]]],
    }
    image = ImageRecord(
        id=5,
        name="x.png",
        split="train",
        width=100,
        height=80,
        annotations=[
            AnnotationRecord(id=1, class_id=1, kind="polygon", geometry=multipart),
            AnnotationRecord(id=2, class_id=0, kind="bbox", geometry=outside),
        ],
    )
    snapshot = Snapshot.from_records(event={"name": "e"}, classes=CLASSES, images=[image])
    files = _export(tmp_path, snapshot)
    assert files["labels/train/5_x.txt"].splitlines() == [
        "1 0.200000 0.250000 0.400000 0.500000",
        "0 0.900000 0.875000 0.200000 0.250000",
    ]
    seg = _rows(files["labels-seg/train/5_x.txt"])
    assert [len(r) for r in seg] == [1 + 8, 1 + 6, 1 + 8]
    assert seg[1][1:] == pytest.approx([0.2, 0.25, 0.4, 0.25, 0.3, 0.5])
    assert max(seg[2][1:]) == 1.0
    assert yaml.safe_load(files["data.yaml"]).keys() == {"path", "train", "names"}
