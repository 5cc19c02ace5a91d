from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.serializers.events import (
    EventSerializer,
    EventUpdateSerializer,
    LabelClassSerializer,
    LabelClassUpdateSerializer,
)
from api.views.base import LabelerGenericAPIView
from events import selectors
from events.models import Event, LabelClass
from events.services import events as event_services


class _EventFilter(serializers.Serializer):
    team = serializers.IntegerField(required=False)


class EventListView(LabelerGenericAPIView):
    serializer_class = EventSerializer
    queryset = Event.objects.none()  # for the OpenAPI schema; reads use selectors

    @extend_schema(
        parameters=[OpenApiParameter("team", int, description="only this team")],
        responses=EventSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = _EventFilter(data=request.query_params)
        query.is_valid(raise_exception=True)
        events = selectors.event_list_visible(
            user=self.user, team_id=query.validated_data.get("team")
        )
        page = self.paginate_queryset(events)
        return self.get_paginated_response(EventSerializer(page, many=True).data)

    def post(self, request: Request) -> Response:
        serializer = EventSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        team = selectors.team_get(user=self.user, team_id=data.pop("team_id"))
        event = event_services.event_create(user=self.user, team=team, **data)
        return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)


class EventDetailView(LabelerGenericAPIView):
    serializer_class = EventSerializer
    queryset = Event.objects.none()

    def get(self, request: Request, event_id: int) -> Response:
        event = selectors.event_get(user=self.user, event_id=event_id)
        return Response(EventSerializer(event).data)

    @extend_schema(request=EventUpdateSerializer, responses=EventSerializer)
    def patch(self, request: Request, event_id: int) -> Response:
        event = selectors.event_get(user=self.user, event_id=event_id)
        serializer = EventUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = event_services.event_update(
            user=self.user, event=event, **serializer.validated_data
        )
        return Response(EventSerializer(event).data)

    def delete(self, request: Request, event_id: int) -> Response:
        event = selectors.event_get(user=self.user, event_id=event_id)
        event_services.event_delete(user=self.user, event=event)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LabelClassListView(LabelerGenericAPIView):
    serializer_class = LabelClassSerializer
    queryset = Event.objects.none()
    pagination_class = None  # an event has tens of classes, never thousands

    @extend_schema(responses=LabelClassSerializer(many=True))
    def get(self, request: Request, event_id: int) -> Response:
        event = selectors.event_get(user=self.user, event_id=event_id)
        classes = selectors.label_class_list(event=event)
        return Response(LabelClassSerializer(classes, many=True).data)

    def post(self, request: Request, event_id: int) -> Response:
        event = selectors.event_get(user=self.user, event_id=event_id)
        serializer = LabelClassSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        label_class = event_services.label_class_create(
            user=self.user, event=event, **serializer.validated_data
        )
        return Response(LabelClassSerializer(label_class).data, status=status.HTTP_201_CREATED)


class LabelClassDetailView(LabelerGenericAPIView):
    serializer_class = LabelClassSerializer
    queryset = LabelClass.objects.none()

    def get(self, request: Request, label_class_id: int) -> Response:
        label_class = selectors.label_class_get(user=self.user, label_class_id=label_class_id)
        return Response(LabelClassSerializer(label_class).data)

    @extend_schema(request=LabelClassUpdateSerializer, responses=LabelClassSerializer)
    def patch(self, request: Request, label_class_id: int) -> Response:
        label_class = selectors.label_class_get(user=self.user, label_class_id=label_class_id)
        serializer = LabelClassUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        label_class = event_services.label_class_update(
            user=self.user, label_class=label_class, **serializer.validated_data
        )
        return Response(LabelClassSerializer(label_class).data)

    def delete(self, request: Request, label_class_id: int) -> Response:
        label_class = selectors.label_class_get(user=self.user, label_class_id=label_class_id)
        event_services.label_class_delete(user=self.user, label_class=label_class)
        return Response(status=status.HTTP_204_NO_CONTENT)
