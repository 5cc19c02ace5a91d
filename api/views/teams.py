from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from api.serializers.teams import (
    MembershipCreateSerializer,
    MembershipSerializer,
    MembershipUpdateSerializer,
    TeamSerializer,
    TeamUpdateSerializer,
)
from api.views.base import LabelerGenericAPIView
from events import selectors
from events.models import Membership, Team
from events.services import teams as team_services


class TeamListView(LabelerGenericAPIView):
    serializer_class = TeamSerializer
    queryset = Team.objects.none()  # for the OpenAPI schema; reads use selectors

    @extend_schema(responses=TeamSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.team_list_visible(user=self.user))
        data = TeamSerializer(
            page, many=True, context={"roles": selectors.team_roles(user=self.user)}
        ).data
        return self.get_paginated_response(data)

    def post(self, request: Request) -> Response:
        serializer = TeamSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        team = team_services.team_create(user=self.user, **serializer.validated_data)
        out = TeamSerializer(team, context={"roles": selectors.team_roles(user=self.user)})
        return Response(out.data, status=status.HTTP_201_CREATED)


class TeamDetailView(LabelerGenericAPIView):
    serializer_class = TeamSerializer
    queryset = Team.objects.none()

    def get(self, request: Request, team_id: int) -> Response:
        team = selectors.team_get(user=self.user, team_id=team_id)
        return Response(
            TeamSerializer(team, context={"roles": selectors.team_roles(user=self.user)}).data
        )

    @extend_schema(request=TeamUpdateSerializer, responses=TeamSerializer)
    def patch(self, request: Request, team_id: int) -> Response:
        team = selectors.team_get(user=self.user, team_id=team_id)
        serializer = TeamUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        team = team_services.team_update(user=self.user, team=team, **serializer.validated_data)
        return Response(
            TeamSerializer(team, context={"roles": selectors.team_roles(user=self.user)}).data
        )

    def delete(self, request: Request, team_id: int) -> Response:
        team = selectors.team_get(user=self.user, team_id=team_id)
        team_services.team_delete(user=self.user, team=team)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberListView(LabelerGenericAPIView):
    serializer_class = MembershipSerializer
    queryset = Membership.objects.none()  # for the OpenAPI schema; reads use selectors

    @extend_schema(responses=MembershipSerializer(many=True))
    def get(self, request: Request, team_id: int) -> Response:
        team = selectors.team_get(user=self.user, team_id=team_id)
        page = self.paginate_queryset(selectors.membership_list(team=team))
        return self.get_paginated_response(MembershipSerializer(page, many=True).data)

    @extend_schema(request=MembershipCreateSerializer, responses={201: MembershipSerializer})
    def post(self, request: Request, team_id: int) -> Response:
        team = selectors.team_get(user=self.user, team_id=team_id)
        serializer = MembershipCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = team_services.membership_add(
            actor=self.user, team=team, **serializer.validated_data
        )
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)


class MemberDetailView(LabelerGenericAPIView):
    serializer_class = MembershipSerializer
    queryset = Membership.objects.none()

    def get(self, request: Request, team_id: int, membership_id: int) -> Response:
        membership = selectors.membership_get(
            user=self.user, team_id=team_id, membership_id=membership_id
        )
        return Response(MembershipSerializer(membership).data)

    @extend_schema(request=MembershipUpdateSerializer, responses=MembershipSerializer)
    def patch(self, request: Request, team_id: int, membership_id: int) -> Response:
        membership = selectors.membership_get(
            user=self.user, team_id=team_id, membership_id=membership_id
        )
        serializer = MembershipUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = team_services.membership_update(
            actor=self.user, membership=membership, **serializer.validated_data
        )
        return Response(MembershipSerializer(membership).data)

    def delete(self, request: Request, team_id: int, membership_id: int) -> Response:
        membership = selectors.membership_get(
            user=self.user, team_id=team_id, membership_id=membership_id
        )
        team_services.membership_remove(actor=self.user, membership=membership)
        return Response(status=status.HTTP_204_NO_CONTENT)
