"""COCO instances JSON: one ``annotations/instances_<split>.json`` per split with images.

Format: https://cocodataset.org/#format-data. Boxes and polygons keep their exact pixel
coordinates; a polygon with holes, which COCO polygons cannot express, is rasterized to
uncompressed RLE; masks keep their stored RLE. Polylines and points have no COCO shape and
are skipped (counted in ``info.skipped``).

The JSON is streamed: one pass over the images writes each split's ``images`` and
``annotations`` arrays, item by item with orjson, into temporary files (memory stays flat),
then each split's file is assembled into the ZIP. With ``processes=2`` two processes share
that pass, block by block of images, for the same file. The geometry
helpers below are plain arithmetic (no shapely per annotation): they are also used by the
YOLO and VOC exporters.
"""

from __future__ import annotations

import math
import multiprocessing
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from operator import mul
from pathlib import Path
from typing import IO, Any

import numpy as np
import orjson
from affine import Affine
from rasterio import features

from workers import forked
from workers.exports.base import SPLITS, ExportWriter, ImageRecord, Snapshot, image_path

name = "coco"
title = "COCO instances JSON"
geographic = False  # pixel space only: reads no EPSG:4326 geometry
parallel = True  # export(..., processes=n) writes in n processes at once

Ring = list[list[float]]

# --- geometry helpers (pixel space, GeoJSON coordinates) ---------------------------------


def polygons(geometry: dict[str, Any]) -> list[list[Ring]]:
    """The polygons of a Polygon or MultiPolygon, each as [exterior, *holes]; [] otherwise."""
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["coordinates"])
    return []


def bounds(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) of a (Multi)Polygon: holes lie inside, exteriors suffice."""
    points = [p for polygon in polygons(geometry) for p in polygon[0]]
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _shoelace(xs: list[float], ys: list[float]) -> float:
    """Unsigned area of a closed ring given as its x and y lists."""
    return abs(sum(map(mul, xs[:-1], ys[1:])) - sum(map(mul, xs[1:], ys[:-1]))) / 2


def ring_area(ring: Ring) -> float:
    """Unsigned area of a closed ring by the shoelace formula."""
    return _shoelace([p[0] for p in ring], [p[1] for p in ring])


def polygon_area(geometry: dict[str, Any]) -> float:
    """Area of a (Multi)Polygon: exteriors minus holes."""
    return sum(
        ring_area(polygon[0]) - sum(ring_area(hole) for hole in polygon[1:])
        for polygon in polygons(geometry)
    )


def rle_area(rle: dict[str, Any]) -> int:
    """Pixels set in a COCO uncompressed RLE (counts alternate zeros, ones, ...)."""
    return int(sum(rle["counts"][1::2]))


def rle_bbox(rle: dict[str, Any]) -> list[int]:
    """[x, y, w, h] of the set pixels of a column-major RLE, as pycocotools' ``toBbox``."""
    height = rle["size"][0]
    x0 = y0 = math.inf
    x1 = y1 = -math.inf
    pos = 0
    for i, count in enumerate(rle["counts"]):
        if i % 2 and count:
            first, last = pos, pos + count - 1
            col0, col1 = first // height, last // height
            x0, x1 = min(x0, col0), max(x1, col1)
            if col0 == col1:
                y0, y1 = min(y0, first % height), max(y1, last % height)
            else:  # the run wraps into the next column: it spans every row
                y0, y1 = 0, height - 1
        pos += count
    if x0 == math.inf:
        return [0, 0, 0, 0]
    return [int(x0), int(y0), int(x1 - x0 + 1), int(y1 - y0 + 1)]


def rasterize_rle(geometry: dict[str, Any], *, width: int, height: int) -> dict[str, Any]:
    """A (Multi)Polygon as COCO uncompressed RLE over the whole image.

    Pixels whose centre lies inside are set (GDAL's rule, so an integer-aligned polygon's
    pixel count equals its area). Only the polygon's window is rasterized, so memory is
    bounded by the polygon, not by the image.
    """
    minx, miny, maxx, maxy = bounds(geometry)
    col0, row0 = max(0, math.floor(minx)), max(0, math.floor(miny))
    col1, row1 = min(width, math.ceil(maxx)), min(height, math.ceil(maxy))
    if col1 <= col0 or row1 <= row0:
        return {"size": [height, width], "counts": [width * height]}
    window = features.rasterize(
        [(geometry, 1)],
        out_shape=(row1 - row0, col1 - col0),
        transform=Affine.translation(col0, row0),
        fill=0,
        dtype="uint8",
    )
    # Column-major indices of the set pixels in the full image, then runs of consecutive ones.
    local = np.flatnonzero(window.ravel(order="F"))
    if not local.size:
        return {"size": [height, width], "counts": [width * height]}
    rows, cols = local % window.shape[0] + row0, local // window.shape[0] + col0
    index = cols.astype(np.int64) * height + rows
    breaks = np.flatnonzero(np.diff(index) != 1) + 1
    starts = index[np.r_[0, breaks]]
    ends = index[np.r_[breaks - 1, index.size - 1]] + 1
    counts = np.empty(2 * starts.size + 1, dtype=np.int64)
    counts[0] = starts[0]
    counts[1:-1:2] = ends - starts
    counts[2:-1:2] = starts[1:] - ends[:-1]
    counts[-1] = width * height - ends[-1]
    if counts[-1] == 0:  # the mask ends on a set pixel: no trailing run of zeros
        counts = counts[:-1]
    return {"size": [height, width], "counts": counts.tolist()}


# --- annotations -------------------------------------------------------------------------


def _flat(ring: Ring) -> list[float]:
    """A closed ring as COCO's [x1, y1, x2, y2, ...] without the repeated last vertex."""
    return [v for p in ring[:-1] for v in p[:2]]


# (segmentation, area, bbox): segmentation is polygons ([[x1, y1, ...], ...]) or an RLE dict.
Shape = tuple[Any, float, list[Any]]


def _box(ring: Ring) -> Shape:
    """(segmentation, area, bbox) of a box: its opposite corners (ring[0], ring[2]; boxes
    are validated axis-aligned rectangles) give it without a loop."""
    corner, opposite = ring[0], ring[2]
    x0, y0, x1, y1 = corner[0], corner[1], opposite[0], opposite[1]
    if x0 > x1:
        x0, x1 = x1, x0
    if y0 > y1:
        y0, y1 = y1, y0
    w, h = x1 - x0, y1 - y0
    return [[x0, y0, x1, y0, x1, y1, x0, y1]], w * h, [x0, y0, w, h]


def _shape(
    kind: str, geometry: dict[str, Any], mask: dict[str, Any] | None, image: ImageRecord
) -> Shape | None:
    """(segmentation, area, bbox) of one annotation, or None when COCO has no such shape."""
    if kind == "mask" and mask is not None:
        return mask, rle_area(mask), rle_bbox(mask)
    coords = geometry["coordinates"]
    if kind == "bbox":
        return _box(coords[0])
    if geometry["type"] == "Polygon" and len(coords) == 1:
        # Simple polygons by plain list arithmetic, no shapely: the other common case.
        ring = coords[0]
        xs = [p[0] for p in ring]
        ys = [p[1] for p in ring]
        x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
        bbox = [x0, y0, x1 - x0, y1 - y0]
        flat: list[float] = [0.0] * (2 * len(ring) - 2)
        flat[::2], flat[1::2] = xs[:-1], ys[:-1]
        return [flat], _shoelace(xs, ys), bbox
    parts = polygons(geometry)
    if not parts:
        return None
    x0, y0, x1, y1 = bounds(geometry)
    bbox = [x0, y0, x1 - x0, y1 - y0]
    area = polygon_area(geometry)
    if any(len(polygon) > 1 for polygon in parts):
        return rasterize_rle(geometry, width=image.width, height=image.height), area, bbox
    return [_flat(polygon[0]) for polygon in parts], area, bbox


# --- the export --------------------------------------------------------------------------
# The images are written in parts: each part takes blocks of BLOCK images in turn (the
# next block not yet taken, whenever it is done with one) and writes their entries into
# files of its own, block by block (``pieces``); the split's JSON then takes every block's
# piece in snapshot order. A build that has a core to spare writes two parts at once, in
# two processes (``processes``); the file is the same however many parts wrote it.

BLOCK = 64  # images a block


@dataclass
class _Split:
    """One split's entries written by one part: two files (the ``images`` and the
    ``annotations`` array's items, comma-separated within a block) and, per block, the
    bytes it wrote to each (``pieces``: (block, images bytes, annotations bytes))."""

    images: IO[bytes]
    annotations: IO[bytes]
    skipped: Counter[str] = field(default_factory=Counter)
    pieces: list[tuple[int, int, int]] = field(default_factory=list)
    block: int = -1
    image_bytes: int = 0  # written in the current block
    annotation_bytes: int = 0

    def start_block(self, block: int) -> None:
        if block != self.block:
            self.end_block()
            self.block = block

    def end_block(self) -> None:
        if self.image_bytes:
            self.pieces.append((self.block, self.image_bytes, self.annotation_bytes))
        self.image_bytes = self.annotation_bytes = 0


@dataclass
class _Written:
    """What one part wrote of one split: the kinds it skipped and its pieces; its files are
    ``<folder>/<part>-<split>-images`` and ``-annotations``."""

    part: int
    skipped: Counter[str]
    pieces: list[tuple[int, int, int]]


def _image_entry(image: ImageRecord) -> dict[str, Any]:
    return {
        "id": image.id,
        "file_name": image_path(image),
        "width": image.width,
        "height": image.height,
        "original_name": image.name,
        "date_captured": image.acquired_at,
        "crs": image.crs or None,
        "transform": image.transform if image.georeferenced else None,
    }


def _write_image(image: ImageRecord, split: _Split, object_ids: set[int]) -> None:
    dumps = orjson.dumps
    entry = dumps(_image_entry(image))
    if split.image_bytes:
        entry = b"," + entry
    split.images.write(entry)
    split.image_bytes += len(entry)
    entries: list[dict[str, Any]] = []
    image_id = image.id
    append = entries.append
    for a in image.annotations:
        class_id = a.class_id
        if class_id not in object_ids:
            continue
        # Boxes, most annotations, straight to their shape; the rest through _shape.
        shape = (
            _box(a.geometry["coordinates"][0])
            if a.kind == "bbox"
            else _shape(a.kind, a.geometry, a.mask, image)
        )
        if shape is None:
            split.skipped[a.kind] += 1
            continue
        segmentation, area, bbox = shape
        append(
            {
                "id": a.id,
                "image_id": image_id,
                "category_id": class_id + 1,
                "segmentation": segmentation,
                "area": area,
                "bbox": bbox,
                "iscrowd": 0,
                "attributes": a.attributes,
                "source": a.source,
                "confidence": a.confidence,
                "difficulty": a.difficulty,
            }
        )
    if entries:
        # The image's annotations in one orjson call: the array's items, brackets off.
        items = dumps(entries)[1:-1]
        if split.annotation_bytes:
            items = b"," + items
        split.annotations.write(items)
        split.annotation_bytes += len(items)


class _Turns:
    """Blocks of images handed out in order to whichever part asks first. A part asks for
    its next block when it is done with one, so parts that run at different speeds (a
    busy core, another format's process) still finish together. The count lives in
    memory shared with the forked parts."""

    def __init__(self, *, shared: bool) -> None:
        self._lock: Any = None
        self._next: Any = None
        self._count = 0
        if shared and forked.AVAILABLE:
            context = multiprocessing.get_context("fork")
            try:
                self._lock, self._next = context.Lock(), context.RawValue("q", 0)
            except OSError:  # no shared memory here (e.g. no /dev/shm): one process
                self._lock = self._next = None

    @property
    def shared(self) -> bool:
        """Whether parts in other processes take their turns from this count."""
        return self._lock is not None

    def take(self) -> int:
        if self._lock is None:  # one process: the next block
            self._count += 1
            return self._count - 1
        with self._lock:
            block = int(self._next.value)
            self._next.value = block + 1
        return block

    def wanted(self) -> Callable[[int], bool]:
        """A part's choice of images (by position): the images of the blocks it took."""
        current = -1

        def wanted(index: int) -> bool:
            nonlocal current
            block = index // BLOCK
            if block > current:  # done with its block: the next one not yet taken
                current = self.take()
            return block == current

        return wanted


def _write_part(
    snapshot: Snapshot, object_ids: set[int], part: int, turns: _Turns, folder: Path
) -> dict[str, _Written]:
    """Write the entries of the blocks part ``part`` takes in its turns."""
    with ExitStack() as stack:
        splits: dict[str, _Split] = {}

        def opened(split_name: str, array: str) -> IO[bytes]:
            path = folder / f"{part}-{split_name}-{array}"
            return stack.enter_context(open(path, "wb", buffering=1 << 20))

        for index, image in snapshot.images_where(turns.wanted()):
            split = splits.get(image.split)
            if split is None:
                split = splits[image.split] = _Split(
                    opened(image.split, "images"), opened(image.split, "annotations")
                )
            split.start_block(index // BLOCK)
            _write_image(image, split, object_ids)
        for split in splits.values():
            split.end_block()
        return {name: _Written(part, s.skipped, s.pieces) for name, s in splits.items()}


def _info(snapshot: Snapshot, split_name: str, skipped: Counter[str]) -> dict[str, Any]:
    event = snapshot.event
    return {
        "description": f"{event.get('name', '')} (labeler dataset version {snapshot.version})",
        "version": str(snapshot.version),
        "year": int(snapshot.created_at[:4]),
        "contributor": event.get("team", ""),
        "date_created": snapshot.created_at,
        "url": "",
        "event": event.get("slug", ""),
        "split": split_name,
        # COCO instances has no shape for lines and points: say how many were left out.
        "skipped": {"polyline": 0, "point": 0, **skipped},
    }


def export(snapshot: Snapshot, out: ExportWriter, *, processes: int = 1) -> None:
    """Write ``annotations/instances_<split>.json`` for each split that has images, in
    ``processes`` processes at once (forked; one where the system cannot fork)."""
    objects = [c for c in snapshot.classes if c.kind == "object"]
    object_ids = {c.id for c in objects}
    phenomenon = snapshot.event.get("phenomenon") or ""
    categories = [{"id": c.id + 1, "name": c.name, "supercategory": phenomenon} for c in objects]
    with tempfile.TemporaryDirectory(prefix="labeler-coco-") as tmp:
        folder = Path(tmp)
        turns = _Turns(shared=processes > 1)
        if not turns.shared:
            processes = 1
        parts = forked.in_parts(
            lambda part: _write_part(snapshot, object_ids, part, turns, folder),
            processes,
            name="COCO export part",
        )
        for split_name in sorted({split for p in parts for split in p}, key=_split_order):
            written = [p[split_name] for p in parts if split_name in p]
            skipped: Counter[str] = sum((w.skipped for w in written), Counter())
            # (block, part, images bytes, annotations bytes) in snapshot order.
            pieces = sorted((b, w.part, i, a) for w in written for b, i, a in w.pieces)
            with ExitStack() as stack, out.open(f"annotations/instances_{split_name}.json") as f:
                files = {
                    (part, array): stack.enter_context(
                        open(folder / f"{part}-{split_name}-{array}", "rb", buffering=0)
                    )
                    for part in (w.part for w in written)
                    for array in ("images", "annotations")
                }
                f.write(b'{"info":' + orjson.dumps(_info(snapshot, split_name, skipped)))
                f.write(b',"licenses":[],"categories":' + orjson.dumps(categories))
                f.write(b',"images":[')
                _join(((files[part, "images"], size) for _, part, size, _ in pieces), f)
                f.write(b'],"annotations":[')
                _join(((files[part, "annotations"], size) for _, part, _, size in pieces), f)
                f.write(b"]}")


def _join(pieces: Iterable[tuple[IO[bytes], int]], target: Any) -> None:
    """Copy each piece (the next ``size`` bytes of its file) into ``target``, commas
    between the pieces that are not empty."""
    first = True
    for source, size in pieces:
        if size:
            if not first:
                target.write(b",")
            first = False
            while size:
                data = source.read(min(size, 1 << 20))
                if not data:
                    raise RuntimeError("a COCO part's file is shorter than it wrote")
                target.write(data)
                size -= len(data)


def _split_order(split: str) -> tuple[int, str]:
    return (SPLITS.index(split) if split in SPLITS else len(SPLITS), split)


def readme(snapshot: Snapshot) -> str:
    return """\
## COCO instances

`annotations/instances_<split>.json`, one per split that has images (`train`,
`validation`, `test`), in the COCO object-detection format
(<https://cocodataset.org/#format-data>).

- **images**: `id`, `file_name` (the image's path in this archive,
  `images/<split>/<id>_<name>.tif`, present when the version includes images), `width`,
  `height`, and labeler's extras: `original_name`, `date_captured`, and for georeferenced
  images `crs` and `transform` (GDAL's six affine coefficients `[a, b, c, d, e, f]`,
  `x = a*col + b*row + c`, `y = d*col + e*row + f`; use `rasterio.Affine(*transform)`).
- **categories**: the label classes of kind *object*, `id` = class export id + 1 (COCO ids
  start at 1; ids are stable across versions, so some may have no annotation),
  `supercategory` = the event's phenomenon. Image tags are not COCO objects: see the
  classification CSV export.
- **annotations**: pixel coordinates, origin at the top-left corner of the top-left pixel,
  x right, y down. `bbox` is `[x, y, width, height]`; `area` is the true area in pixels²:
  the geometry's area (holes subtracted) for boxes and polygons, the pixel count for masks,
  so for polygons at fractional coordinates it may differ slightly from the pixel count of
  pycocotools' rasterization.
  - boxes: `segmentation` is the box as a polygon;
  - polygons: one COCO polygon `[x1, y1, x2, y2, ...]` per part;
  - polygons with holes: COCO polygons cannot express holes, so `segmentation` is the
    polygon rasterized to *uncompressed RLE* (`{"size": [h, w], "counts": [...]}`,
    column-major, pixels whose centre is inside);
  - masks: the stored uncompressed RLE; `area` is its pixel count.

  Every annotation is one object, so `iscrowd` is always `0`, also for RLE segmentations
  (COCO's own files use RLE mostly for crowds, `iscrowd=1`). pycocotools reads RLE whatever
  `iscrowd` says (`annToMask`, `annToRLE`, `COCOeval`); code that assumes "iscrowd=0 means
  polygons" should test `isinstance(ann["segmentation"], dict)` instead.
  Extras: `attributes`, `source` (manual/predicted/imported), `confidence`, `difficulty`.
- **Skipped**: polylines and points have no COCO instance shape; they are left out and
  counted per kind in `info.skipped`.

```python
from pycocotools.coco import COCO
coco = COCO("annotations/instances_train.json")
mask = coco.annToMask(coco.loadAnns(coco.getAnnIds(imgIds=[coco.getImgIds()[0]]))[0])
```
"""
