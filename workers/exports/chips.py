"""Image chips: a dataset version cut into fixed-size tiles instead of whole images.

With the ``chip_size`` option a version exports chips: every image is cut into
``chip_size`` x ``chip_size`` windows on a regular grid, and each window becomes an
``ImageRecord`` of its own, so every exporter (COCO, YOLO, masks, ...) writes chips without
knowing about them.

- Grid: windows start every ``chip_size - chip_overlap`` pixels from the top-left corner.
  The last window of a row (column) is shifted inward to end on the image's right (bottom)
  edge, so every chip is full size and inside the image; it overlaps its neighbour more.
  An image smaller than ``chip_size`` along an axis gets one window along that axis, padded
  past the image's right (bottom) edge: nodata in the written pixels (0 without nodata).
- Records: a chip's ``name`` is ``<image id>_<row offset>_<column offset>`` (pixels in the
  source image, e.g. ``1_256_535``), its ``id`` is ``image id * 1_000_000 + n`` (``n`` the
  chip's row-major index in its image's grid), so ids stay unique and stable; ``width``,
  ``height`` are the chip's; ``transform`` is the image's shifted to the window
  (``rasterio.windows.transform``), same CRS; ``footprint`` the window in EPSG:4326;
  ``file`` stays the source image's file (the pixels are read from it); ``checksum`` is
  empty (no stored file is the chip). Tags are copied from the image; the split is the
  image's, so chips of one image never straddle splits.
- Annotations are clipped to the window in pixel space and moved to the chip's pixel
  origin; boxes stay boxes, polygons and lines may come out as multi-part, points count
  when inside the window, masks are the window's slice of the RLE. An annotation with
  nothing left inside is dropped. ``geo_geometry`` is recomputed from the clipped pixel
  geometry. An annotation cut by a chip edge appears in every chip it touches, so
  annotation ids are renumbered 1, 2, ... in the order of the chipped stream (unique in the
  version, same on every pass).
- ``keep_empty_chips`` false drops chips without any annotation (tags do not count: they
  are the source image's and copied to all its chips).

``chipped(snapshot, ...)`` streams: one source image is chipped at a time.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import shapely
from affine import Affine
from rasterio.crs import CRS
from rasterio.errors import NotGeoreferencedWarning
from rasterio.windows import Window
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from events.errors import InvalidInput
from events.geometry import (
    affine_of,
    box_geometry,
    mapping_of,
    mask_outline,
    pixel_to_geographic,
    rle_encode,
)
from workers.exports.base import AnnotationRecord, ImageRecord, Snapshot

#: A chip's id is its source image's id times this, plus its index in the image's grid.
CHIP_ID_FACTOR = 1_000_000
#: Bounds of the options (checked by ``workers.exports.build``).
MIN_CHIP_SIZE, MAX_CHIP_SIZE = 32, 8192

POLYGONAL = ("bbox", "polygon", "mask")


# --- the options ---------------------------------------------------------------------------


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def chip_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """The chip options of a dataset request, checked: ``{}`` without ``chip_size``, else
    ``chip_size``, ``chip_overlap`` (default 0) and ``keep_empty_chips`` (default true).
    Raises InvalidInput naming the option."""

    def bad(option: str, what: str) -> InvalidInput:
        return InvalidInput(f"Option {option} must be {what}.", fields={"options": [option]})

    size = options.get("chip_size")
    if size is None:
        for option in ("chip_overlap", "keep_empty_chips"):
            if options.get(option) is not None:
                raise bad(option, "given with chip_size (it only applies to chips)")
        return {}
    if not _integer(size) or not MIN_CHIP_SIZE <= size <= MAX_CHIP_SIZE:
        raise bad("chip_size", f"an integer from {MIN_CHIP_SIZE} to {MAX_CHIP_SIZE} (pixels)")
    overlap = options.get("chip_overlap", 0)
    if overlap is None:
        overlap = 0
    if not _integer(overlap) or not 0 <= overlap <= size // 2:
        raise bad("chip_overlap", f"an integer from 0 to chip_size / 2 = {size // 2} (pixels)")
    keep = options.get("keep_empty_chips", True)
    if keep is None:
        keep = True
    if not isinstance(keep, bool):
        raise bad("keep_empty_chips", "true or false")
    return {"chip_size": size, "chip_overlap": overlap, "keep_empty_chips": keep}


def chip_readme(options: Mapping[str, Any]) -> str:
    """The general README's line about chips."""
    size, overlap = options["chip_size"], options.get("chip_overlap", 0)
    keep = options.get("keep_empty_chips", True)
    images = (
        " Chip pixels: `images/<split>/<chip id>_<name>.tif`, GeoTIFFs with all bands and "
        "the chip's CRS and transform."
        if options.get("include_images")
        else ""
    )
    return (
        f"- Chips: every image is cut into {size} x {size} pixel chips, a new one every "
        f"{size - overlap} pixels (overlap {overlap}); the last chip of a row or column is "
        "shifted inward to end on the image's edge, an image smaller than a chip is padded "
        "(nodata) on the right and bottom. Each chip is an image of this version: name "
        "`<image id>_<row offset>_<column offset>`, id `image id * 1000000 + n`, its own "
        "transform and footprint, the annotations clipped to it (renumbered: an annotation "
        "cut by a chip edge is in each chip it touches), the image's tags and split. "
        + (
            "Chips without annotations are kept."
            if keep
            else "Chips without annotations are left out."
        )
        + " The counts above are of the source images."
        + images
    )


# --- the grid ------------------------------------------------------------------------------


def chip_offsets(length: int, size: int, overlap: int = 0) -> list[int]:
    """Window starts along one axis of ``length`` pixels: every ``size - overlap`` pixels,
    the last one shifted inward to end on the edge; ``[0]`` when the axis is not longer
    than ``size`` (that window is padded)."""
    if size <= 0 or not 0 <= overlap < size:
        raise ValueError(f"Bad chip size {size} / overlap {overlap}.")
    if length <= size:
        return [0]
    stride = size - overlap
    count = math.ceil((length - size) / stride) + 1
    return [min(i * stride, length - size) for i in range(count)]


def chip_name(image_id: int, row_off: int, col_off: int) -> str:
    return f"{image_id}_{row_off}_{col_off}"


def chip_window(record: ImageRecord) -> Window:
    """The window of the source image a chip record covers (from its name)."""
    try:
        _, row_off, col_off = (int(part) for part in record.name.rsplit("_", 2))
    except ValueError:
        raise ValueError(f"{record.name!r} is not a chip name (<image id>_<row>_<col>).") from None
    return Window(col_off, row_off, record.width, record.height)


def source_image_id(record: ImageRecord) -> int:
    """The id of the image a chip was cut from."""
    return record.id // CHIP_ID_FACTOR


# --- annotations ---------------------------------------------------------------------------


def _parts(geom: BaseGeometry, dimension: int) -> list[BaseGeometry]:
    """The non-degenerate parts of ``geom`` of the given dimension."""
    parts = [
        p
        for p in shapely.get_parts(shapely.get_parts(geom))
        if not p.is_empty and shapely.get_dimensions(p) == dimension
    ]
    if dimension == 2:
        return [p for p in parts if p.area > 0]
    if dimension == 1:
        return [p for p in parts if p.length > 0]
    return parts


def _polygonal(geom: BaseGeometry) -> BaseGeometry | None:
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    parts = _parts(geom, 2)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _linear(geom: BaseGeometry) -> BaseGeometry | None:
    parts = _parts(geom, 1)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else shapely.MultiLineString(parts)


class _Mask:
    """A mask annotation's set pixels, kept as the slab of columns that hold them."""

    def __init__(self, rle: dict[str, Any], *, width: int, height: int) -> None:
        if list(rle.get("size", [])) != [height, width]:
            raise ValueError(f"Mask size {rle.get('size')} is not [{height}, {width}].")
        counts = np.asarray(rle["counts"], dtype=np.int64)
        ends = np.cumsum(counts)
        starts = ends - counts
        on = np.zeros(counts.size, dtype=bool)
        on[1::2] = True
        on &= counts > 0
        self.col0 = 0
        self.pixels = np.zeros((0, 0), dtype=bool)
        if not on.any():
            return
        first, last = int(starts[on].min()), int(ends[on].max())
        col0, col1 = first // height, (last - 1) // height + 1
        # Column-major runs clipped to the slab of columns [col0, col1).
        lo, hi = col0 * height, col1 * height
        lengths = np.clip(ends, lo, hi) - np.clip(starts, lo, hi)
        flat = np.repeat(on, lengths)
        self.col0 = col0
        self.pixels = flat.reshape((height, col1 - col0), order="F")

    def window(self, row_off: int, col_off: int, width: int, height: int) -> np.ndarray:
        """The mask over a window (height, width); parts past the slab are unset."""
        out = np.zeros((height, width), dtype=bool)
        rows = self.pixels.shape[0]
        c0 = max(col_off, self.col0)
        c1 = min(col_off + width, self.col0 + self.pixels.shape[1])
        r0, r1 = max(row_off, 0), min(row_off + height, rows)
        if c1 > c0 and r1 > r0:
            out[r0 - row_off : r1 - row_off, c0 - col_off : c1 - col_off] = self.pixels[
                r0:r1, c0 - self.col0 : c1 - self.col0
            ]
        return out


class _Source:
    """One annotation of the source image, ready to be clipped to windows."""

    def __init__(self, annotation: AnnotationRecord, image: ImageRecord) -> None:
        self.annotation = annotation
        self.geom = shape(annotation.geometry)
        self.mask = (
            _Mask(annotation.mask, width=image.width, height=image.height)
            if annotation.kind == "mask" and annotation.mask is not None
            else None
        )

    def clipped(
        self, row_off: int, col_off: int, width: int, height: int, *, last_col: bool, last_row: bool
    ) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
        """(pixel geometry, mask) in the window's pixel space, or None when nothing is left."""
        kind = self.annotation.kind
        x0, y0, x1, y1 = col_off, row_off, col_off + width, row_off + height
        mask = None
        pixels = None
        if self.mask is not None:
            pixels = self.mask.window(row_off, col_off, width, height)
            if not pixels.any():
                return None
            mask = rle_encode(pixels)
        if kind == "bbox":
            bx0, by0, bx1, by1 = self.geom.bounds
            cx0, cy0, cx1, cy1 = max(bx0, x0), max(by0, y0), min(bx1, x1), min(by1, y1)
            if cx1 <= cx0 or cy1 <= cy0:
                return None
            return box_geometry(cx0 - x0, cy0 - y0, cx1 - x0, cy1 - y0), None
        if kind in ("point",) or self.geom.geom_type in ("Point", "MultiPoint"):
            # Inside the window: [x0, x1) x [y0, y1), closed on the image's far edges.
            points = [
                p
                for p in shapely.get_parts(self.geom)
                if x0 <= p.x and (p.x < x1 or (last_col and p.x == x1))
                if y0 <= p.y and (p.y < y1 or (last_row and p.y == y1))
            ]
            if not points:
                return None
            moved = [shapely.Point(p.x - x0, p.y - y0) for p in points]
            if self.geom.geom_type == "Point":
                return mapping_of(moved[0]), None
            return mapping_of(shapely.MultiPoint(moved)), None
        cut = shapely.clip_by_rect(self.geom, x0, y0, x1, y1)
        piece = _polygonal(cut) if kind in POLYGONAL else _linear(cut)
        if piece is None:
            if pixels is None:
                return None
            # A mask whose outline does not reach the window but whose pixels do.
            return mapping_of(mask_outline(pixels)), mask
        moved = shapely.transform(piece, lambda c: c - np.array([x0, y0]))
        return mapping_of(moved), mask


# --- records -------------------------------------------------------------------------------


def _chips_of(
    image: ImageRecord,
    *,
    size: int,
    overlap: int,
    keep_empty: bool,
    next_annotation_id: Callable[[], int],
) -> Iterator[ImageRecord]:
    rows = chip_offsets(image.height, size, overlap)
    cols = chip_offsets(image.width, size, overlap)
    if len(rows) * len(cols) > CHIP_ID_FACTOR:
        raise ValueError(
            f"Image {image.id} would give {len(rows) * len(cols)} chips; at most "
            f"{CHIP_ID_FACTOR} per image: choose a larger chip_size."
        )
    sources = [_Source(a, image) for a in sorted(image.annotations, key=lambda a: a.id)]
    tree = shapely.STRtree([s.geom for s in sources]) if sources else None
    forward = affine_of(image.transform) if image.transform and image.crs else None
    index = -1
    for row_off in rows:
        for col_off in cols:
            index += 1
            hits: list[int] = []
            if tree is not None:
                box = shapely.box(col_off, row_off, col_off + size, row_off + size)
                hits = sorted(int(i) for i in tree.query(box))
            transform: list[float] | None = None
            footprint = None
            if forward is not None:
                # rasterio.windows.transform(window, forward), without its deprecated `*`.
                transform = list(forward @ Affine.translation(col_off, row_off))[:6]
                outline = box_geometry(0, 0, size, size)
                footprint = pixel_to_geographic(outline, transform=transform, crs=image.crs)
            annotations: list[AnnotationRecord] = []
            for i in hits:
                source = sources[i]
                result = source.clipped(
                    row_off,
                    col_off,
                    size,
                    size,
                    last_col=col_off + size >= image.width,
                    last_row=row_off + size >= image.height,
                )
                if result is None:
                    continue
                geometry, mask = result
                geo = None
                if transform is not None:
                    geo = pixel_to_geographic(geometry, transform=transform, crs=image.crs)
                annotations.append(
                    dataclasses.replace(
                        source.annotation,
                        id=0,  # numbered below, only if the chip is kept
                        geometry=geometry,
                        geo_geometry=geo,
                        mask=mask,
                        attributes=dict(source.annotation.attributes),
                    )
                )
            if not annotations and not keep_empty:
                continue
            for annotation in annotations:
                annotation.id = next_annotation_id()
            yield dataclasses.replace(
                image,
                id=image.id * CHIP_ID_FACTOR + index,
                name=chip_name(image.id, row_off, col_off),
                width=size,
                height=size,
                transform=transform,
                footprint=footprint,
                checksum="",
                annotations=annotations,
                tags=[dataclasses.replace(t) for t in image.tags],
                band_names=list(image.band_names),
            )


def chipped(
    snapshot: Snapshot, *, size: int, overlap: int = 0, keep_empty: bool = True
) -> Snapshot:
    """``snapshot`` with every image replaced by its chips (see the module's docstring).
    Each ``images()`` pass streams the source images once, chipping one at a time."""
    chip_offsets(size, size, overlap)  # checks size and overlap

    def images() -> Iterator[ImageRecord]:
        counter = itertools.count(1)
        for image in snapshot.images():
            yield from _chips_of(
                image,
                size=size,
                overlap=overlap,
                keep_empty=keep_empty,
                next_annotation_id=lambda: next(counter),
            )

    return dataclasses.replace(
        snapshot,
        images=images,
        options={
            **snapshot.options,
            "chip_size": size,
            "chip_overlap": overlap,
            "keep_empty_chips": keep_empty,
        },
    )


# --- pixels --------------------------------------------------------------------------------


def _quiet_open(path: str) -> Any:
    # A source without a georeference is fine: its chips have none either.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        return rasterio.open(path)


def write_chip_image(
    record: ImageRecord, target_path: Path | str, *, source: str | None = None
) -> None:
    """Write a chip's pixels as a GeoTIFF: the window of its source image (all bands,
    nodata, band descriptions) with the chip's transform and CRS. ``source`` is a path
    rasterio opens; by default the stored file ``record.file`` of the default storage."""
    from workers.storage import raster_env, raster_path

    window = chip_window(record)
    with raster_env(), _quiet_open(source or raster_path(record.file)) as src:
        inside = (
            window.col_off + window.width <= src.width
            and window.row_off + window.height <= src.height
        )
        if inside:
            data = src.read(window=window)
        else:  # an image smaller than the chip: padded
            fill = src.nodata if src.nodata is not None else 0
            data = src.read(window=window, boundless=True, fill_value=fill)
        profile: dict[str, Any] = {
            "driver": "GTiff",
            "width": record.width,
            "height": record.height,
            "count": src.count,
            "dtype": src.dtypes[0],
            "nodata": src.nodata,
            "compress": "DEFLATE",
        }
        if record.width % 16 == 0 and record.height % 16 == 0:
            block = {"blockxsize": min(256, record.width), "blockysize": min(256, record.height)}
            profile.update(tiled=True, **block)
        if record.transform and record.crs:
            profile.update(
                transform=Affine(*record.transform[:6]), crs=CRS.from_user_input(record.crs)
            )
        descriptions = src.descriptions
        colorinterp = src.colorinterp
        with warnings.catch_warnings():
            # A chip of an image without a georeference has none either, on purpose.
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            dst = rasterio.open(target_path, "w", **profile)
        with dst:
            dst.write(data)
            dst.colorinterp = colorinterp
            for band, description in enumerate(descriptions, start=1):
                if description:
                    dst.set_band_description(band, description)
