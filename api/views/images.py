from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from api.serializers.images import (
    ImageBulkTagResultSerializer,
    ImageBulkTagSerializer,
    ImageFilterSerializer,
    ImageSerializer,
    ImageTagWriteSerializer,
    ImageUpdateSerializer,
    image_rows,
)
from api.views.base import LabelerGenericAPIView
from events import selectors
from events.image_selectors import image_list_filtered
from events.models import Event, Image
from events.services import images as image_services
from events.services.image_tags import image_tags_bulk_set


class ImageListView(LabelerGenericAPIView):
    serializer_class = ImageSerializer
    queryset = Event.objects.none()  # for the OpenAPI schema; reads use selectors

    @extend_schema(parameters=[ImageFilterSerializer], responses=ImageSerializer(many=True))
    def get(self, request: Request, event_id: int) -> Response:
        event = selectors.event_get(user=self.user, event_id=event_id)
        query = ImageFilterSerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        images = image_list_filtered(user=self.user, event=event, **query.validated_data)
        # Count and page through ids only (index-only scans), then read the page's rows.
        ids = self.paginate_queryset(images.values_list("pk", flat=True)) or []
        rows = {image.pk: image for image in Image.objects.filter(pk__in=ids)}
        return self.get_paginated_response(image_rows([rows[pk] for pk in ids if pk in rows]))


class ImageDetailView(LabelerGenericAPIView):
    serializer_class = ImageSerializer
    queryset = Image.objects.none()

    def get(self, request: Request, image_id: int) -> Response:
        image = selectors.image_get(user=self.user, image_id=image_id)
        return Response(ImageSerializer(image).data)

    @extend_schema(request=ImageUpdateSerializer, responses=ImageSerializer)
    def patch(self, request: Request, image_id: int) -> Response:
        image = selectors.image_get(user=self.user, image_id=image_id)
        serializer = ImageUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        image = image_services.image_update(
            user=self.user, image=image, **serializer.validated_data
        )
        return Response(ImageSerializer(image).data)

    def delete(self, request: Request, image_id: int) -> Response:
        image = selectors.image_get(user=self.user, image_id=image_id)
        image_services.image_delete(user=self.user, image=image)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ImageTagView(LabelerGenericAPIView):
    serializer_class = ImageTagWriteSerializer
    queryset = Image.objects.none()

    @extend_schema(request=ImageTagWriteSerializer, responses=ImageSerializer)
    def post(self, request: Request, image_id: int) -> Response:
        """Mark the image positive/negative for a tag class (state null clears it)."""
        image = selectors.image_get(user=self.user, image_id=image_id)
        serializer = ImageTagWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        image_services.image_tag_set(
            user=self.user,
            image=image,
            label_class=serializer.validated_data["label_class"],
            state=serializer.validated_data["state"],
        )
        return Response(
            ImageSerializer(selectors.image_get(user=self.user, image_id=image.pk)).data
        )


class ImageBulkTagView(LabelerGenericAPIView):
    serializer_class = ImageBulkTagSerializer
    queryset = Event.objects.none()

    @extend_schema(request=ImageBulkTagSerializer, responses=ImageBulkTagResultSerializer)
    def post(self, request: Request, event_id: int) -> Response:
        """Tag many images at once: the listed ids, or every image matching ``filters``
        (the image list's filters). One transaction; state null clears the tag."""
        event = selectors.event_get(user=self.user, event_id=event_id)
        serializer = ImageBulkTagSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        filters = data.get("filters")
        updated = image_tags_bulk_set(
            user=self.user,
            event=event,
            label_class=data["label_class"],
            state=data["state"],
            image_ids=data.get("images"),
            images=None
            if filters is None
            else image_list_filtered(user=self.user, event=event, **filters),
        )
        return Response({"updated": updated})
