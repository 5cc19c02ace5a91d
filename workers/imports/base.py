"""What the label-file readers share: the annotation candidates they yield, the reasons a
candidate is refused, and the index that matches a file's image references to images.

A reader (``workers/imports/coco.py``, ``geojson.py``) turns a parsed file into
``Candidate`` objects, one per annotation or feature: the image it belongs to (or the
reason none does), the class name, the kind and the pixel-space geometry (or RLE mask).
``workers.imports.service`` creates them through the annotation service.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from events.models import Image
from workers.exports.base import ImageRecord, image_stem

# Why a candidate did not become an annotation (keys of the report's ``problems``).
UNKNOWN_IMAGE = "unknown_image"
AMBIGUOUS_IMAGE = "ambiguous_image"
NOT_GEOREFERENCED = "image_not_georeferenced"
UNKNOWN_CLASS = "unknown_class"
INVALID_GEOMETRY = "invalid_geometry"
OUTSIDE_IMAGE = "outside_image"
MALFORMED = "malformed"
REASONS = (
    UNKNOWN_IMAGE,
    AMBIGUOUS_IMAGE,
    NOT_GEOREFERENCED,
    UNKNOWN_CLASS,
    INVALID_GEOMETRY,
    OUTSIDE_IMAGE,
    MALFORMED,
)


@dataclass
class Problem:
    reason: str
    message: str


@dataclass
class Candidate:
    """One annotation of the file, on its way to ``annotation_create``."""

    ref: str  # how the user finds it in their file: "annotation 12", "feature 3"
    image: Image | None = None
    class_name: str | None = None
    kind: str | None = None
    geometry: dict[str, Any] | None = None
    mask: dict[str, Any] | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    confidence: float | None = None
    difficulty: int | None = None
    problem: Problem | None = None


_EXPORT_STEM = re.compile(r"^(\d+)_(.+)$")


def basename(path: str) -> str:
    """The last part of a path written on any OS (``images/train/1_a.tif``, ``C:\\x\\a.tif``)."""
    return PureWindowsPath(PurePosixPath(path).name).name


class ImageIndex:
    """The event's images, findable by id, by name and by footprint.

    Name rules, first that finds exactly one image wins:

    1. our export's stem ``<id>_<name stem>`` (file names like ``images/<split>/<id>_<stem>.tif``):
       the image with that id, when its export stem is exactly that;
    2. the image name, exactly, then ignoring case;
    3. the name without a ``<digits>_`` prefix, exactly, then ignoring case;
    4. the name's stem (the extension may differ: ``scene.png`` for ``scene.tif``), ignoring
       case.

    Two images answering the same rule make the reference ambiguous (reported, not guessed).
    """

    def __init__(self, images: list[Image]) -> None:
        self.by_id = {image.pk: image for image in images}
        self._names: dict[str, list[Image]] = defaultdict(list)
        self._lower: dict[str, list[Image]] = defaultdict(list)
        self._stems: dict[str, list[Image]] = defaultdict(list)
        for image in images:
            self._names[image.name].append(image)
            self._lower[image.name.lower()].append(image)
            self._stems[PurePosixPath(image.name).stem.lower()].append(image)
        self._footprints: list[tuple[Image, BaseGeometry]] = [
            (image, shapely.from_wkb(bytes(image.footprint.wkb)))
            for image in images
            if image.is_georeferenced and image.footprint is not None
        ]
        self._tree = shapely.STRtree([geom for _, geom in self._footprints])

    def by_name(self, reference: str) -> Image | Problem:
        """The image a file name refers to (rules above), or the Problem why none."""
        name = basename(reference)
        stem = PurePosixPath(name).stem
        exported = _EXPORT_STEM.match(stem)
        if exported:
            image = self.by_id.get(int(exported.group(1)))
            if image is not None and image_stem(_record(image)) == stem:
                return image
        bare = exported.group(2) if exported else None
        rules: list[tuple[dict[str, list[Image]], str]] = [
            (self._names, name),
            (self._lower, name.lower()),
        ]
        if bare is not None:
            bare_name = bare + PurePosixPath(name).suffix
            rules += [(self._names, bare_name), (self._lower, bare_name.lower())]
        rules.append((self._stems, stem.lower()))
        if bare is not None:
            rules.append((self._stems, bare.lower()))
        for table, key in rules:
            found = table.get(key, [])
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                ids = ", ".join(str(i.pk) for i in found[:5])
                return Problem(AMBIGUOUS_IMAGE, f"{reference!r} matches images {ids}.")
        return Problem(UNKNOWN_IMAGE, f"No image of the event is named {reference!r}.")

    def covering(self, geom: BaseGeometry) -> Image | Problem:
        """The one georeferenced image whose footprint covers ``geom`` (EPSG:4326)."""
        hits = [self._footprints[i][0] for i in self._tree.query(geom, predicate="covered_by")]
        if len(hits) == 1:
            return hits[0]
        if hits:
            ids = ", ".join(str(i.pk) for i in sorted(hits, key=lambda i: i.pk)[:5])
            return Problem(
                AMBIGUOUS_IMAGE,
                f"The feature lies on several images ({ids}); give it an image_id property.",
            )
        return Problem(UNKNOWN_IMAGE, "No georeferenced image of the event covers the feature.")


def _record(image: Image) -> ImageRecord:
    return ImageRecord(
        id=image.pk, name=image.name, split="", width=image.width, height=image.height
    )
