"""A dataset version cut into image chips (option chip_size), built through the API with the
real job on the georeferenced RGB.byte.tif: COCO loads with pycocotools at the chip size,
masks and chip images share each chip's grid, bad options answer 400 naming the option."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import pytest
import rasterio
from django.urls import reverse
from pycocotools.coco import COCO
from rasterio.windows import Window
from rasterio.windows import transform as window_transform

import tests.api.test_datasets as dataset_tests
from events.models import DatasetVersion
from tests.api.test_datasets import build, download
from tests.rasters import RGB

pytestmark = pytest.mark.django_db

world = dataset_tests.world  # the same fixture: the RGB image with a box, a polygon, tags


def test_a_chipped_version_exports_chips(api, world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    client = api(world["reviewer"])
    version, _ = build(
        client,
        world["event"].pk,
        formats=["coco", "masks"],
        options={"chip_size": 256, "include_images": True},
    )
    assert version.options == {
        "include_images": True,
        "chip_size": 256,
        "chip_overlap": 0,
        "keep_empty_chips": True,
    }
    image = world["image"]
    first = image.pk * 1_000_000  # the id of the image's first chip, at (0, 0)

    # COCO: every image entry is a 256 x 256 chip; the RGB image gives 4 x 3 chips.
    folder = tmp_path / "coco"
    archive = download(client, version, "coco")
    archive.extractall(folder)
    entries: dict[int, dict[str, Any]] = {}
    boxes: dict[int, list[list[int]]] = defaultdict(list)
    for name in sorted(n for n in archive.namelist() if n.startswith("annotations/")):
        coco = COCO(str(folder / name))
        for entry in coco.loadImgs(coco.getImgIds()):
            entries[entry["id"]] = {**entry, "split_file": name}
        for a in coco.loadAnns(coco.getAnnIds()):
            boxes[a["image_id"]].append([round(v) for v in a["bbox"]])
    assert all((e["width"], e["height"]) == (256, 256) for e in entries.values())
    rgb = {i: e for i, e in entries.items() if i // 1_000_000 == image.pk}
    assert len(rgb) == 12 and len(entries) == 13  # plus the 64 x 64 PNG's one padded chip
    assert entries[first]["original_name"] == f"{image.pk}_0_0"
    assert len({e["split_file"] for e in rgb.values()}) == 1  # one image, one split
    assert [10, 20, 100, 50] in boxes[first]  # the box, in the first chip
    # The chip images are in the ZIP, the window of the stored image with its own grid.
    with rasterio.open(RGB) as src, rasterio.open(folder / entries[first]["file_name"]) as chip:
        window = Window(0, 0, 256, 256)
        assert chip.transform.almost_equals(window_transform(window, src.transform))
        assert (chip.read() == src.read(window=window)).all()
    readme = archive.read("README.md").decode()
    assert "256 x 256 pixel chips" in readme

    # Masks: each chip's mask is on the chip's grid, the box drawn at its chip position.
    folder = tmp_path / "masks"
    archive = download(client, version, "masks")
    archive.extractall(folder)
    names = archive.namelist()
    (mask_name,) = [n for n in names if n.startswith("masks/") and f"/{first}_" in n]
    (image_name,) = [n for n in names if n.startswith("images/") and f"/{first}_" in n]
    with rasterio.open(folder / mask_name) as mask, rasterio.open(folder / image_name) as chip:
        assert (mask.width, mask.height) == (chip.width, chip.height) == (256, 256)
        assert mask.crs == chip.crs
        assert mask.transform.almost_equals(chip.transform)
        data = mask.read(1)
        water = world["classes"]["water"]
        schema = json.loads(archive.read("label_schema.json"))
        code = next(c["mask_value"] for c in schema["classes"] if c["name"] == water.name)
        assert (data[20:70, 10:110] == code).all()
        assert (data[70:, :] != code).all() and (data[:20, :] != code).all()


@pytest.mark.parametrize(
    "options",
    [
        {"chip_size": "big"},
        {"chip_size": 4},
        {"chip_size": 256, "chip_overlap": 256},
        {"chip_size": 256, "keep_empty_chips": "yes"},
        {"chip_overlap": 32},
    ],
)
def test_bad_chip_options_answer_400_naming_the_option(api, world, options) -> None:  # type: ignore[no-untyped-def]
    response = api(world["reviewer"]).post(
        reverse("v1:dataset-list", kwargs={"event_id": world["event"].pk}),
        {"formats": ["coco"], "options": options},
    )
    assert response.status_code == 400
    error = response.json()
    named = next(k for k in options if k != "chip_size" or len(options) == 1)
    assert named in error["detail"] and error["fields"]["options"] == [named], error
    assert not DatasetVersion.objects.exists()
