"""Semantic segmentation masks: one single-band GeoTIFF per image, on the image's own grid.

``masks/<split>/<stem>.tif`` has the image's width, height, transform and CRS (none for an
image without a georeference: its pixel grid, row 0 at the top). A pixel holds the code of
the class whose area covers its centre: ``class id + 1``; 0 is background (a labelled image,
no area there); ``NODATA`` (255, or 65535 for uint16) marks an image nobody labelled.

- Areas are boxes, polygons (holes stay background) and masks (their RLE pixels exactly).
  Polylines and points mark no area and are not drawn.
- Overlaps: annotations are drawn in id order, so the later (higher id) one wins.
- An image is labelled when it has at least one annotation of any kind; an image with none
  (tags only, or nothing at all) gets a mask that is nodata everywhere, so every image still
  has its mask and training code can ignore it by the nodata value.
"""

from __future__ import annotations

import csv
import io
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from affine import Affine
from rasterio.crs import CRS
from rasterio.errors import NotGeoreferencedWarning
from rasterio.features import rasterize

from events.geometry import rle_decode
from workers.exports.base import ExportWriter, ImageRecord, LabelClassInfo, Snapshot, image_stem

name = "masks"
title = "Segmentation masks (GeoTIFF)"
geographic = False  # pixel space only: reads no EPSG:4326 geometry

FOLDER = "masks"
CODES_FILE = f"{FOLDER}/class_codes.csv"
BACKGROUND = 0
AREA_KINDS = ("bbox", "polygon", "mask")
AREA_TYPES = ("Polygon", "MultiPolygon")

# GeoTIFF layout: DEFLATE suits large runs of one value; tiles let readers fetch windows.
PROFILE: dict[str, Any] = {
    "driver": "GTiff",
    "count": 1,
    "compress": "DEFLATE",
    "tiled": True,
    "blockxsize": 256,
    "blockysize": 256,
}


def mask_dtype(classes: list[LabelClassInfo]) -> tuple[str, int]:
    """The mask's data type and nodata value: uint8 with nodata 255 while every code
    (class id + 1) fits below 255, else uint16 with nodata 65535."""
    top = max((c.id for c in classes), default=-1) + 1
    return ("uint8", 255) if top < 255 else ("uint16", 65535)


def mask_path(image: ImageRecord) -> str:
    return f"{FOLDER}/{image.split}/{image_stem(image)}.tif"


def labels(image: ImageRecord, dtype: str, nodata: int) -> np.ndarray:
    """The mask of ``image`` as an array (height, width)."""
    shape = (image.height, image.width)
    if not image.annotations:
        return np.full(shape, nodata, dtype=dtype)
    out = np.full(shape, BACKGROUND, dtype=dtype)
    pending: list[tuple[dict[str, Any], int]] = []

    def draw_pending() -> None:
        # Pixel-space geometry on an identity transform: a pixel is covered when its centre
        # is inside (all_touched=False), and later shapes overwrite earlier ones.
        if pending:
            rasterize(pending, out=out, all_touched=False)
            pending.clear()

    for annotation in sorted(image.annotations, key=lambda a: a.id):
        code = annotation.class_id + 1
        if annotation.kind == "mask" and annotation.mask is not None:
            draw_pending()  # keep id order between shapes and masks
            out[rle_decode(annotation.mask, width=image.width, height=image.height)] = code
        elif annotation.kind in AREA_KINDS and annotation.geometry.get("type") in AREA_TYPES:
            pending.append((annotation.geometry, code))
    draw_pending()
    return out


def _colormap(classes: list[LabelClassInfo], nodata: int) -> dict[int, tuple[int, ...]]:
    colors: dict[int, tuple[int, ...]] = {BACKGROUND: (0, 0, 0, 255), nodata: (0, 0, 0, 0)}
    for c in classes:
        value = c.color.lstrip("#")
        if len(value) == 6:
            colors[c.id + 1] = (*(int(value[i : i + 2], 16) for i in (0, 2, 4)), 255)
    return colors


def _write(path: Path, image: ImageRecord, data: np.ndarray, snapshot: Snapshot) -> None:
    dtype, nodata = mask_dtype(snapshot.classes)
    profile = dict(PROFILE, width=image.width, height=image.height, dtype=dtype, nodata=nodata)
    if image.georeferenced:
        assert image.transform is not None
        profile.update(transform=Affine(*image.transform[:6]), crs=CRS.from_user_input(image.crs))
    with warnings.catch_warnings():
        # An image without a georeference gets a mask without one, on purpose.
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(path, "w", **profile) as dst:
            # The color table before the pixels: GDAL cannot change the TIFF's photometric
            # interpretation to palette once pixel data is written.
            dst.write_colormap(1, _colormap(snapshot.classes, nodata))
            dst.write(data, 1)
            dst.set_band_description(1, "class code: class id + 1; 0 background")
            dst.update_tags(
                **{f"CLASS_{c.id + 1}": c.name for c in snapshot.classes},
                BACKGROUND=str(BACKGROUND),
                NODATA=str(nodata),
            )


def _codes_csv(snapshot: Snapshot) -> str:
    _, nodata = mask_dtype(snapshot.classes)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["code", "class_id", "class", "color"])
    writer.writerow([BACKGROUND, "", "background", "#000000"])
    for c in snapshot.classes:
        writer.writerow([c.id + 1, c.id, c.name, c.color])
    writer.writerow([nodata, "", "unlabelled (nodata)", ""])
    return buffer.getvalue()


def export(snapshot: Snapshot, out: ExportWriter) -> None:
    dtype, nodata = mask_dtype(snapshot.classes)
    with tempfile.TemporaryDirectory(prefix="labeler-masks-") as tmp:
        path = Path(tmp) / "mask.tif"
        for image in snapshot.images():
            _write(path, image, labels(image, dtype, nodata), snapshot)
            # Already DEFLATE inside: stored as is in the ZIP.
            out.write_file(mask_path(image), path)
            path.unlink()
    out.write_text(CODES_FILE, _codes_csv(snapshot))


def readme(snapshot: Snapshot) -> str:
    dtype, nodata = mask_dtype(snapshot.classes)
    images = unlabelled = skipped = 0
    for image in snapshot.images():
        images += 1
        unlabelled += not image.annotations
        skipped += sum(a.kind not in AREA_KINDS for a in image.annotations)
    rows = ["| code | class_id | class | color |", "|---|---|---|---|"]
    rows.append(f"| {BACKGROUND} | | background | `#000000` |")
    rows += [f"| {c.id + 1} | {c.id} | {c.name} | `{c.color}` |" for c in snapshot.classes]
    rows.append(f"| {nodata} | | unlabelled (nodata) | transparent |")
    codes = "\n".join(rows)
    return f"""\
## Segmentation masks

`{FOLDER}/<split>/<id>_<name>.tif`: one mask per image ({images} here), a single-band
{dtype} GeoTIFF (DEFLATE, 256 x 256 tiles) on exactly the image's pixel grid: same width,
height, affine transform and CRS as the image's GeoTIFF, so pixel (row, col) of the mask is
pixel (row, col) of the image. An image without a georeference gives a mask without CRS or
transform (rasterio reports the identity transform): its pixel grid, row 0 at the top.

Pixel values (`{CODES_FILE}` has the same table; the GeoTIFF carries a color table and
`CLASS_<code>` tags):

{codes}

Rules:

- A pixel takes a class's code when its centre lies inside a box, a polygon or a mask of
  that class (rasterized with `all_touched=False`; masks exactly by their RLE pixels).
  Polygon holes stay background.
- Overlaps: annotations are drawn in id order, so the later annotation (higher id) wins.
- Polylines and points mark no area and are not drawn ({skipped} in this version).
- `0` background: the image is labelled (it has at least one annotation) and no area covers
  the pixel.
- `{nodata}` nodata: the image has no annotation at all, tag-only images included
  ({unlabelled} here); its whole mask is nodata, so treat it as "ignore", not as background.
  The image's own nodata pixels are not marked in the mask.

Load:

```python
import rasterio
with rasterio.open("{FOLDER}/train/1_scene.tif") as src:
    labels = src.read(1)           # (height, width) class codes
    transform, crs = src.transform, src.crs
```
"""
