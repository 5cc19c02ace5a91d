from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from api.serializers.sentinelhub import (
    AcquisitionListSerializer,
    SentinelHubCredentialSerializer,
    SentinelHubCredentialWriteSerializer,
    SentinelHubSearchSerializer,
)
from api.views.base import LabelerAPIView
from events import selectors
from events.services import credentials as credential_services
from workers.sources import sentinelhub


class SentinelHubCredentialView(LabelerAPIView):
    """The team's Sentinel Hub OAuth client: members read it (never the secret), managers
    save and delete it."""

    @extend_schema(responses=SentinelHubCredentialSerializer)
    def get(self, request: Request, team_id: int) -> Response:
        team = selectors.team_get(user=self.user, team_id=team_id)
        credential = credential_services.sentinelhub_credential_get(user=self.user, team=team)
        return Response(SentinelHubCredentialSerializer(credential).data)

    @extend_schema(
        request=SentinelHubCredentialWriteSerializer, responses=SentinelHubCredentialSerializer
    )
    def put(self, request: Request, team_id: int) -> Response:
        team = selectors.team_get(user=self.user, team_id=team_id)
        body = SentinelHubCredentialWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        credential = credential_services.sentinelhub_credential_set(
            user=self.user, team=team, **body.validated_data
        )
        return Response(SentinelHubCredentialSerializer(credential).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, team_id: int) -> Response:
        team = selectors.team_get(user=self.user, team_id=team_id)
        credential_services.sentinelhub_credential_delete(user=self.user, team=team)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SentinelHubSearchView(LabelerAPIView):
    """Sentinel-2 acquisitions over a box and dates, from the Catalog API with the team's
    credentials (managers and owners: it spends the team's quota). Sorted by date. No
    credentials saved: 400 ``missing_credentials``; the service failing: 502."""

    @extend_schema(request=SentinelHubSearchSerializer, responses=AcquisitionListSerializer)
    def post(self, request: Request, event_id: int) -> Response:
        event = selectors.event_get(user=self.user, event_id=event_id)
        body = SentinelHubSearchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        found = sentinelhub.search_for_event(
            user=self.user,
            event=event,
            bbox=data["bbox"],
            start=data["start_date"],
            end=data["end_date"],
            max_cloud=data["max_cloud"],
            collection=data["collection"],
        )
        return Response(AcquisitionListSerializer({"count": len(found), "results": found}).data)
