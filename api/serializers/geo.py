from __future__ import annotations

import json
from typing import Any

from django.contrib.gis.geos import GEOSGeometry
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from events.geometry import mapping_of, to_geojson


def geojson_of(geometry: GEOSGeometry | None) -> dict[str, Any] | None:
    """A stored EPSG:4326 geometry as RFC 7946 GeoJSON (CCW exteriors, no ``crs``)."""
    if geometry is None:
        return None
    import shapely

    return to_geojson(shapely.from_wkb(bytes(geometry.wkb)))


@extend_schema_field(OpenApiTypes.OBJECT)
class GeoJSONField(serializers.JSONField):
    """A GeoJSON geometry object in, validated by the service; RFC 7946 GeoJSON out."""

    def to_representation(self, value: Any) -> Any:
        if isinstance(value, GEOSGeometry):
            return geojson_of(value)
        return value

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                raise serializers.ValidationError("Not valid JSON.") from None
        if data is not None and not isinstance(data, dict):
            raise serializers.ValidationError("Expected a GeoJSON geometry object.")
        return data


__all__ = ["GeoJSONField", "geojson_of", "mapping_of"]
