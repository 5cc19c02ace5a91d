from __future__ import annotations

from rest_framework import serializers

from api.serializers.base import StrictSerializer


class LabelImportSerializer(StrictSerializer):
    file = serializers.FileField(help_text="COCO instances JSON or a GeoJSON FeatureCollection")
    format = serializers.ChoiceField(choices=["coco", "geojson"])
    mode = serializers.ChoiceField(
        choices=["keep", "replace"],
        default="keep",
        help_text="replace: delete the existing annotations of every image that receives "
        "imported ones first; keep: add to them",
    )
    crs = serializers.CharField(
        required=False,
        allow_null=True,
        default=None,
        help_text="GeoJSON only: the coordinates' CRS (e.g. EPSG:32618) when not EPSG:4326",
    )
    repair = serializers.BooleanField(
        default=False, help_text="repair self-intersecting polygons instead of refusing them"
    )
