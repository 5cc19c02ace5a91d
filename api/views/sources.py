from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from api.serializers.sources import GibsLayerFilterSerializer, GibsLayerSerializer
from api.views.base import LabelerGenericAPIView
from workers.sources import gibs


class GibsLayerListView(LabelerGenericAPIView):
    """NASA GIBS layers from the configured service's capabilities (cached; any signed-in
    user). A failing service answers 502 ``source_unavailable``."""

    serializer_class = GibsLayerSerializer

    @extend_schema(parameters=[GibsLayerFilterSerializer], responses=GibsLayerSerializer(many=True))
    def get(self, request: Request) -> Response:
        query = GibsLayerFilterSerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        layers = gibs.layer_list(
            search=query.validated_data.get("search", ""),
            refresh=query.validated_data["refresh"],
        )
        page = self.paginate_queryset(layers)
        return self.get_paginated_response(GibsLayerSerializer(page, many=True).data)
