from __future__ import annotations

from typing import Any

from rest_framework import serializers

from api.serializers.base import StrictSerializer
from api.serializers.geo import geojson_of
from events.models import MapShape


def feature_of(shape: MapShape) -> dict[str, Any]:
    """A map shape as an RFC 7946 Feature; label class and bookkeeping in properties."""
    return {
        "type": "Feature",
        "id": shape.pk,
        "geometry": geojson_of(shape.geometry),
        "properties": {
            **shape.properties,
            "label_class": shape.label_class_id,
            "label": shape.label_class.name if shape.label_class else None,
            "author": shape.author.username if shape.author else None,
            "created_at": shape.created_at.isoformat(),
            "updated_at": shape.updated_at.isoformat(),
        },
    }


def feature_collection_of(shapes: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [feature_of(shape) for shape in shapes]}


class MapShapeQuerySerializer(StrictSerializer):
    label_class = serializers.IntegerField(required=False)
    repair = serializers.BooleanField(required=False, default=False)


class FeatureSchema(serializers.Serializer):
    """OpenAPI description of a GeoJSON Feature (bodies are validated by the service)."""

    type = serializers.ChoiceField(choices=["Feature"])
    id = serializers.IntegerField(read_only=True)
    geometry = serializers.JSONField()
    properties = serializers.JSONField()


class FeatureCollectionSchema(serializers.Serializer):
    type = serializers.ChoiceField(choices=["FeatureCollection"])
    features = FeatureSchema(many=True)
