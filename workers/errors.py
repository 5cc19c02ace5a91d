"""Errors raised by the job system (workers/).

They extend the domain's base class so the API maps them like any other (api/errors.py).
"""

from __future__ import annotations

from events.errors import DomainError, InvalidInput


class JobError(DomainError):
    """Base of every error the job system raises on purpose."""

    code = "job_error"


class UnknownJobKind(JobError):
    """A job kind that is not in ``workers.registry.JOB_KINDS``."""

    code = "unknown_job_kind"


class JobNotFound(JobError):
    """A job id with no ``Job`` row (deleted with its event or team before it ran)."""

    code = "not_found"


class JobInputError(JobError):
    """A job's parameters point at something missing or invalid (an event deleted since)."""

    code = "invalid_job_input"


# --- imagery: rasters and uploads (workers/rasters.py, workers/ingest.py, workers/sources/) ---
# They are InvalidInput too: refused in a request they answer 400 with their ``code``.


class InvalidRaster(JobError, InvalidInput):
    """An image file that cannot be ingested; the message names the file and the problem."""

    code = "invalid_raster"


class UnsupportedFormat(InvalidRaster):
    """Not a PNG, JPEG or (Geo)TIFF, content that does not match its name, a data type or a
    file type that is not supported."""

    code = "unsupported_format"


class CorruptRaster(InvalidRaster):
    """Empty, unreadable, corrupt or truncated data."""

    code = "corrupt_raster"


class RasterTooLarge(InvalidRaster):
    """A declared size over LABELER_MAX_IMAGE_PIXELS (a decompression bomb, or an image to
    tile first); refused before any pixel is read."""

    code = "raster_too_large"


class UnsupportedGeoreference(InvalidRaster):
    """A rotated or sheared transform, a CRS with no usable transform, GCPs only."""

    code = "unsupported_georeference"


class DuplicateImage(JobError, InvalidInput):
    """The same bytes (sha256) are already an image of the event."""

    code = "duplicate_image"

    def __init__(self, detail: str, *, existing_image: int) -> None:
        super().__init__(detail)
        self.existing_image = existing_image


class UploadRejected(JobError, InvalidInput):
    """An upload refused before anything was queued (empty file, bad name, missing image for
    a sidecar, a tag folder clashing with a class of another kind)."""

    code = "invalid_upload"


class UploadTooLarge(UploadRejected):
    """A file over LABELER_MAX_UPLOAD_SIZE (the API answers 413)."""

    code = "payload_too_large"


class UnsafeArchive(UploadRejected):
    """A ZIP that could escape its folder (absolute or ``..`` paths, symlinks), expand out of
    proportion (a ZIP bomb), hold too many members or other ZIPs."""

    code = "unsafe_archive"


# --- imagery sources (workers/sources/) ---


class UnknownSource(JobError, InvalidInput):
    """A source name that is not in ``workers.sources.SOURCES``."""

    code = "unknown_source"


class SourceUnavailable(JobError):
    """An imagery service failed to answer usefully (an HTTP error, a timeout, a response
    that is not what the protocol promises). The API answers 502: the fault is upstream."""

    code = "source_unavailable"


# --- exports and label import (workers/exports/, workers/imports/) ---


class UnknownExportFormat(JobError, InvalidInput):
    """A format name that is not in ``workers.exports.EXPORTERS``."""

    code = "unknown_export_format"


class ExportError(JobError):
    """An export that cannot be written (e.g. a mask export of an image whose file is gone)."""

    code = "export_failed"


class ImportRejected(JobError, InvalidInput):
    """A label file that cannot be imported: not the format it claims, no image matches."""

    code = "invalid_label_import"
