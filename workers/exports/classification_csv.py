"""Image classification labels: ``labels.csv``, one row per image tag (RFC 4180 CSV)."""

from __future__ import annotations

import csv
import io

from workers.exports.base import ExportWriter, Snapshot, image_path

name = "classification_csv"
title = "Image classification CSV"
geographic = False  # pixel space only: reads no EPSG:4326 geometry

HEADER = ("image_id", "image", "split", "class_id", "class", "state")


def export(snapshot: Snapshot, out: ExportWriter) -> None:
    """Write ``labels.csv`` as the images stream by, in blocks of about 64 KB."""
    names = {c.id: c.name for c in snapshot.classes}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    with out.open("labels.csv") as f:
        for image in snapshot.images():
            path = image_path(image)
            for tag in image.tags:
                writer.writerow(
                    (image.id, path, image.split, tag.class_id, names[tag.class_id], tag.state)
                )
            if buffer.tell() > 1 << 16:
                f.write(buffer.getvalue().encode("utf-8"))
                buffer.seek(0)
                buffer.truncate()
        f.write(buffer.getvalue().encode("utf-8"))


def readme(snapshot: Snapshot) -> str:
    return """\
## Image classification CSV

`labels.csv` (UTF-8, comma-separated, header row, CRLF line ends per RFC 4180): one row
per image tag, `image_id,image,split,class_id,class,state`.

- `image`: the image's path in this archive (`images/<split>/<id>_<name>.tif`);
- `class_id`: the class's export id, stable across versions; `class`: its name;
- `state`: `positive` (the image shows the class) or `negative` (checked: it does not).
  An image/class pair with no row was not labelled either way.

Objects (boxes, polygons, ...) are in the other formats.

```python
import pandas as pd
labels = pd.read_csv("labels.csv")
y = labels.pivot_table(index="image", columns="class", values="state", aggfunc="first")
```
"""
