"""YOLO detection and segmentation labels in the ultralytics dataset layout.

``data.yaml`` names every class by its stable export id; ``labels/<split>/<stem>.txt`` holds
one ``cls xc yc w h`` line per object and ``labels-seg/<split>/<stem>.txt`` one
``cls x1 y1 x2 y2 ...`` polygon line per object part, all normalised to [0, 1] by the image's
width and height (https://docs.ultralytics.com/datasets/detect/,
https://docs.ultralytics.com/datasets/segment/). Every image gets both files, empty when it
has no object: ultralytics counts it as a background image.
"""

from __future__ import annotations

from typing import Any

import yaml

from workers.exports.base import SPLITS, ExportWriter, ImageRecord, Snapshot, image_stem
from workers.exports.coco import bounds, polygons

name = "yolo"
title = "YOLO (ultralytics) detection and segmentation"
geographic = False  # pixel space only: reads no EPSG:4326 geometry

# ultralytics' keys for the image folders of each split.
_YAML_KEYS = {"train": "train", "validation": "val", "test": "test"}
# Kinds with an area: lines and points make no box or polygon.
_AREA_KINDS = ("bbox", "polygon", "mask")


def _clip(value: float) -> float:
    return min(max(value, 0.0), 1.0)


def _box_line(cls: int, geometry: dict[str, Any], width: int, height: int) -> str | None:
    minx, miny, maxx, maxy = bounds(geometry)
    x0, x1 = _clip(minx / width), _clip(maxx / width)
    y0, y1 = _clip(miny / height), _clip(maxy / height)
    if x1 <= x0 or y1 <= y0:  # nothing left inside the image
        return None
    return f"{cls} {(x0 + x1) / 2:.6f} {(y0 + y1) / 2:.6f} {x1 - x0:.6f} {y1 - y0:.6f}"


def _polygon_lines(cls: int, geometry: dict[str, Any], width: int, height: int) -> list[str]:
    """One line per part, its exterior ring without the closing vertex: YOLO polygons have
    no holes (ultralytics fills each polygon)."""
    lines = []
    for polygon in polygons(geometry):
        ring = polygon[0][:-1]
        if len(ring) < 3:
            continue
        coords = " ".join(
            f"{min(max(x / width, 0.0), 1.0):.6f} {min(max(y / height, 0.0), 1.0):.6f}"
            for x, y, *_ in ring
        )
        lines.append(f"{cls} {coords}")
    return lines


def _labels(image: ImageRecord, object_ids: set[int]) -> tuple[str, str]:
    """The detection and segmentation label files of one image."""
    boxes: list[str] = []
    segments: list[str] = []
    for a in image.annotations:
        if a.class_id not in object_ids or a.kind not in _AREA_KINDS:
            continue
        box = _box_line(a.class_id, a.geometry, image.width, image.height)
        if box is None:
            continue
        boxes.append(box)
        # Masks too: their geometry is the outline of the mask's pixels.
        segments.extend(_polygon_lines(a.class_id, a.geometry, image.width, image.height))
    return "".join(f"{line}\n" for line in boxes), "".join(f"{line}\n" for line in segments)


def export(snapshot: Snapshot, out: ExportWriter) -> None:
    """Write both label sets, image by image, then ``data.yaml`` for the splits seen."""
    object_ids = {c.id for c in snapshot.classes if c.kind == "object"}
    splits: set[str] = set()
    for image in snapshot.images():
        splits.add(image.split)
        boxes, segments = _labels(image, object_ids)
        stem = image_stem(image)
        out.write_text(f"labels/{image.split}/{stem}.txt", boxes)
        out.write_text(f"labels-seg/{image.split}/{stem}.txt", segments)
    data: dict[str, Any] = {"path": "."}
    for split in SPLITS:
        if split in splits:
            data[_YAML_KEYS[split]] = f"images/{split}"
    # Every class, used or not, so an id means the same class in every version.
    data["names"] = {c.id: c.name for c in sorted(snapshot.classes, key=lambda c: c.id)}
    out.write_text("data.yaml", yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def readme(snapshot: Snapshot) -> str:
    return """\
## YOLO (ultralytics)

- `data.yaml`: `path: .`, the image folder of each split present (`train: images/train`,
  `val: images/validation`, `test: images/test`) and `names`, a mapping
  `{class export id: name}` over **all** label classes, used or not, so a class id means
  the same class in every version of this event. Only classes of kind *object* have label
  lines; image tags are in the classification CSV export.
- `labels/<split>/<id>_<name>.txt` (detection), one per image, empty when it has no
  object: one line per box, polygon or mask, `class x_center y_center width height`, the
  axis-aligned box of the shape, normalised by the image width and height to [0, 1]
  (clipped to the image), origin at the top-left corner, y down.
- `labels-seg/<split>/<id>_<name>.txt` (segmentation): one line per polygon part,
  `class x1 y1 x2 y2 ...`, the exterior ring normalised the same way (boxes as their four
  corners, masks as the outline of their pixels). YOLO polygons have no holes: a polygon's
  holes are filled, a multipart shape gives one line per part.
- Polylines and points have no YOLO shape and are left out.

ultralytics finds labels by replacing `images` with `labels` in each image path, so the
detection set is used as is. To train segmentation, use `labels-seg` as `labels`
(e.g. `mv labels labels-det && mv labels-seg labels`).

```python
from ultralytics import YOLO
model = YOLO("yolo11n.pt")  # or yolo11n-seg.pt after the rename above
model.train(data="data.yaml", epochs=50, imgsz=640)
```
"""
