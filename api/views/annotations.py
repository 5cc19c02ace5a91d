from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.serializers.annotations import (
    AnnotationChangeSerializer,
    AnnotationConvertSerializer,
    AnnotationCreateSerializer,
    AnnotationFilterSerializer,
    AnnotationPatchSerializer,
    AnnotationReplaceSerializer,
    AnnotationReviewSerializer,
    AnnotationSerializer,
    annotation_rows,
    annotation_values,
)
from api.views.base import LabelerGenericAPIView
from events import selectors
from events.models import Annotation, Image
from events.services import annotations as annotation_services
from events.services import conversions as conversion_services


class AnnotationListView(LabelerGenericAPIView):
    serializer_class = AnnotationSerializer
    queryset = Image.objects.none()  # for the OpenAPI schema; reads use selectors

    @extend_schema(
        parameters=[AnnotationFilterSerializer], responses=AnnotationSerializer(many=True)
    )
    def get(self, request: Request, image_id: int) -> Response:
        image = selectors.image_get(user=self.user, image_id=image_id)
        query = AnnotationFilterSerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        filters = {
            k: v for k, v in query.validated_data.items() if k not in ("page", "page_size", "geo")
        }
        geo = query.validated_data["geo"]
        if "label_class" in filters:
            filters["label_class_id"] = filters.pop("label_class")
        annotations = selectors.annotation_list(image=image).filter(**filters)
        page = self.paginate_queryset(annotation_values(annotations, geo=geo))
        return self.get_paginated_response(annotation_rows(page or [], geo=geo))

    @extend_schema(request=AnnotationCreateSerializer, responses={201: AnnotationSerializer})
    def post(self, request: Request, image_id: int) -> Response:
        image = selectors.image_get(user=self.user, image_id=image_id)
        serializer = AnnotationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        annotation = annotation_services.annotation_create(
            user=self.user, image=image, **serializer.validated_data
        )
        return Response(AnnotationSerializer(annotation).data, status=status.HTTP_201_CREATED)


class _DeleteQuery(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=1)


class AnnotationDetailView(LabelerGenericAPIView):
    serializer_class = AnnotationSerializer
    queryset = Annotation.objects.none()

    def get(self, request: Request, annotation_id: int) -> Response:
        annotation = selectors.annotation_get(user=self.user, annotation_id=annotation_id)
        return Response(AnnotationSerializer(annotation).data)

    def _update(self, request: Request, annotation_id: int, serializer_class: type) -> Response:
        annotation = selectors.annotation_get(user=self.user, annotation_id=annotation_id)
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        annotation = annotation_services.annotation_update(
            user=self.user, annotation=annotation, **serializer.validated_data
        )
        return Response(AnnotationSerializer(annotation).data)

    @extend_schema(
        request=AnnotationReplaceSerializer,
        responses={200: AnnotationSerializer, 409: None},
        description="Replace the content. `version` must be the current one, else 409.",
    )
    def put(self, request: Request, annotation_id: int) -> Response:
        return self._update(request, annotation_id, AnnotationReplaceSerializer)

    @extend_schema(
        request=AnnotationPatchSerializer,
        responses={200: AnnotationSerializer, 409: None},
        description="Change some fields. `version` must be the current one, else 409.",
    )
    def patch(self, request: Request, annotation_id: int) -> Response:
        return self._update(request, annotation_id, AnnotationPatchSerializer)

    @extend_schema(
        parameters=[OpenApiParameter("version", int, description="delete only if still current")]
    )
    def delete(self, request: Request, annotation_id: int) -> Response:
        annotation = selectors.annotation_get(user=self.user, annotation_id=annotation_id)
        query = _DeleteQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        annotation_services.annotation_delete(
            user=self.user, annotation=annotation, version=query.validated_data.get("version")
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class AnnotationHistoryView(LabelerGenericAPIView):
    serializer_class = AnnotationChangeSerializer
    queryset = Annotation.objects.none()

    @extend_schema(responses=AnnotationChangeSerializer(many=True))
    def get(self, request: Request, annotation_id: int) -> Response:
        annotation = selectors.annotation_get(user=self.user, annotation_id=annotation_id)
        page = self.paginate_queryset(selectors.annotation_history(annotation=annotation))
        return self.get_paginated_response(AnnotationChangeSerializer(page, many=True).data)


class AnnotationReviewView(LabelerGenericAPIView):
    serializer_class = AnnotationReviewSerializer
    queryset = Annotation.objects.none()

    @extend_schema(request=AnnotationReviewSerializer, responses=AnnotationSerializer)
    def post(self, request: Request, annotation_id: int) -> Response:
        annotation = selectors.annotation_get(user=self.user, annotation_id=annotation_id)
        serializer = AnnotationReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        annotation = annotation_services.annotation_review(
            user=self.user, annotation=annotation, **serializer.validated_data
        )
        return Response(AnnotationSerializer(annotation).data)


class AnnotationConvertView(LabelerGenericAPIView):
    serializer_class = AnnotationConvertSerializer
    queryset = Annotation.objects.none()

    @extend_schema(
        request=AnnotationConvertSerializer,
        responses={200: AnnotationSerializer, 409: None},
        description=(
            "Convert in place: a polygon or box to a mask (pixels whose centre is inside), "
            "or a mask to a polygon (pixel edges, holes kept, optionally simplified). "
            "`version` must be the current one, else 409."
        ),
    )
    def post(self, request: Request, annotation_id: int) -> Response:
        annotation = selectors.annotation_get(user=self.user, annotation_id=annotation_id)
        serializer = AnnotationConvertSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        annotation = conversion_services.annotation_convert(
            user=self.user, annotation=annotation, **serializer.validated_data
        )
        return Response(AnnotationSerializer(annotation).data)
