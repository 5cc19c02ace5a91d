"""``POST /api/v1/events/{event_id}/extractions/``: imagery of a bbox and dates from a tile
service (NASA GIBS) or Sentinel Hub's Process API, ingested into the event by an ``extract``
job."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from api.serializers.extractions import ExtractionStartSerializer
from api.serializers.jobs import JobSerializer
from api.views.base import LabelerGenericAPIView
from api.views.jobs import JOB_LOCATION, job_accepted
from events import selectors
from events.rules import Action, require
from workers.extractions import extraction_start, sentinelhub_extraction_start
from workers.models import Job


class EventExtractionView(LabelerGenericAPIView):
    serializer_class = JobSerializer
    queryset = Job.objects.none()  # for the OpenAPI schema

    @extend_schema(
        summary="Extract imagery of a bbox from NASA GIBS or Sentinel Hub into an event: "
        "starts a job",
        description="Managers and owners. One image per date (`date`, or `start_date` to "
        "`end_date` inclusive, at most EXTRACTION_MAX_IMAGES; none for a layer without "
        "time), cut exactly to the `bbox` (snapped outwards to the tile grid's pixels) at "
        "the finest matrix of the `resolution` tile matrix set, or at the coarsest matrix "
        "at least `km_per_pixel` fine. Only the configured GIBS service is contacted. "
        "Bad requests answer 400 naming the field (unknown layer, dates outside the "
        "layer's range, over EXTRACTION_MAX_PIXELS); otherwise 202 with the queued "
        "`extract` job, whose result lists `images`, `duplicates` and the dates `failed`. "
        "`source: sentinelhub` (the team's saved credentials, else 400 "
        "`missing_credentials`): one FLOAT32 image per acquisition (`acquisitions` ids from "
        "the search, or all found with `collection`, `bbox`, dates and `max_cloud`) with every "
        "band of the collection (+ `scl` for L2A) at `resolution` 10, 20 or 60 m; an "
        "acquisition that fails is listed in `failed` with its `acquisition` id.",
        request=ExtractionStartSerializer,
        responses={202: JobSerializer},
        parameters=[JOB_LOCATION],
    )
    def post(self, request: Request, event_id: int) -> Response:
        event = selectors.event_get(user=self.user, event_id=event_id)
        require(self.user, event.team_id, Action.MANAGE, what="Event")  # before any check
        serializer = ExtractionStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if data["source"] == "sentinelhub":
            del data["source"]
            job = sentinelhub_extraction_start(user=self.user, event=event, **data)
        else:
            job = extraction_start(user=self.user, event=event, **data)
        return job_accepted(request, job)
