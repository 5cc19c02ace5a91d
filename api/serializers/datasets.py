from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.base import StrictModelSerializer, StrictSerializer
from events.models import DatasetVersion


class DatasetStartSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    formats = serializers.ListField(
        child=serializers.CharField(),
        help_text="coco, yolo, voc, geojson, gpkg, shapefile, stac, masks, classification_csv",
    )
    filters = serializers.DictField(
        required=False,
        default=dict,
        help_text="label_classes, tag_states, images (ids), acquired_after, acquired_before "
        "(ISO 8601), bbox [w, s, e, n], sources, review_states, labelled_only",
    )
    split = serializers.DictField(
        required=False,
        default=dict,
        help_text="train, validation, test (ratios adding up to 1; default 0.8/0.1/0.1), "
        "seed (integer), stratify (default true), group_cell_km (spatial grouping)",
    )
    options = serializers.DictField(
        required=False,
        default=dict,
        help_text="include_images (default false); chip_size (pixels, 32-8192), "
        "chip_overlap (pixels, default 0), keep_empty_chips (default true)",
    )


class DatasetVersionSerializer(StrictModelSerializer):
    created_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    job = serializers.IntegerField(source="job_id", read_only=True, allow_null=True)
    files = serializers.SerializerMethodField()

    class Meta:
        model = DatasetVersion
        fields = [
            "id",
            "event",
            "number",
            "name",
            "status",
            "error",
            "formats",
            "filters",
            "split",
            "options",
            "counts",
            "files",
            "checksum",
            "job",
            "created_by",
            "created_at",
            "built_at",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "size": {"type": "integer"},
                    "sha256": {"type": "string"},
                    "download": {"type": "string", "format": "uri"},
                },
            },
        }
    )
    def get_files(self, version: DatasetVersion) -> dict[str, Any]:
        request = self.context.get("request")
        out = {}
        for fmt, entry in version.files.items():
            url = reverse("v1:dataset-download", kwargs={"dataset_id": version.pk})
            url = f"{url}?format={fmt}"
            out[fmt] = {
                "size": entry["size"],
                "sha256": entry["sha256"],
                "download": request.build_absolute_uri(url) if request else url,
            }
        return out


class DatasetVersionDetailSerializer(DatasetVersionSerializer):
    class Meta(DatasetVersionSerializer.Meta):
        fields = [*DatasetVersionSerializer.Meta.fields, "manifest"]
        read_only_fields = fields
