"""COCO instances JSON -> annotation candidates (https://cocodataset.org/#format-data).

Images are matched by ``file_name`` (``ImageIndex.by_name``; our own export's
``original_name`` first when present). The COCO image ``id`` is used only when the file is
our own export of this event (``info.event`` is the event's slug): then it is the image's
id in labeler. Categories map to label classes by name, ignoring case.

Shapes: uncompressed or compressed RLE -> a mask; one 4-corner axis-aligned polygon equal
to the ``bbox`` -> a box; other polygons -> a polygon (several parts: a MultiPolygon); no
segmentation but a ``bbox`` -> a box. Keypoints are not imported.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from events.models import Event, Image
from workers.errors import ImportRejected
from workers.imports.base import (
    MALFORMED,
    UNKNOWN_CLASS,
    UNKNOWN_IMAGE,
    Candidate,
    ImageIndex,
    Problem,
)

REQUIRED = ("images", "annotations", "categories")


def check(doc: Any) -> None:
    """Raise ImportRejected unless ``doc`` looks like COCO instances JSON."""
    if isinstance(doc, dict) and doc.get("type") in ("FeatureCollection", "Feature"):
        raise ImportRejected("This file is GeoJSON, not COCO; import it with format 'geojson'.")
    if not isinstance(doc, dict):
        raise ImportRejected(
            "Not COCO: the file must be a JSON object with images, annotations and categories."
        )
    missing = [key for key in REQUIRED if not isinstance(doc.get(key), list)]
    if missing:
        raise ImportRejected(
            f"Not COCO instances JSON: {', '.join(repr(k) for k in missing)} missing or not a list."
        )


def rle_from_string(counts: str) -> list[int]:
    """COCO's compressed RLE string -> run lengths (pycocotools' ``rleFrString``)."""
    runs: list[int] = []
    position = 0
    while position < len(counts):
        value = shift = 0
        more = True
        while more:
            char = ord(counts[position]) - 48
            value |= (char & 0x1F) << (5 * shift)
            more = bool(char & 0x20)
            position += 1
            shift += 1
            if not more and char & 0x10:
                value |= -1 << (5 * shift)
        if len(runs) > 2:
            value += runs[-2]
        runs.append(value)
    return runs


def _polygon(flat: Any) -> list[list[float]] | None:
    if not isinstance(flat, list) or len(flat) < 6 or len(flat) % 2:
        return None
    ring = [[flat[i], flat[i + 1]] for i in range(0, len(flat), 2)]
    return [*ring, ring[0]] if ring[0] != ring[-1] else ring


def _is_box(ring: list[list[float]], bbox: Any) -> bool:
    if len(ring) != 5 or not (isinstance(bbox, list) and len(bbox) == 4):
        return False
    x, y, w, h = bbox
    corners = {(x, y), (x + w, y), (x + w, y + h), (x, y + h)}
    return {(p[0], p[1]) for p in ring[:4]} == corners and w > 0 and h > 0


def _box(bbox: Any) -> dict[str, Any] | None:
    if not (isinstance(bbox, list) and len(bbox) == 4):
        return None
    x, y, w, h = bbox
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]],
    }


def _shape(annotation: dict[str, Any]) -> tuple[str, dict[str, Any] | None, Any] | Problem:
    """(kind, geometry, mask) of one COCO annotation."""
    segmentation, bbox = annotation.get("segmentation"), annotation.get("bbox")
    if isinstance(segmentation, dict):
        counts = segmentation.get("counts")
        if isinstance(counts, str):
            try:
                counts = rle_from_string(counts)
            except (IndexError, TypeError):
                return Problem(MALFORMED, "Compressed RLE that cannot be decoded.")
        return "mask", None, {"size": segmentation.get("size"), "counts": counts}
    if isinstance(segmentation, list) and segmentation:
        rings = [_polygon(part) for part in segmentation]
        if any(ring is None for ring in rings):
            return Problem(
                MALFORMED, "A COCO polygon is a list of at least 3 x, y pairs [x1, y1, ...]."
            )
        polygons = [[ring] for ring in rings if ring is not None]
        if len(polygons) == 1 and _is_box(polygons[0][0], bbox):
            return "bbox", {"type": "Polygon", "coordinates": polygons[0]}, None
        if len(polygons) == 1:
            return "polygon", {"type": "Polygon", "coordinates": polygons[0]}, None
        return "polygon", {"type": "MultiPolygon", "coordinates": polygons}, None
    box = _box(bbox)
    if box is None:
        return Problem(MALFORMED, "The annotation has neither a segmentation nor a bbox.")
    return "bbox", box, None


def candidates(doc: dict[str, Any], *, event: Event, images: ImageIndex) -> Iterator[Candidate]:
    """One candidate per annotation of the (checked) COCO document."""
    info = doc["info"] if isinstance(doc.get("info"), dict) else {}
    ours = bool(event.slug) and info.get("event") == event.slug
    categories = {
        c.get("id"): str(c.get("name", "")) for c in doc["categories"] if isinstance(c, dict)
    }
    matched: dict[Any, Image | Problem] = {}
    for entry in doc["images"]:
        if not isinstance(entry, dict) or "id" not in entry:
            continue
        found: Image | Problem | None = None
        if ours and entry["id"] in images.by_id:
            found = images.by_id[entry["id"]]
        for key in ("original_name", "file_name"):
            unresolved = found is None or isinstance(found, Problem)
            if unresolved and isinstance(entry.get(key), str) and entry[key]:
                found = images.by_name(entry[key])
        matched[entry["id"]] = found or Problem(
            MALFORMED, f"COCO image {entry['id']} has no file_name."
        )

    for index, annotation in enumerate(doc["annotations"]):
        if not isinstance(annotation, dict):
            yield Candidate(f"annotation #{index}", problem=Problem(MALFORMED, "Not an object."))
            continue
        candidate = Candidate(f"annotation {annotation.get('id', f'#{index}')}")
        image = matched.get(annotation.get("image_id"))
        category = categories.get(annotation.get("category_id"))
        shaped = _shape(annotation)
        if image is None:
            candidate.problem = Problem(
                UNKNOWN_IMAGE,
                f"image_id {annotation.get('image_id')!r} is not in the file's images.",
            )
        elif isinstance(image, Problem):
            candidate.problem = image
        elif category is None:
            candidate.problem = Problem(
                UNKNOWN_CLASS,
                f"category_id {annotation.get('category_id')!r} is not in the file's categories.",
            )
        elif isinstance(shaped, Problem):
            candidate.problem = shaped
        else:
            candidate.image = image
            candidate.class_name = category
            candidate.kind, candidate.geometry, candidate.mask = shaped
            attributes = annotation.get("attributes")
            candidate.attributes = attributes if isinstance(attributes, dict) else {}
            candidate.confidence = annotation.get("confidence")
            candidate.difficulty = annotation.get("difficulty")
        yield candidate
