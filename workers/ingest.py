"""Ingest one image file into an event: checks, metadata, statistics, a Cloud-Optimized
GeoTIFF, a preview and a thumbnail in storage, and the ``Image`` row.

Every imagery source ends here (uploads today: workers/sources/upload.py). All or nothing:
on any failure every file written to storage is deleted and no row is left.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import FileField
from django.utils.text import get_valid_filename

from events.errors import InvalidInput
from events.models import Event, Image, ImageTag, LabelClass
from events.services.events import label_class_create
from events.services.images import image_create, image_tag_set
from workers import rasters
from workers.errors import DuplicateImage
from workers.registry import Progress
from workers.sources import geotiff

_NAME_MAX = Image._meta.get_field("name").max_length or 255


def _silent(fraction: float, message: str = "") -> None:
    return None


def file_sha256(path: str | Path) -> str:
    """The sha256 of the file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _refuse_duplicate(event: Event, checksum: str, name: str) -> None:
    existing = (
        Image.objects.filter(event=event, checksum=checksum).values_list("pk", "name").first()
    )
    if existing is not None:
        raise DuplicateImage(
            f"{name} is already in this event as image {existing[0]} ({existing[1]}).",
            existing_image=existing[0],
        )


def _storage_name(field: str, filename: str) -> str:
    """A name under the field's ``upload_to`` folder (images/%Y/%m/ ...)."""
    file_field = Image._meta.get_field(field)
    assert isinstance(file_field, FileField)
    return file_field.generate_filename(Image(), filename)


def _tag_classes(*, event: Event, user: User, tags: Iterable[str]) -> list[LabelClass]:
    """The event's tag classes named ``tags``, created (kind ``tag``) when missing."""
    classes = []
    for tag in dict.fromkeys(tags):
        found = LabelClass.objects.filter(event=event, name=tag).first()
        if found is None:
            try:
                found = label_class_create(
                    user=user, event=event, name=tag, kind=LabelClass.Kind.TAG
                )
            except InvalidInput:  # created meanwhile by a job running next to this one
                found = LabelClass.objects.get(event=event, name=tag)
        if found.kind != LabelClass.Kind.TAG:
            raise InvalidInput(
                f"Folder {tag!r} would tag images, but {tag!r} is a label class of kind "
                f"{found.kind} in this event; rename the folder or the class."
            )
        classes.append(found)
    return classes


def ingest_file(
    *,
    event: Event,
    path: str | Path,
    name: str,
    user: User,
    source: str = Image.Source.UPLOAD,
    provenance: dict[str, Any] | None = None,
    tags: Sequence[str] = (),
    band_order: str | None = None,
    acquired_at: dt.datetime | None = None,
    cloud_cover: float | None = None,
    progress: Progress = _silent,
) -> Image:
    """Ingest the image file at ``path`` (a local path, sidecars beside it) as ``name``.

    Steps: sha256 of the original bytes; refused as DuplicateImage (naming the existing
    image) when the event already has those bytes; ``inspect_raster`` of the header;
    per-band statistics; band names (``band_order`` overrides them when the image has that
    order's 12 or 13 bands, and is ignored otherwise); reflectance scale;
    a COG with overviews, a preview (1024 px) and a thumbnail (256 px) PNG saved to the
    default storage; then the ``Image`` row (status ready, footprint from CRS and transform,
    source ``geotiff`` for a georeferenced TIFF when ``source`` is ``upload``) with ``tags``
    marked positive (tag classes created when missing). Refusals are InvalidRaster errors
    naming the file (corrupt or truncated data included). On any failure the files written
    are deleted and no row is left.
    """
    path = Path(path)
    progress(0.0, f"Checking {name}")
    checksum = file_sha256(path)
    _refuse_duplicate(event, checksum, name)
    # The header only: the statistics read the data (all of it up to STATS_MAX_PIXELS) and
    # the COG conversion reads every pixel, so broken data is caught there, before anything
    # is stored, without decoding the whole file a third time.
    info = rasters.inspect_raster(path, name=name, read_data=False)
    progress(0.1, f"Measuring {name}")
    stats = rasters.band_statistics(path, name=name)
    if band_order and len(rasters.BAND_ORDERS.get(band_order, ())) != info.count:
        band_order = None  # an upload's band order is for its 12- or 13-band images only
    names = rasters.band_names(info, path, declared=band_order, stats=stats)
    scale = rasters.reflectance_scale(info.dtype, names, stats)
    if source == Image.Source.UPLOAD and geotiff.claims(info):
        source = Image.Source.GEOTIFF

    stem = f"{get_valid_filename(Path(name).stem)[:80] or 'image'}-{checksum[:12]}"
    saved: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="labeler-ingest-") as tmp:
            cog = Path(tmp) / "image.tif"
            progress(0.35, f"Converting {name} to a Cloud-Optimized GeoTIFF")
            rasters.write_cog(
                path,
                cog,
                descriptions=names,
                resampling=rasters.overview_resampling(info, path),
                name=name,
            )
            progress(0.8, f"Rendering the preview of {name}")
            preview = rasters.render_preview(cog, rasters.PREVIEW_SIZE, names=names, stats=stats)
            thumbnail = rasters.render_preview(
                cog, rasters.THUMBNAIL_SIZE, names=names, stats=stats
            )
            with open(cog, "rb") as handle:
                cog_name = _storage_name("file", f"{stem}.tif")
                saved.append(default_storage.save(cog_name, File(handle)))
        saved.append(
            default_storage.save(_storage_name("preview", f"{stem}.png"), ContentFile(preview))
        )
        saved.append(
            default_storage.save(_storage_name("thumbnail", f"{stem}.png"), ContentFile(thumbnail))
        )
        with transaction.atomic():
            # One ingest at a time per event from here to the commit, so two jobs given
            # the same bytes cannot both pass the duplicate check.
            Event.objects.select_for_update().filter(pk=event.pk).exists()
            _refuse_duplicate(event, checksum, name)
            image = image_create(
                event=event,
                name=name[-_NAME_MAX:],
                width=info.width,
                height=info.height,
                source=source,
                file=saved[0],
                preview=saved[1],
                thumbnail=saved[2],
                band_count=info.count,
                band_names=names,
                dtype=info.dtype,
                nodata=info.nodata,
                crs=info.crs,
                transform=info.transform,
                stats=stats,
                reflectance_scale=scale,
                reflectance_offset=0.0,
                provenance={
                    **(provenance or {}),
                    "original": {
                        "name": name,
                        "driver": info.driver,
                        "size": path.stat().st_size,
                        "crs": info.crs,
                    },
                },
                status=Image.Status.READY,
                checksum=checksum,
                acquired_at=acquired_at,
                cloud_cover=cloud_cover,
                created_by=user,
            )
            for label_class in _tag_classes(event=event, user=user, tags=tags):
                image_tag_set(
                    user=user, image=image, label_class=label_class, state=ImageTag.State.POSITIVE
                )
    except BaseException:
        for stored in saved:
            default_storage.delete(stored)
        raise
    progress(1.0, f"Ingested {name}")
    return image


def image_files(image: Image) -> list[str]:
    """Storage names of an image's files (COG, preview, thumbnail)."""
    return [f.name for f in (image.file, image.preview, image.thumbnail) if f and f.name]


def images_remove(images: Iterable[Image]) -> None:
    """Delete images this process just created, rows and files (an ingest rolled back)."""
    for image in images:
        files = image_files(image)
        image.delete()
        for name in files:
            default_storage.delete(name)
