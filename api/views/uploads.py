"""``POST /api/v1/events/{event_id}/uploads/``: upload imagery to an event.

The body is ``multipart/form-data`` parsed by DRF's MultiPartParser, which hands it to
Django's upload handlers: files above FILE_UPLOAD_MAX_MEMORY_SIZE are streamed to a
temporary file in FILE_UPLOAD_TEMP_DIR as they arrive, never held in memory, and a file
going over LABELER_MAX_UPLOAD_SIZE stops the upload right there with a 413 (see
``UploadSizeLimit``). Everything cheap is checked in the request (workers/sources/upload.py);
the ingest itself is a job.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from api.serializers.jobs import JobSerializer
from api.serializers.uploads import UploadStartSerializer
from api.views.base import LabelerGenericAPIView
from api.views.jobs import JOB_LOCATION, job_accepted
from events import selectors
from events.rules import Action, require
from workers.errors import UploadTooLarge
from workers.models import Job
from workers.sources.upload import upload_start


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The upload is too large."
    default_code = "payload_too_large"


class TooManyFiles(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "too_many_files"


class UploadSizeLimit(FileUploadHandler):
    """First of the upload handlers: counts each file's bytes as they stream in and stops
    the upload with a 413 naming the file once it passes LABELER_MAX_UPLOAD_SIZE, closing
    (so deleting) the partial temporary file instead of writing the rest to disk."""

    received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        limit = settings.LABELER_MAX_UPLOAD_SIZE
        if self.received > limit:
            for handler in self.request.upload_handlers:  # type: ignore[union-attr]
                partial = getattr(handler, "file", None)
                if partial is not None and handler is not self:
                    partial.close()
            raise PayloadTooLarge(
                f"{self.file_name} is larger than the limit of {limit:,} bytes "
                "(LABELER_MAX_UPLOAD_SIZE)."
            )
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handlers make the file


class EventUploadView(LabelerGenericAPIView):
    serializer_class = JobSerializer
    queryset = Job.objects.none()  # for the OpenAPI schema
    parser_classes = [MultiPartParser]

    def initialize_request(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Request:
        # Before anything reads the body: the size limit sees every byte of every file.
        request.upload_handlers = [UploadSizeLimit(request), *request.upload_handlers]
        return super().initialize_request(request, *args, **kwargs)

    def handle_exception(self, exc: Exception) -> Response:
        # Django refuses a body with too many files while parsing it (in the view, or in
        # the CSRF check of a session): in the API's error format, not Django's HTML 400.
        if isinstance(exc, TooManyFilesSent):
            exc = TooManyFiles(
                f"More than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files in one request "
                "(DATA_UPLOAD_MAX_NUMBER_FILES); send several uploads, or one ZIP."
            )
        return super().handle_exception(exc)

    @extend_schema(
        summary="Upload imagery to an event: starts an ingest job",
        description="Managers and owners. `multipart/form-data` with one or more `files` "
        "(PNG, JPEG, GeoTIFF of any CRS, ZIP archives whose top-level folders become "
        "positive image tags; world files and .aux.xml beside their image) and an optional "
        "`band_order`. Bad files are refused here with 400 naming them (413 over "
        "LABELER_MAX_UPLOAD_SIZE); otherwise 202 with the queued `ingest_upload` job, whose "
        "URL is in the Location header. The job's result lists the `images` created and "
        "the `duplicates` skipped; if any file fails, the job fails naming it and no image "
        "of the upload is kept.",
        request={"multipart/form-data": UploadStartSerializer},
        responses={202: JobSerializer},
        parameters=[JOB_LOCATION],
    )
    def post(self, request: Request, event_id: int) -> Response:
        event = selectors.event_get(user=self.user, event_id=event_id)
        # Before the body is read: no one below manager gets files written to disk.
        require(self.user, event.team_id, Action.MANAGE, what="Event")
        serializer = UploadStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            job = upload_start(user=self.user, event=event, **serializer.validated_data)
        except UploadTooLarge as exc:
            raise PayloadTooLarge(exc.detail) from None
        return job_accepted(request, job)
