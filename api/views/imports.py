"""``POST /api/v1/events/{event_id}/label-imports/``: COCO or GeoJSON labels onto the event's
existing images, by an ``import_labels`` job that reports what matched and what did not."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from api.serializers.imports import LabelImportSerializer
from api.serializers.jobs import JobSerializer
from api.views.base import LabelerGenericAPIView
from api.views.jobs import JOB_LOCATION, job_accepted
from events import selectors
from events.rules import Action, require
from workers.imports.service import import_labels_start
from workers.models import Job


class LabelImportView(LabelerGenericAPIView):
    serializer_class = JobSerializer
    queryset = Job.objects.none()  # for the OpenAPI schema
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Import labels (COCO JSON or GeoJSON) onto the event's images: starts a job",
        description="Annotators and above. COCO images match ours by file name (with or "
        "without the `<id>_` prefix labeler's own exports write) and categories match label "
        "classes by name; GeoJSON features (EPSG:4326, or `crs`) match by their `image_id` "
        "or `image` property, else by the one georeferenced image whose footprint holds "
        "them. `mode=replace` first deletes the annotations of each image that receives "
        "new ones. A file that is not the format it claims, or of which nothing matches, "
        "answers 400 naming the problem; otherwise 202 with the job, whose result reports "
        "`created`, `skipped` and, per reason, what did not match. All or nothing.",
        request={"multipart/form-data": LabelImportSerializer},
        responses={202: JobSerializer},
        parameters=[JOB_LOCATION],
    )
    def post(self, request: Request, event_id: int) -> Response:
        event = selectors.event_get(user=self.user, event_id=event_id)
        require(self.user, event.team_id, Action.ANNOTATE, what="Event")  # before any check
        serializer = LabelImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        job = import_labels_start(
            user=self.user,
            event=event,
            data=data.pop("file").read(),
            **data,
        )
        return job_accepted(request, job)
