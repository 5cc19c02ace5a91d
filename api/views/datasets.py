"""Dataset versions: ``/api/v1/events/{event_id}/datasets/`` (list, build a new one) and
``/api/v1/datasets/{dataset_id}/`` (one, with its manifest), ``.../download/?format=`` (the
ZIP of one format, streamed from storage)."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response

from api.serializers.datasets import (
    DatasetStartSerializer,
    DatasetVersionDetailSerializer,
    DatasetVersionSerializer,
)
from api.serializers.jobs import JobSerializer
from api.views.base import LabelerGenericAPIView
from api.views.jobs import JOB_LOCATION, job_accepted
from events import selectors
from events.errors import InvalidInput, NotFound, NotReady
from events.models import DatasetVersion
from events.rules import Action, require
from workers.exports.build import dataset_start


class DatasetVersionListView(LabelerGenericAPIView):
    serializer_class = DatasetVersionSerializer
    queryset = DatasetVersion.objects.none()  # for the OpenAPI schema; reads use selectors

    @extend_schema(summary="The event's dataset versions, newest first")
    def get(self, request: Request, event_id: int) -> Response:
        event = selectors.event_get(user=self.user, event_id=event_id)
        page = self.paginate_queryset(selectors.dataset_version_list(event=event))
        data = DatasetVersionSerializer(page, many=True, context={"request": request}).data
        return self.get_paginated_response(data)

    @extend_schema(
        summary="Build a new dataset version: starts a job",
        description="Reviewers, managers and owners. Freezes the labels the `filters` select, "
        "deals the images into train/validation/test (`split`: ratios, `seed`, `stratify` by "
        "dominant class, `group_cell_km` to keep images of one grid cell together) and "
        "writes one ZIP per format. Answers 202 with the `build_dataset` job; its "
        "`params.dataset` (and `result.dataset`) is the new version's id. Unknown formats, "
        "filters, ids of another event or ratios not adding up to 1 answer 400 naming the "
        "field.",
        request=DatasetStartSerializer,
        responses={202: JobSerializer},
        parameters=[JOB_LOCATION],
    )
    def post(self, request: Request, event_id: int) -> Response:
        event = selectors.event_get(user=self.user, event_id=event_id)
        require(self.user, event.team_id, Action.REVIEW, what="Event")  # before any check
        serializer = DatasetStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _, job = dataset_start(user=self.user, event=event, **serializer.validated_data)
        return job_accepted(request, job)


class DatasetVersionDetailView(LabelerGenericAPIView):
    serializer_class = DatasetVersionDetailSerializer
    queryset = DatasetVersion.objects.none()

    @extend_schema(summary="One dataset version with the sha256 of every file it holds")
    def get(self, request: Request, dataset_id: int) -> Response:
        version = selectors.dataset_version_get(user=self.user, dataset_id=dataset_id)
        return Response(DatasetVersionDetailSerializer(version, context={"request": request}).data)


class _IgnoreFormatParameter(DefaultContentNegotiation):
    """``?format=`` names the export format here, not DRF's renderer (URL_FORMAT_OVERRIDE)."""

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


class DatasetDownloadView(LabelerGenericAPIView):
    serializer_class = DatasetVersionSerializer
    queryset = DatasetVersion.objects.none()
    content_negotiation_class = _IgnoreFormatParameter

    @extend_schema(
        summary="Download one format of a dataset version as a ZIP (streamed)",
        description="Any member of the team. `ETag` is the ZIP's sha256. 400 for a format "
        "the version was not built with; 409 while it is still building or when it failed.",
        parameters=[
            OpenApiParameter("format", str, required=True, description="e.g. coco, geojson")
        ],
        responses={
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY),
            304: OpenApiResponse(description="Not modified (If-None-Match matched the ETag)"),
        },
    )
    def get(self, request: Request, dataset_id: int) -> Any:
        version = selectors.dataset_version_get(user=self.user, dataset_id=dataset_id)
        fmt = request.query_params.get("format", "")
        if version.status != DatasetVersion.Status.READY:
            raise NotReady(
                f"Dataset version {version.number} is {version.status}, not ready"
                + (f": {version.error}" if version.error else "; try again when its job ends.")
            )
        if fmt not in version.files:
            built = ", ".join(version.files) or "none"
            raise InvalidInput(
                f"This version was not built with format {fmt!r}; built: {built}.",
                fields={"format": [f"One of: {built}."]},
            )
        entry = version.files[fmt]
        etag = f'"{entry["sha256"]}"'
        if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
            response: Any = Response(status=304)
            response["ETag"] = etag
            return response
        try:
            stream = default_storage.open(entry["name"], "rb")
        except FileNotFoundError:
            raise NotFound(f"The {fmt} file of dataset version {version.number} is gone.") from None
        filename = f"{version.event.slug or 'event'}-v{version.number}-{fmt}.zip"
        response = FileResponse(
            stream, as_attachment=True, filename=filename, content_type="application/zip"
        )
        response["ETag"] = etag
        response["Content-Length"] = str(entry["size"])
        # A version never changes: clients and proxies may keep it (members only: private).
        response["Cache-Control"] = "private, max-age=31536000, immutable"
        return response
