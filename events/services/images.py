from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction

from events.errors import InvalidInput
from events.geometry import pixel_to_wgs84
from events.models import Event, Image, ImageTag, LabelClass
from events.rules import Action, require
from events.selectors import label_class_in_event

_UNSET: Any = object()


def image_footprint(*, width: int, height: int, transform: list[float], crs: str) -> GEOSGeometry:
    """The image outline in EPSG:4326, edges densified so curved projections stay exact.

    An image crossing the antimeridian becomes a MultiPolygon of its parts east and west of
    it (RFC 7946 §3.1.9), not one polygon wrapping the other way round the globe.
    """
    import numpy as np
    import shapely
    from shapely import affinity

    outline = shapely.segmentize(shapely.box(0, 0, width, height), max(width, height) / 32)
    geom = pixel_to_wgs84(outline, transform=transform, crs=crs)
    ring = np.asarray(geom.exterior.coords)
    if np.any(np.abs(np.diff(ring[:, 0])) > 180):
        # Longitudes jump by ~360 where an edge crosses 180°: unwrap them into one continuous
        # ring (beyond ±180 on one side), then cut it into the world and its shifted copies.
        ring[:, 0] = np.unwrap(ring[:, 0], period=360)
        if abs(ring[-1, 0] - ring[0, 0]) > 1e-9:
            # The ring goes once round the globe: the image covers a pole. Close it there.
            pole = 90.0 if ring[:, 1].mean() > 0 else -90.0
            ring = np.vstack([ring, [[ring[-1, 0], pole], [ring[0, 0], pole]], ring[:1]])
        unwrapped = shapely.Polygon(ring)
        world = shapely.box(-180, -90, 180, 90)
        pieces = shapely.union_all(
            [
                shapely.intersection(affinity.translate(unwrapped, xoff=shift), world)
                for shift in (-360, 0, 360)
            ]
        )
        polygons = [
            part
            for part in shapely.get_parts(pieces)
            if part.geom_type == "Polygon" and part.area > 0
        ]
        geom = shapely.MultiPolygon(polygons) if len(polygons) > 1 else polygons[0]
    return GEOSGeometry(geom.wkb_hex, srid=4326)


def image_create(*, event: Event, name: str, width: int, height: int, **metadata: Any) -> Image:
    """Record an image of ``event`` with its metadata (the ingest job calls this).

    When ``crs`` and ``transform`` are given and no ``footprint`` is, the footprint is
    computed from them.
    """
    if width <= 0 or height <= 0:
        raise InvalidInput(f"Image size must be positive, got {width}x{height}.")
    if metadata.get("crs") and metadata.get("transform") and "footprint" not in metadata:
        metadata["footprint"] = image_footprint(
            width=width, height=height, transform=metadata["transform"], crs=metadata["crs"]
        )
    return Image.objects.create(event=event, name=name, width=width, height=height, **metadata)


def image_update(
    *,
    user: User,
    image: Image,
    name: str = _UNSET,
    acquired_at: dt.datetime | None = _UNSET,
    cloud_cover: float | None = _UNSET,
) -> Image:
    """Correct an image's descriptive metadata (managers and owners)."""
    require(user, image.event.team_id, Action.MANAGE, what="Image")
    if cloud_cover is not _UNSET and cloud_cover is not None and not 0 <= cloud_cover <= 100:
        raise InvalidInput(
            "Cloud cover is a percentage from 0 to 100.", fields={"cloud_cover": ["Out of range."]}
        )
    for key, value in {
        "name": name,
        "acquired_at": acquired_at,
        "cloud_cover": cloud_cover,
    }.items():
        if value is not _UNSET:
            setattr(image, key, value)
    image.save()
    return image


def image_delete(*, user: User, image: Image) -> None:
    """Delete an image, its labels and its files (managers and owners)."""
    require(user, image.event.team_id, Action.MANAGE, what="Image")
    files = [f for f in (image.file, image.preview, image.thumbnail) if f]
    with transaction.atomic():
        image.delete()
        # Files go only once the rows are gone for good.
        transaction.on_commit(lambda: _delete_files(files))


def _delete_files(files: list[Any]) -> None:
    for field in files:
        field.storage.delete(field.name)


def image_tag_set(
    *, user: User, image: Image, label_class: LabelClass | int, state: str | None
) -> ImageTag | None:
    """Mark an image positive or negative for a tag class, or clear it (``state=None``)."""
    require(user, image.event.team_id, Action.ANNOTATE, what="Image")
    found = label_class_in_event(
        event_id=image.event_id, label_class=label_class, kind=LabelClass.Kind.TAG
    )
    if state is None:
        ImageTag.objects.filter(image=image, label_class=found).delete()
        return None
    if state not in ImageTag.State.values:
        raise InvalidInput(
            f"Unknown tag state {state!r}.", fields={"state": ["Use positive or negative."]}
        )
    tag, _ = ImageTag.objects.update_or_create(
        image=image, label_class=found, defaults={"state": state, "author": user}
    )
    return tag
