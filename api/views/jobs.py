from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from api.serializers.jobs import EventSummaryStartSerializer, JobFilterSerializer, JobSerializer
from api.views.base import LabelerGenericAPIView
from events import selectors as event_selectors
from events.rules import Action, require
from workers import selectors as job_selectors
from workers import services as job_services
from workers.models import Job


class JobListView(LabelerGenericAPIView):
    serializer_class = JobSerializer
    queryset = Job.objects.none()  # for the OpenAPI schema; reads use selectors

    @extend_schema(
        summary="Jobs you may see: your own and those of your teams, newest first",
        parameters=[JobFilterSerializer],
        responses=JobSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = JobFilterSerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        jobs = job_selectors.job_list_visible(user=self.user, **query.validated_data)
        page = self.paginate_queryset(jobs)
        return self.get_paginated_response(JobSerializer(page, many=True).data)


class JobDetailView(LabelerGenericAPIView):
    serializer_class = JobSerializer
    queryset = Job.objects.none()

    @extend_schema(summary="One job: status, progress 0..1, message, result or error")
    def get(self, request: Request, job_id: int) -> Response:
        job = job_selectors.job_get(user=self.user, job_id=job_id)
        return Response(JobSerializer(job).data)


#: The Location header of a 202 that started a job, for the OpenAPI schema.
JOB_LOCATION = OpenApiParameter(
    "Location", location=OpenApiParameter.HEADER, response=[202], description="URL of the job"
)


def job_accepted(request: Request, job: Job) -> Response:
    """202 Accepted with the queued job and its URL in ``Location``: how every job starts."""
    location = reverse("v1:job-detail", kwargs={"job_id": job.pk})
    return Response(
        JobSerializer(job).data,
        status=status.HTTP_202_ACCEPTED,
        headers={"Location": request.build_absolute_uri(location)},
    )


class EventSummaryView(LabelerGenericAPIView):
    serializer_class = JobSerializer
    queryset = Job.objects.none()

    @extend_schema(
        summary="Start a job counting the event's images, annotations, tags and map shapes",
        description="Any member of the event's team may. Answers 202 with the queued job; "
        "its URL is in the Location header.",
        request=EventSummaryStartSerializer,
        responses={202: JobSerializer},
        parameters=[JOB_LOCATION],
    )
    def post(self, request: Request, event_id: int) -> Response:
        event = event_selectors.event_get(user=self.user, event_id=event_id)
        require(self.user, event.team_id, Action.VIEW, what="Event")
        EventSummaryStartSerializer(data=request.data).is_valid(raise_exception=True)
        job = job_services.job_start(
            kind="event_summary",
            owner=self.user,
            params={"event_id": event.pk},
            team=event.team,
            event=event,
        )
        return job_accepted(request, job)
