"""The editor's workflow: image locks, labelling time and previous / next image."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from api.serializers.work import (
    ImageLockSerializer,
    NeighbourQuerySerializer,
    NeighboursSerializer,
    WorkLogSerializer,
    WorkLogWriteSerializer,
)
from api.views.base import LabelerGenericAPIView
from events import selectors, work_selectors
from events.models import Image
from events.services import work as work_services


class ImageLockView(LabelerGenericAPIView):
    serializer_class = ImageLockSerializer
    queryset = Image.objects.none()

    @extend_schema(
        request=None,
        responses={
            200: ImageLockSerializer,
            409: OpenApiResponse(
                description="another user holds the lock: the error body plus locked_by "
                "(username) and locked_until (when it expires unless renewed)"
            ),
        },
    )
    def post(self, request: Request, image_id: int) -> Response:
        """Take or renew your lock on the image (it says "I have this image open"); 409
        naming the holder and the expiry when another user holds an unexpired lock."""
        image = selectors.image_get(user=self.user, image_id=image_id)
        try:
            image = work_services.image_lock_acquire(user=self.user, image=image)
        except work_services.ImageLocked as locked:
            return Response(
                {
                    "detail": locked.detail,
                    "code": locked.code,
                    "fields": {},
                    "locked_by": locked.holder,
                    "locked_until": locked.until,
                },
                status=status.HTTP_409_CONFLICT,
            )
        image.lock_seconds = work_services.lock_seconds()  # type: ignore[attr-defined]
        return Response(ImageLockSerializer(image).data)

    @extend_schema(responses={204: OpenApiResponse(description="released (or not yours)")})
    def delete(self, request: Request, image_id: int) -> Response:
        """Release your lock on the image; another user's lock stays."""
        image = selectors.image_get(user=self.user, image_id=image_id)
        work_services.image_lock_release(user=self.user, image=image)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WorkLogView(LabelerGenericAPIView):
    serializer_class = WorkLogSerializer
    queryset = Image.objects.none()

    def get(self, request: Request, image_id: int) -> Response:
        """Your labelling time and perceived difficulty on the image; managers also get
        every user's entry and the total."""
        image = selectors.image_get(user=self.user, image_id=image_id)
        return Response(
            WorkLogSerializer(work_selectors.worklog_get(user=self.user, image=image)).data
        )

    @extend_schema(request=WorkLogWriteSerializer, responses=WorkLogSerializer)
    def post(self, request: Request, image_id: int) -> Response:
        """Add labelling time (seconds, 1..3600 per report) and/or set your perceived
        difficulty of the image (1..5, null clears)."""
        image = selectors.image_get(user=self.user, image_id=image_id)
        serializer = WorkLogWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        work_services.worklog_record(
            user=self.user,
            image=image,
            seconds=data.get("seconds"),
            difficulty=data.get("difficulty"),
            set_difficulty="difficulty" in data,
        )
        return Response(
            WorkLogSerializer(work_selectors.worklog_get(user=self.user, image=image)).data
        )


class ImageNeighboursView(LabelerGenericAPIView):
    serializer_class = NeighboursSerializer
    queryset = Image.objects.none()

    @extend_schema(parameters=[NeighbourQuerySerializer], responses=NeighboursSerializer)
    def get(self, request: Request, image_id: int) -> Response:
        """The previous and next image through the image list's filters and ordering (the
        gallery's query string), optionally skipping images labelled by another user and
        images another user has open."""
        image = selectors.image_get(user=self.user, image_id=image_id)
        query = NeighbourQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        found = work_selectors.image_neighbours(user=self.user, image=image, **query.validated_data)
        return Response(NeighboursSerializer(asdict(found)).data)
