from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from api.parsers import GeoJSONParser
from api.serializers.map_shapes import (
    FeatureCollectionSchema,
    FeatureSchema,
    MapShapeQuerySerializer,
    feature_collection_of,
    feature_of,
)
from api.views.base import LabelerAPIView
from events import selectors
from events.services import map_shapes as shape_services


class MapShapeListView(LabelerAPIView):
    """The event's map shapes as one GeoJSON FeatureCollection (EPSG:4326, RFC 7946)."""

    parser_classes = [JSONParser, GeoJSONParser]

    @extend_schema(parameters=[MapShapeQuerySerializer], responses=FeatureCollectionSchema)
    def get(self, request: Request, event_id: int) -> Response:
        event = selectors.event_get(user=self.user, event_id=event_id)
        query = MapShapeQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        shapes = selectors.map_shape_list(event=event).select_related("author")
        if "label_class" in query.validated_data:
            shapes = shapes.filter(label_class_id=query.validated_data["label_class"])
        return Response(feature_collection_of(shapes))

    @extend_schema(
        parameters=[MapShapeQuerySerializer],
        request=FeatureCollectionSchema,
        responses={201: FeatureCollectionSchema},
        description="A Feature or a FeatureCollection; all features are created or none.",
    )
    def post(self, request: Request, event_id: int) -> Response:
        event = selectors.event_get(user=self.user, event_id=event_id)
        query = MapShapeQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        shapes = shape_services.map_shapes_create(
            user=self.user, event=event, data=request.data, repair=query.validated_data["repair"]
        )
        return Response(feature_collection_of(shapes), status=status.HTTP_201_CREATED)


class MapShapeDetailView(LabelerAPIView):
    parser_classes = [JSONParser, GeoJSONParser]

    @extend_schema(responses=FeatureSchema)
    def get(self, request: Request, map_shape_id: int) -> Response:
        shape = selectors.map_shape_get(user=self.user, map_shape_id=map_shape_id)
        return Response(feature_of(shape))

    @extend_schema(
        parameters=[MapShapeQuerySerializer], request=FeatureSchema, responses=FeatureSchema
    )
    def patch(self, request: Request, map_shape_id: int) -> Response:
        shape = selectors.map_shape_get(user=self.user, map_shape_id=map_shape_id)
        query = MapShapeQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        shape = shape_services.map_shape_update(
            user=self.user, shape=shape, data=request.data, repair=query.validated_data["repair"]
        )
        return Response(feature_of(shape))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, map_shape_id: int) -> Response:
        shape = selectors.map_shape_get(user=self.user, map_shape_id=map_shape_id)
        shape_services.map_shape_delete(user=self.user, shape=shape)
        return Response(status=status.HTTP_204_NO_CONTENT)
