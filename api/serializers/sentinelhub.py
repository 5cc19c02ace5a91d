from __future__ import annotations

from typing import Any

from rest_framework import serializers

from api.serializers.base import StrictSerializer
from events.models import SentinelHubCredential
from workers.sources import sentinelhub


class SentinelHubCredentialWriteSerializer(StrictSerializer):
    """Body of PUT .../sentinelhub-credential/. Service URLs are not part of it: they come
    from settings for the chosen endpoint."""

    client_id = serializers.CharField(max_length=200)
    client_secret = serializers.CharField(max_length=1000, write_only=True, trim_whitespace=True)
    endpoint = serializers.ChoiceField(
        choices=SentinelHubCredential.Endpoint.choices,
        default=SentinelHubCredential.Endpoint.SENTINELHUB,
        help_text="sentinelhub: the commercial Sentinel Hub; cdse: Copernicus Data Space",
    )


class SentinelHubCredentialSerializer(serializers.Serializer):
    """A team's saved Sentinel Hub client: never the secret, only that there is one."""

    client_id = serializers.CharField(read_only=True)
    endpoint = serializers.ChoiceField(
        choices=SentinelHubCredential.Endpoint.choices, read_only=True
    )
    updated_at = serializers.DateTimeField(read_only=True)
    updated_by = serializers.SerializerMethodField()
    has_secret = serializers.SerializerMethodField()

    def get_updated_by(self, obj: SentinelHubCredential) -> str | None:
        return obj.updated_by.username if obj.updated_by else None

    def get_has_secret(self, obj: SentinelHubCredential) -> bool:
        return bool(obj.client_secret_encrypted)


class SentinelHubSearchSerializer(StrictSerializer):
    """Body of POST /events/{id}/sentinelhub/search/."""

    bbox = serializers.ListField(
        child=serializers.FloatField(),
        min_length=4,
        max_length=4,
        help_text="[west, south, east, north] in degrees (EPSG:4326)",
    )
    start_date = serializers.DateField()
    end_date = serializers.DateField(help_text="inclusive")
    max_cloud = serializers.FloatField(
        min_value=0, max_value=100, required=False, default=100, help_text="percent"
    )
    collection = serializers.ChoiceField(
        choices=list(sentinelhub.COLLECTIONS), required=False, default="sentinel-2-l2a"
    )

    def validate_bbox(self, value: list[float]) -> tuple[float, float, float, float]:
        west, south, east, north = value
        if not (-180 <= west < east <= 180):
            raise serializers.ValidationError("Need -180 <= west < east <= 180.")
        if not (-90 <= south < north <= 90):
            raise serializers.ValidationError("Need -90 <= south < north <= 90.")
        return (west, south, east, north)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end_date"] < attrs["start_date"]:
            raise serializers.ValidationError({"end_date": ["Must not be before start_date."]})
        return attrs


class AcquisitionSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    datetime = serializers.CharField(read_only=True, allow_null=True, help_text="ISO 8601, UTC")
    cloud_cover = serializers.FloatField(read_only=True, allow_null=True, help_text="percent")
    bbox = serializers.ListField(child=serializers.FloatField(), read_only=True, allow_null=True)
    geometry = serializers.JSONField(read_only=True, allow_null=True, help_text="GeoJSON")


class AcquisitionListSerializer(serializers.Serializer):
    count = serializers.IntegerField(read_only=True)
    results = AcquisitionSerializer(many=True, read_only=True)
