"""workers/tiles.py's fast paths: the PNG writer gives rio-tiler's pixels, StoredRaster from
``values()`` equals the one from the model, open datasets follow the checksum, warm-up."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from PIL import Image as PILImage
from rio_tiler.colormap import cmap
from rio_tiler.utils import render

from events.models import Image
from tests import rasters
from workers import tiles

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    yield
    tiles.close_datasets()


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(PILImage.open(io.BytesIO(png)))


@pytest.mark.parametrize("bands", [1, 3])
def test_png_has_the_pixels_rio_tiler_writes(bands):
    rng = np.random.default_rng(3)
    data = rng.integers(0, 256, (bands, 37, 53), dtype="uint8")
    alpha = np.where(rng.random((37, 53)) < 0.2, 0, 255).astype("uint8")
    ours = _pixels(tiles._png(data, alpha))
    theirs = _pixels(render(data, alpha, img_format="PNG"))
    assert ours.shape == theirs.shape == (37, 53, bands + 1)
    assert np.array_equal(ours, theirs)


def test_png_with_a_colormap_matches_rio_tiler():
    data = np.arange(256, dtype="uint8").reshape(1, 16, 16)
    alpha = np.full((16, 16), 255, dtype="uint8")
    alpha[:2] = 0
    colormap = cmap.get("viridis")
    image = tiles.ImageData(np.ma.MaskedArray(data, mask=np.broadcast_to(alpha == 0, data.shape)))
    ours = _pixels(tiles._png(*tiles._bands_and_alpha(image, colormap)))
    theirs = _pixels(render(data, alpha, img_format="PNG", colormap=colormap))
    assert np.array_equal(ours, theirs)


def test_stored_raster_from_values_equals_from_the_model(event):
    image = rasters.image_with_raster(event, rasters.S2)
    values = Image.objects.filter(pk=image.pk).values(*tiles.IMAGE_FIELDS).get()
    assert tiles.StoredRaster.from_values(values) == tiles.StoredRaster.from_image(image)


def test_an_image_without_a_file_has_no_tiles(event):
    image = rasters.image_with_raster(event, rasters.S2)
    values: dict[str, Any] = Image.objects.filter(pk=image.pk).values(*tiles.IMAGE_FIELDS).get()
    values["file"] = ""
    with pytest.raises(tiles.TileNotFound):
        tiles.StoredRaster.from_values(values)


def test_open_datasets_follow_the_checksum(event):
    info = tiles.StoredRaster.from_image(rasters.image_with_raster(event, rasters.S2))
    first = tiles._dataset(info)
    assert tiles._dataset(info) is first
    changed = tiles.StoredRaster(**{**info.__dict__, "checksum": "e" * 64})
    assert tiles._dataset(changed) is not first
