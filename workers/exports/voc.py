"""Pascal VOC: one ``Annotations/<stem>.xml`` per image and ``ImageSets/Main/<split>.txt``.

The XML follows the VOC development kit
(http://host.robots.ox.ac.uk/pascal/VOC/voc2012/devkit_doc.pdf): boxes are 1-based,
inclusive pixel indices. Labeler's pixel space has its origin at the top-left corner of
the top-left pixel, so pixel ``i`` (0-based) covers ``[i, i + 1)``: a box from ``x0`` to
``x1`` covers pixels ``floor(x0) .. ceil(x1) - 1``, i.e. ``xmin = floor(x0) + 1`` and
``xmax = ceil(x1)`` in VOC.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from typing import Any

from workers.exports.base import SPLITS, ExportWriter, ImageRecord, Snapshot, image_stem
from workers.exports.coco import bounds

name = "voc"
title = "Pascal VOC XML"
geographic = False  # pixel space only: reads no EPSG:4326 geometry

_AREA_KINDS = ("bbox", "polygon", "mask")
# Labeler's difficulty scale: 4 and up is what VOC calls "difficult".
_DIFFICULT = 4


def voc_box(geometry: dict[str, Any], *, width: int, height: int) -> tuple[int, int, int, int]:
    """(xmin, ymin, xmax, ymax), 1-based inclusive pixel indices clipped to the image."""
    minx, miny, maxx, maxy = bounds(geometry)
    xmin = min(max(math.floor(minx) + 1, 1), width)
    ymin = min(max(math.floor(miny) + 1, 1), height)
    xmax = min(max(math.ceil(maxx), xmin), width)
    ymax = min(max(math.ceil(maxy), ymin), height)
    return xmin, ymin, xmax, ymax


def _sub(parent: ET.Element, tag: str, text: Any) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = str(text)
    return element


def image_xml(image: ImageRecord, class_names: dict[int, str], database: str) -> bytes:
    """The VOC annotation XML of one image."""
    root = ET.Element("annotation")
    stem = image_stem(image)
    _sub(root, "folder", f"images/{image.split}")
    _sub(root, "filename", f"{stem}.tif")
    source = ET.SubElement(root, "source")
    _sub(source, "database", database)
    _sub(source, "annotation", "labeler")
    size = ET.SubElement(root, "size")
    _sub(size, "width", image.width)
    _sub(size, "height", image.height)
    _sub(size, "depth", image.band_count)
    _sub(root, "segmented", 0)
    for a in image.annotations:
        if a.class_id not in class_names or a.kind not in _AREA_KINDS:
            continue
        xmin, ymin, xmax, ymax = voc_box(a.geometry, width=image.width, height=image.height)
        obj = ET.SubElement(root, "object")
        _sub(obj, "name", class_names[a.class_id])
        _sub(obj, "pose", "Unspecified")
        # Touching the image border: the object may go on beyond it.
        touches = xmin == 1 or ymin == 1 or xmax == image.width or ymax == image.height
        _sub(obj, "truncated", int(touches))
        _sub(obj, "difficult", int((a.difficulty or 0) >= _DIFFICULT))
        box = ET.SubElement(obj, "bndbox")
        for tag, value in (("xmin", xmin), ("ymin", ymin), ("xmax", xmax), ("ymax", ymax)):
            _sub(box, tag, value)
    ET.indent(root)
    return (ET.tostring(root, encoding="unicode") + "\n").encode("utf-8")


def export(snapshot: Snapshot, out: ExportWriter) -> None:
    """Write each image's XML as it streams by, then the split lists."""
    class_names = {c.id: c.name for c in snapshot.classes if c.kind == "object"}
    database = snapshot.event.get("name", "") or "labeler"
    stems: dict[str, list[str]] = {}  # one short name per image, not its annotations
    for image in snapshot.images():
        stem = image_stem(image)
        stems.setdefault(image.split, []).append(stem)
        out.write_bytes(f"Annotations/{stem}.xml", image_xml(image, class_names, database))
    for split in sorted(stems, key=lambda s: SPLITS.index(s) if s in SPLITS else len(SPLITS)):
        out.write_text(f"ImageSets/Main/{split}.txt", "".join(f"{s}\n" for s in stems[split]))


def readme(snapshot: Snapshot) -> str:
    return """\
## Pascal VOC

- `Annotations/<id>_<name>.xml`, one per image: `folder` (`images/<split>`), `filename`
  (the image in this archive is `<folder>/<filename>`), `size` (`width`, `height`,
  `depth` = number of bands) and one `object` per box, polygon or mask of a class of kind
  *object*: `name` (the class), `pose` (`Unspecified`), `truncated` (1 when the box touches
  the image border), `difficult` (1 when the annotation's difficulty is 4 or more) and
  `bndbox` (the shape's axis-aligned box). Polylines, points and image tags are not VOC
  objects and are left out.
- `ImageSets/Main/<split>.txt`: the image stems of each split (`train`, `validation`,
  `test`), one a line.

Box convention: VOC's 1-based, inclusive pixel indices. Labeler's pixel coordinates start
at the top-left corner of the top-left pixel, so `xmin = floor(x0) + 1`, `xmax = ceil(x1)`;
back to 0-based pixel edges: `x0 = xmin - 1`, `x1 = xmax` (likewise for y).

```python
import xml.etree.ElementTree as ET
for stem in open("ImageSets/Main/train.txt").read().split():
    objects = ET.parse(f"Annotations/{stem}.xml").getroot().iter("object")
    boxes = [[int(o.find(f"bndbox/{k}").text) for k in ("xmin", "ymin", "xmax", "ymax")]
             for o in objects]
```
"""
