"""The COCO export, loaded by pycocotools: masks, areas and boxes as the geometry says."""

from __future__ import annotations

import dataclasses
import os
import time
import zipfile
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import numpy as np
import orjson
import pytest
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
from rasterio import features

from events.geometry import rle_encode
from tests.exports_data import CLASSES, MASK_COLS, MASK_ROWS, exported_members, sample_snapshot
from workers import forked
from workers.exports import coco
from workers.exports.base import (
    SPLITS,
    AnnotationRecord,
    ExportWriter,
    FileFlag,
    ImageRecord,
    Snapshot,
    image_path,
    read_snapshot,
    write_snapshot,
)
from workers.forked import Forked

SPLIT_FILES = [f"annotations/instances_{s}.json" for s in ("train", "validation", "test")]


def _export(tmp_path: Path, snapshot: Snapshot | None = None) -> dict[str, Path]:
    """Export into a ZIP (hashes checked), extract the JSON files."""
    extracted = {}
    for name, data in exported_members(coco, tmp_path / "export.zip", snapshot).items():
        target = tmp_path / Path(name).name
        target.write_bytes(data)
        extracted[name] = target
    return extracted


@pytest.fixture
def train(tmp_path: Path) -> COCO:
    return COCO(str(_export(tmp_path)["annotations/instances_train.json"]))


def test_one_file_per_split_with_images_each_loaded_by_pycocotools(tmp_path: Path) -> None:
    files = _export(tmp_path)
    assert sorted(files) == sorted(SPLIT_FILES)
    image_counts = {}
    for member, path in files.items():
        dataset = COCO(str(path))
        image_counts[member] = len(dataset.getImgIds())
        # Object classes only (the tag class "dust" is no COCO category), ids from 1.
        assert dataset.loadCats(dataset.getCatIds()) == [
            {"id": 1, "name": "flood", "supercategory": "flood"},
            {"id": 2, "name": "cloud street", "supercategory": "flood"},
            {"id": 3, "name": "unused", "supercategory": "flood"},
        ]
    assert set(image_counts.values()) == {1}


def test_images_carry_path_size_and_georeference(train: COCO) -> None:
    record = next(sample_snapshot().images())
    (image,) = train.loadImgs(train.getImgIds())
    assert image["file_name"] == image_path(record) == "images/train/1_RGB.byte.tif"
    assert (image["width"], image["height"]) == (791, 718)
    assert image["crs"] == record.crs and image["transform"] == record.transform


def test_an_image_without_georeference_has_null_crs(tmp_path: Path) -> None:
    files = _export(tmp_path)
    data = orjson.loads(files["annotations/instances_validation.json"].read_bytes())
    assert data["images"][0]["crs"] is None and data["images"][0]["transform"] is None
    assert data["images"][0]["file_name"] == "images/validation/2_AnnualCrop_1.tif"
    (box,) = data["annotations"]
    assert box["bbox"] == [8, 4, 32, 32] and box["area"] == 1024


def test_box(train: COCO) -> None:
    (ann,) = train.loadAnns([101])
    assert ann["bbox"] == [10, 20, 100, 50]
    assert ann["area"] == 5000 and ann["iscrowd"] == 0 and ann["category_id"] == 1
    assert ann["segmentation"] == [[10, 20, 110, 20, 110, 70, 10, 70]]
    expected = np.zeros((718, 791), dtype=np.uint8)
    expected[20:70, 10:110] = 1
    assert np.array_equal(train.annToMask(ann), expected)
    assert ann["attributes"] == {"severity": "high"}


def test_polygon_with_a_hole_is_rle_with_the_hole_left_out(train: COCO) -> None:
    (ann,) = train.loadAnns([102])
    assert isinstance(ann["segmentation"], dict) and ann["iscrowd"] == 0
    assert ann["area"] == 200 * 200 - 50 * 50 == 37500
    assert ann["bbox"] == [300, 300, 200, 200]
    expected = np.zeros((718, 791), dtype=np.uint8)
    expected[300:500, 300:500] = 1
    expected[350:400, 350:400] = 0
    assert np.array_equal(train.annToMask(ann), expected)
    rle = train.annToRLE(ann)
    assert mask_utils.area(rle) == ann["area"]
    assert mask_utils.toBbox(rle).tolist() == ann["bbox"]


def test_mask_keeps_its_rle_with_pixel_area(train: COCO) -> None:
    (ann,) = train.loadAnns([105])
    assert ann["iscrowd"] == 0 and ann["category_id"] == 2
    assert ann["area"] == 2400
    assert ann["bbox"] == [200, 100, 60, 40]
    expected = np.zeros((718, 791), dtype=np.uint8)
    expected[MASK_ROWS, MASK_COLS] = 1
    assert np.array_equal(train.annToMask(ann), expected)
    assert mask_utils.area(train.annToRLE(ann)) == 2400


def test_polylines_and_points_are_skipped_and_counted(train: COCO) -> None:
    assert sorted(train.getAnnIds()) == [101, 102, 105]
    assert train.dataset["info"]["skipped"] == {"polyline": 1, "point": 1}


def test_the_ground_truth_scores_perfectly_in_cocoeval(train: COCO) -> None:
    """iscrowd=0 with RLE segmentations: COCOeval treats them as ordinary objects."""
    detections = [
        {
            "image_id": a["image_id"],
            "category_id": a["category_id"],
            "segmentation": train.annToRLE(a),
            "score": 1.0,
        }
        for a in train.loadAnns(train.getAnnIds())
    ]
    evaluation = COCOeval(train, train.loadRes(detections), "segm")
    evaluation.evaluate()
    evaluation.accumulate()
    evaluation.summarize()
    assert evaluation.stats[0] == pytest.approx(1.0)


def _snapshot(*annotations: AnnotationRecord, width: int = 100, height: int = 80) -> Snapshot:
    image = ImageRecord(
        id=9, name="x.png", split="train", width=width, height=height, annotations=list(annotations)
    )
    return Snapshot.from_records(event={"name": "e"}, classes=CLASSES, images=[image])


def test_multipart_polygon_gives_one_coco_polygon_per_part(tmp_path: Path) -> None:
    geometry = {
        "type": "MultiPolygon",
        "coordinates": [
            [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]],
            [[[20, 20], [40, 20], [30, 40], [20, 20]]],
        ],
    }
    snapshot = _snapshot(AnnotationRecord(id=1, class_id=0, kind="polygon", geometry=geometry))
    dataset = COCO(str(_export(tmp_path, snapshot)["annotations/instances_train.json"]))
    (ann,) = dataset.loadAnns([1])
    assert ann["segmentation"] == [[0, 0, 10, 0, 10, 10, 0, 10], [20, 20, 40, 20, 30, 40]]
    assert ann["area"] == 100 + 200
    assert ann["bbox"] == [0, 0, 40, 40]


@pytest.mark.parametrize(
    "geometry",
    [
        {  # at the image's edges, the last pixel set
            "type": "MultiPolygon",
            "coordinates": [
                [
                    [[0, 0], [60.4, 0], [55.2, 37.7], [0, 80], [0, 0]],
                    [[10.5, 10.5], [30.2, 12.1], [12.7, 33.3], [10.5, 10.5]],
                ],
                [[[70.5, 50.5], [100, 50.5], [100, 80], [70.5, 80], [70.5, 50.5]]],
            ],
        },
        {  # inside the image: the window is offset in both directions
            "type": "Polygon",
            "coordinates": [
                [[33.3, 21.7], [90.1, 25.2], [80.4, 70.9], [35.0, 60.0], [33.3, 21.7]],
                [[50.2, 35.5], [70.7, 40.1], [60.3, 55.9], [50.2, 35.5]],
            ],
        },
    ],
)
def test_holes_at_fractional_coordinates_rasterize_like_gdal(geometry: dict) -> None:
    """The windowed RLE equals rasterizing the whole image and encoding it."""
    full = features.rasterize([(geometry, 1)], out_shape=(80, 100), fill=0, dtype="uint8")
    assert coco.rasterize_rle(geometry, width=100, height=80) == rle_encode(full.astype(bool))


def test_rle_bbox_matches_pycocotools() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        mask = np.zeros((37, 53), dtype=bool)
        r0, c0 = rng.integers(0, 30), rng.integers(0, 45)
        mask[r0 : r0 + rng.integers(1, 8), c0 : c0 + rng.integers(1, 8)] = True
        mask[rng.integers(0, 37), rng.integers(0, 53)] = True
        rle = rle_encode(mask)
        compressed = mask_utils.frPyObjects(rle, *rle["size"])
        assert coco.rle_bbox(rle) == mask_utils.toBbox(compressed).tolist()
        assert coco.rle_area(rle) == mask.sum()


def test_streams_the_images_once(tmp_path: Path) -> None:
    snapshot = sample_snapshot()
    records = list(snapshot.images())
    passes = []

    def images() -> Iterator[ImageRecord]:
        passes.append(1)
        return iter(records)

    snapshot.images = images
    _export(tmp_path, snapshot)
    assert len(passes) == 1


def _many_images(count: int) -> list[ImageRecord]:
    """The sample's three images again and again (new ids), dealt over the three splits:
    every split has blocks of images with annotations, without any, and with skipped
    kinds."""
    sample = list(sample_snapshot().images())
    out = []
    for n in range(count):
        record = dataclasses.replace(sample[n % 3], id=1000 + n, split=SPLITS[n % 7 % 3])
        record.annotations = [
            dataclasses.replace(a, id=100_000 + 10 * n + k)
            for k, a in enumerate(record.annotations)
        ]
        out.append(record)
    return out


def _members(tmp_path: Path, name: str, snapshot: Snapshot, processes: int) -> dict[str, bytes]:
    with ExportWriter(tmp_path / f"{name}.zip") as out:
        coco.export(snapshot, out, processes=processes)
    with zipfile.ZipFile(tmp_path / f"{name}.zip") as archive:
        return {n: archive.read(n) for n in archive.namelist()}


def test_two_processes_write_the_same_files_as_one(tmp_path: Path) -> None:
    records = _many_images(5 * coco.BLOCK + 7)  # blocks for both parts, a part-full last
    stored = tmp_path / "snapshot.jsonl"
    header = {"event": {"id": 7}, "version": 1, "created_at": "2026-01-01T00:00:00Z"}
    write_snapshot(
        stored,
        header={**header, "options": {}, "counts": {}, "classes": [asdict(c) for c in CLASSES]},
        images=records,
        map_shapes=[],
    )
    one = _members(tmp_path, "one", read_snapshot(stored, geo=False), 1)
    assert sorted(one) == sorted(SPLIT_FILES)
    # A stored snapshot (each part skips the other's images unparsed) and one in memory.
    assert _members(tmp_path, "stored", read_snapshot(stored, geo=False), 2) == one
    in_memory = Snapshot.from_records(event=header["event"], classes=CLASSES, images=records)
    assert _members(tmp_path, "memory", in_memory, 2) == one
    train = orjson.loads(one["annotations/instances_train.json"])
    assert [i["id"] for i in train["images"]] == [r.id for r in records if r.split == "train"]


def test_two_processes_follow_a_snapshot_being_written(tmp_path: Path) -> None:
    # As in a build: the export runs in a forked process and its second part in a forked
    # process of that one, both following the file this process is still writing.
    records = _many_images(3 * coco.BLOCK)
    path = tmp_path / "snapshot.jsonl"
    header = {
        "event": {"id": 7},
        "version": 1,
        "created_at": "2026-01-01T00:00:00Z",
        "options": {},
        "counts": {},
        "classes": [asdict(c) for c in CLASSES],
    }
    frozen = FileFlag(tmp_path / "frozen", parent=os.getpid())
    export = Forked(lambda: _members(tmp_path, "followed", read_snapshot(path, follow=frozen), 2))

    def slowly() -> Iterator[ImageRecord]:
        for n, record in enumerate(records):
            if n % 40 == 0:
                time.sleep(0.02)  # both parts catch up and wait
            yield record

    write_snapshot(path, header=header, images=slowly(), map_shapes=[])
    frozen.set()
    followed = export.result()
    assert followed == _members(tmp_path, "read", read_snapshot(path), 1)
    train = orjson.loads(followed["annotations/instances_train.json"])
    assert len(train["images"]) == sum(r.split == "train" for r in records)


def test_parts_take_every_block_once_whichever_asks_first() -> None:
    turns = coco._Turns(shared=True)
    taken = forked.in_parts(lambda part: [turns.take() for _ in range(200)], 2)
    assert sorted(taken[0] + taken[1]) == list(range(400))
    # A part's choice: the blocks it takes when it reaches a block past its own.
    wanted = coco._Turns(shared=False).wanted()
    assert [wanted(i) for i in range(0, 3 * coco.BLOCK, coco.BLOCK)] == [True] * 3
