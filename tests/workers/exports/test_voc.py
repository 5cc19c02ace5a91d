"""The Pascal VOC export: one XML per image with 1-based inclusive boxes, and split lists."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from tests.exports_data import exported_members
from workers.exports import voc
from workers.exports.base import AnnotationRecord, ImageRecord


def _export(tmp_path: Path) -> dict[str, bytes]:
    return exported_members(voc, tmp_path / "export.zip")


def _objects(root: ET.Element) -> list[tuple[str, int, int, tuple[int, ...]]]:
    return [
        (
            o.findtext("name", ""),
            int(o.findtext("difficult", "")),
            int(o.findtext("truncated", "")),
            tuple(int(o.findtext(f"bndbox/{k}", "")) for k in ("xmin", "ymin", "xmax", "ymax")),
        )
        for o in root.iter("object")
    ]


def test_files(tmp_path: Path) -> None:
    members = _export(tmp_path)
    assert sorted(members) == [
        "Annotations/1_RGB.byte.xml",
        "Annotations/2_AnnualCrop_1.xml",
        "Annotations/3_empty_scene.xml",
        "ImageSets/Main/test.txt",
        "ImageSets/Main/train.txt",
        "ImageSets/Main/validation.txt",
    ]
    assert members["ImageSets/Main/train.txt"] == b"1_RGB.byte\n"
    assert members["ImageSets/Main/validation.txt"] == b"2_AnnualCrop_1\n"
    assert members["ImageSets/Main/test.txt"] == b"3_empty_scene\n"


def test_georeferenced_image(tmp_path: Path) -> None:
    root = ET.fromstring(_export(tmp_path)["Annotations/1_RGB.byte.xml"])
    assert root.tag == "annotation"
    assert root.findtext("folder") == "images/train"
    assert root.findtext("filename") == "1_RGB.byte.tif"
    assert [root.findtext(f"size/{k}") for k in ("width", "height", "depth")] == [
        "791",
        "718",
        "3",
    ]
    # Pixel edges 10..110 cover 0-based pixels 10..109, VOC's 11..110. The polygon has
    # difficulty 4: difficult. The polyline and the point are not VOC objects.
    assert _objects(root) == [
        ("flood", 0, 0, (11, 21, 110, 70)),
        ("flood", 1, 0, (301, 301, 500, 500)),
        ("cloud street", 0, 0, (201, 101, 260, 140)),
    ]
    assert all(o.findtext("pose") == "Unspecified" for o in root.iter("object"))


def test_small_image_and_empty_image(tmp_path: Path) -> None:
    members = _export(tmp_path)
    root = ET.fromstring(members["Annotations/2_AnnualCrop_1.xml"])
    assert _objects(root) == [("flood", 0, 0, (9, 5, 40, 36))]
    empty = ET.fromstring(members["Annotations/3_empty_scene.xml"])
    assert _objects(empty) == []
    assert (empty.findtext("size/width"), empty.findtext("size/height")) == ("32", "16")


def test_fractional_edges_and_truncation_at_the_border() -> None:
    # x from 0 to 99.5 on a 100-pixel-wide image covers pixels 1..100 (1-based): it touches
    # both sides, so the object may go on beyond the image.
    geometry = {
        "type": "Polygon",
        "coordinates": [[[0, 5.5], [99.5, 5.5], [99.5, 8], [0, 8], [0, 5.5]]],
    }
    assert voc.voc_box(geometry, width=100, height=80) == (1, 6, 100, 8)
    image = ImageRecord(
        id=4,
        name="edge.png",
        split="train",
        width=100,
        height=80,
        annotations=[AnnotationRecord(id=1, class_id=1, kind="bbox", geometry=geometry)],
    )
    root = ET.fromstring(voc.image_xml(image, {1: "cloud street"}, "db"))
    assert _objects(root) == [("cloud street", 0, 1, (1, 6, 100, 8))]
