"""A small, real dataset snapshot for the exporter tests: no database needed.

Image 1 is ``rasterio/RGB.byte.tif`` (791 x 718, EPSG:32618, georeferenced) with a box, a
polygon with a hole, a polyline, a point and a mask; image 2 is a EuroSAT JPEG (64 x 64, no
georeference) with a box and a tag; image 3 has no labels. Classes keep stable export ids
that are not all used (id 2 has no annotation), as after a class was added and unused.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path
from types import ModuleType

import numpy as np
import rasterio

from events.geometry import pixel_to_geographic, rle_encode
from tests.rasters import JPEG, RGB
from workers.exports.base import (
    AnnotationRecord,
    ExportWriter,
    ImageRecord,
    LabelClassInfo,
    MapShapeRecord,
    Snapshot,
    TagRecord,
)

CLASSES = [
    LabelClassInfo(id=0, pk=11, name="flood", color="#1f77b4", kind="object"),
    LabelClassInfo(id=1, pk=12, name="cloud street", color="#ff7f0e", kind="object"),
    LabelClassInfo(id=2, pk=13, name="unused", color="#2ca02c", kind="object"),
    LabelClassInfo(id=3, pk=14, name="dust", color="#d62728", kind="tag"),
]

# The mask: rows 100..139, columns 200..259 of image 1 (40 x 60 = 2400 pixels).
MASK_ROWS, MASK_COLS = slice(100, 140), slice(200, 260)


def _rgb_record() -> ImageRecord:
    with rasterio.open(RGB) as src:
        transform = list(src.transform)[:6]
        crs = src.crs.to_string()
        width, height = src.width, src.height
    geo = {"transform": transform, "crs": crs}

    def annotation(id: int, class_id: int, kind: str, geometry: dict, **extra) -> AnnotationRecord:
        return AnnotationRecord(
            id=id,
            class_id=class_id,
            kind=kind,
            geometry=geometry,
            geo_geometry=pixel_to_geographic(geometry, **geo),
            **extra,
        )

    mask = np.zeros((height, width), dtype=bool)
    mask[MASK_ROWS, MASK_COLS] = True
    mask_outline = {
        "type": "Polygon",
        "coordinates": [[[200, 100], [260, 100], [260, 140], [200, 140], [200, 100]]],
    }
    footprint = pixel_to_geographic(
        {
            "type": "Polygon",
            "coordinates": [[[0, 0], [width, 0], [width, height], [0, height], [0, 0]]],
        },
        **geo,
    )
    return ImageRecord(
        id=1,
        name="RGB.byte.tif",
        split="train",
        width=width,
        height=height,
        band_count=3,
        band_names=["red", "green", "blue"],
        dtype="uint8",
        nodata=0.0,
        crs=crs,
        transform=transform,
        footprint=footprint,
        acquired_at="2013-05-01T15:30:00Z",
        source="geotiff",
        checksum="0" * 64,
        file=str(RGB),
        annotations=[
            annotation(
                101,
                0,
                "bbox",
                {
                    "type": "Polygon",
                    "coordinates": [[[10, 20], [110, 20], [110, 70], [10, 70], [10, 20]]],
                },
                attributes={"severity": "high"},
                author="ana",
            ),
            annotation(
                102,
                0,
                "polygon",
                {
                    "type": "Polygon",
                    "coordinates": [
                        [[300, 300], [500, 300], [500, 500], [300, 500], [300, 300]],
                        [[350, 350], [350, 400], [400, 400], [400, 350], [350, 350]],
                    ],
                },
                difficulty=4,
            ),
            annotation(
                103,
                1,
                "polyline",
                {"type": "LineString", "coordinates": [[50, 600], [150, 650], [250, 600]]},
            ),
            annotation(104, 1, "point", {"type": "Point", "coordinates": [400.5, 100.5]}),
            annotation(
                105,
                1,
                "mask",
                mask_outline,
                mask=rle_encode(mask),
                source="predicted",
                confidence=0.87,
            ),
        ],
        tags=[TagRecord(class_id=3, state="negative")],
    )


def _jpeg_record() -> ImageRecord:
    return ImageRecord(
        id=2,
        name="AnnualCrop_1.jpg",
        split="validation",
        width=64,
        height=64,
        band_count=3,
        source="upload",
        checksum="1" * 64,
        file=str(JPEG),
        annotations=[
            AnnotationRecord(
                id=201,
                class_id=0,
                kind="bbox",
                geometry={
                    "type": "Polygon",
                    "coordinates": [[[8, 4], [40, 4], [40, 36], [8, 36], [8, 4]]],
                },
            )
        ],
        tags=[TagRecord(class_id=3, state="positive")],
    )


def _empty_record() -> ImageRecord:
    return ImageRecord(
        id=3, name="empty scene.png", split="test", width=32, height=16, file=str(JPEG)
    )


MAP_SHAPES = [
    MapShapeRecord(
        id=301,
        class_id=0,
        geometry={
            "type": "Polygon",
            "coordinates": [
                [[-78.5, 23.5], [-78.0, 23.5], [-78.0, 24.0], [-78.5, 24.0], [-78.5, 23.5]]
            ],
        },
        properties={"note": "area of interest"},
    )
]


def sample_snapshot(*, include_images: bool = False) -> Snapshot:
    """The three images above as a snapshot; ``open_image`` reads the real files."""
    images = [_rgb_record(), _jpeg_record(), _empty_record()]
    return Snapshot.from_records(
        event={
            "id": 7,
            "name": "Bahamas flood",
            "slug": "bahamas-flood",
            "phenomenon": "flood",
            "team": "Demo team",
        },
        classes=CLASSES,
        images=images,
        map_shapes=MAP_SHAPES,
        version=3,
        options={"include_images": include_images},
        open_image=lambda record: str(Path(record.file)),
    )


def exported_members(
    module: ModuleType, path: Path, snapshot: Snapshot | None = None
) -> dict[str, bytes]:
    """Export ``snapshot`` (default: the sample) with ``module`` into the ZIP at ``path``,
    check that the ZIP holds exactly the recorded files with their sha256, and return
    each member's bytes."""
    with ExportWriter(path) as out:
        module.export(snapshot or sample_snapshot(), out)
    members = {}
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == sorted(f.path for f in out.files)
        for entry in out.files:
            data = archive.read(entry.path)
            assert hashlib.sha256(data).hexdigest() == entry.sha256
            members[entry.path] = data
    return members
