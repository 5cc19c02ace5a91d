from __future__ import annotations

from rest_framework import serializers

from api.serializers.base import StrictSerializer


class GibsLayerFilterSerializer(StrictSerializer):
    """Query string of the GIBS layer list, validated like a request body."""

    search = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="case-insensitive substring of the identifier or title",
    )
    refresh = serializers.BooleanField(
        required=False, default=False, help_text="fetch the capabilities again"
    )
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1)


class GibsTimeSerializer(serializers.Serializer):
    default = serializers.CharField(read_only=True, allow_null=True)
    start = serializers.CharField(read_only=True, allow_null=True)
    end = serializers.CharField(read_only=True, allow_null=True)
    period = serializers.CharField(
        read_only=True, allow_null=True, help_text="ISO 8601 duration, e.g. P1D"
    )
    values = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="as the service lists them: dates or start/end/period intervals",
    )


class GibsLayerSerializer(serializers.Serializer):
    identifier = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    formats = serializers.ListField(child=serializers.CharField(), read_only=True)
    tile_matrix_sets = serializers.ListField(child=serializers.CharField(), read_only=True)
    time = GibsTimeSerializer(read_only=True, allow_null=True)
    tile_url_template = serializers.CharField(
        read_only=True,
        help_text="WMTS tile URL with {TileMatrixSet}, {TileMatrix}, {TileRow}, {TileCol} "
        "and, for layers with time, {Time} placeholders",
    )
