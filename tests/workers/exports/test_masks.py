"""The GeoTIFF label masks, opened with rasterio and compared with the images' own grids."""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from rasterio.errors import NotGeoreferencedWarning

from events.geometry import box_geometry, rle_encode
from tests.exports_data import MASK_COLS, MASK_ROWS, sample_snapshot
from tests.rasters import JPEG, RGB
from workers.exports import masks
from workers.exports.base import (
    AnnotationRecord,
    ExportWriter,
    ImageRecord,
    LabelClassInfo,
    Snapshot,
)

FLOOD, CLOUD = 1, 2  # codes: class id + 1


def _export(tmp_path: Path, snapshot: Snapshot | None = None) -> Path:
    path = tmp_path / "masks.zip"
    with ExportWriter(path) as out:
        masks.export(snapshot or sample_snapshot(), out)
    target = tmp_path / "unzipped"
    with zipfile.ZipFile(path) as z:
        z.extractall(target)
    return target


def _read(path: Path) -> tuple[np.ndarray, dict]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(path) as src:
            return src.read(1), src.profile | {"colormap": src.colormap(1), "tags": src.tags()}


def test_one_mask_per_image_on_the_image_grid(tmp_path: Path) -> None:
    folder = _export(tmp_path)

    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*.*")) == [
        "masks/class_codes.csv",
        "masks/test/3_empty_scene.tif",
        "masks/train/1_RGB.byte.tif",
        "masks/validation/2_AnnualCrop_1.tif",
    ]
    _, profile = _read(folder / "masks/train/1_RGB.byte.tif")
    with rasterio.open(RGB) as image:
        assert (profile["width"], profile["height"]) == (image.width, image.height)
        assert profile["transform"] == image.transform
        assert profile["crs"] == image.crs
    assert (profile["count"], profile["dtype"], profile["nodata"]) == (1, "uint8", 255)
    assert profile["compress"] == "deflate" and profile["tiled"]

    _, jpeg_profile = _read(folder / "masks/validation/2_AnnualCrop_1.tif")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(JPEG) as image:
            assert (jpeg_profile["width"], jpeg_profile["height"]) == (image.width, image.height)
            assert jpeg_profile["transform"] == image.transform == Affine.identity()
    assert jpeg_profile["crs"] is None


def test_class_pixels_sit_where_the_shapes_are(tmp_path: Path) -> None:
    data, profile = _read(_export(tmp_path) / "masks/train/1_RGB.byte.tif")

    expected = np.zeros_like(data)
    expected[20:70, 10:110] = FLOOD  # box (10, 20)-(110, 70): pixel centres inside
    expected[300:500, 300:500] = FLOOD  # polygon ...
    expected[350:400, 350:400] = 0  # ... and its hole
    expected[MASK_ROWS, MASK_COLS] = CLOUD  # the 40 x 60 RLE mask, exactly
    assert np.array_equal(data, expected)
    assert (data == CLOUD).sum() == 40 * 60
    # The polyline (through pixel (row 600, col 50)) and the point are not areas.
    assert data[600, 50] == 0 and data[100, 400] == 0
    assert profile["colormap"][FLOOD][:3] == (0x1F, 0x77, 0xB4)
    assert profile["tags"]["CLASS_2"] == "cloud street"


def test_non_georeferenced_and_unlabelled_images(tmp_path: Path) -> None:
    folder = _export(tmp_path)

    jpeg, _ = _read(folder / "masks/validation/2_AnnualCrop_1.tif")
    expected = np.zeros((64, 64), dtype=np.uint8)
    expected[4:36, 8:40] = FLOOD
    assert np.array_equal(jpeg, expected)

    empty, profile = _read(folder / "masks/test/3_empty_scene.tif")
    assert empty.shape == (16, 32)
    assert (empty == 255).all() and profile["nodata"] == 255


def test_later_annotations_win_overlaps(tmp_path: Path) -> None:
    mask = np.zeros((20, 20), dtype=bool)
    mask[0:10, 0:10] = True
    image = ImageRecord(
        id=5,
        name="overlap.tif",
        split="train",
        width=20,
        height=20,
        annotations=[
            # Listed out of id order on purpose: drawing follows the ids.
            AnnotationRecord(id=3, class_id=0, kind="bbox", geometry=box_geometry(5, 5, 15, 15)),
            AnnotationRecord(id=1, class_id=1, kind="bbox", geometry=box_geometry(0, 0, 20, 20)),
            AnnotationRecord(
                id=4,
                class_id=1,
                kind="mask",
                geometry=box_geometry(0, 0, 10, 10),
                mask=rle_encode(mask),
            ),
            AnnotationRecord(
                id=2, class_id=0, kind="point", geometry={"type": "Point", "coordinates": [18, 18]}
            ),
        ],
    )
    source = sample_snapshot()
    snapshot = Snapshot.from_records(event=source.event, classes=source.classes, images=[image])
    data, _ = _read(_export(tmp_path, snapshot) / "masks/train/5_overlap.tif")

    expected = np.full((20, 20), CLOUD, dtype=np.uint8)  # id 1 covers everything
    expected[5:15, 5:15] = FLOOD  # id 3 over it
    expected[0:10, 0:10] = CLOUD  # the mask, id 4, over both
    assert np.array_equal(data, expected)


def test_many_classes_use_uint16(tmp_path: Path) -> None:
    classes = [
        LabelClassInfo(id=i, pk=i, name=f"c{i}", color="#000000", kind="object") for i in range(300)
    ]
    image = ImageRecord(
        id=6,
        name="many.tif",
        split="test",
        width=8,
        height=8,
        annotations=[
            AnnotationRecord(id=1, class_id=299, kind="bbox", geometry=box_geometry(0, 0, 4, 4))
        ],
    )
    snapshot = Snapshot.from_records(event={"id": 1}, classes=classes, images=[image])
    folder = _export(tmp_path, snapshot)
    data, profile = _read(folder / "masks/test/6_many.tif")

    assert (profile["dtype"], profile["nodata"]) == ("uint16", 65535)
    assert data[0, 0] == 300 and data[7, 7] == 0
    assert masks.mask_dtype(classes[:254]) == ("uint8", 255)
    assert masks.mask_dtype(classes[:255]) == ("uint16", 65535)


def test_class_codes_table(tmp_path: Path) -> None:
    folder = _export(tmp_path)
    rows = list(csv.DictReader(io.StringIO((folder / masks.CODES_FILE).read_text())))

    assert [(r["code"], r["class"]) for r in rows] == [
        ("0", "background"),
        ("1", "flood"),
        ("2", "cloud street"),
        ("3", "unused"),
        ("4", "dust"),
        ("255", "unlabelled (nodata)"),
    ]
    text = masks.readme(sample_snapshot())
    assert "| 2 | 1 | cloud street | `#ff7f0e` |" in text
    assert "| 255 | | unlabelled (nodata) | transparent |" in text
    assert "Polylines and points mark no area and are not drawn (2 in this version)" in text
    assert "tag-only images included\n  (1 here)" in text
