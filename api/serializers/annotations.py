from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers

from api.serializers.base import StrictSerializer
from api.serializers.geo import GeoJSONField
from events.models import Annotation, AnnotationChange


class AnnotationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    image = serializers.IntegerField(source="image_id", read_only=True)
    label_class = serializers.IntegerField(source="label_class_id", read_only=True)
    kind = serializers.CharField(read_only=True)
    geometry = serializers.JSONField(read_only=True, help_text="GeoJSON geometry in pixel space")
    geo_geometry = GeoJSONField(
        read_only=True, help_text="EPSG:4326 GeoJSON (georeferenced images only)"
    )
    mask = serializers.JSONField(read_only=True, help_text="COCO uncompressed RLE")
    attributes = serializers.JSONField(read_only=True)
    keypoints = serializers.JSONField(read_only=True)
    author = serializers.CharField(source="author.username", read_only=True, default=None)
    source = serializers.CharField(read_only=True)  # type: ignore[assignment]
    confidence = serializers.FloatField(read_only=True, allow_null=True)
    difficulty = serializers.IntegerField(read_only=True, allow_null=True)
    review_state = serializers.CharField(read_only=True)
    reviewed_by = serializers.CharField(source="reviewed_by.username", read_only=True, default=None)
    reviewed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    version = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


_ROW_FIELDS = (
    "id",
    "image_id",
    "label_class_id",
    "kind",
    "geometry",
    "mask",
    "attributes",
    "keypoints",
    "author__username",
    "source",
    "confidence",
    "difficulty",
    "review_state",
    "reviewed_by__username",
    "reviewed_at",
    "version",
    "created_at",
    "updated_at",
)


def annotation_values(annotations: QuerySet[Annotation], *, geo: bool) -> QuerySet[Any]:
    """The plain rows ``annotation_rows`` turns into the list's JSON (paginate these)."""
    return annotations.values_list(*_ROW_FIELDS, *(("geo_geometry",) if geo else ()))


def annotation_rows(values: Iterable[tuple[Any, ...]], *, geo: bool) -> list[dict[str, Any]]:
    """``AnnotationSerializer(annotations, many=True).data`` built from plain rows, for the
    list the editor loads (thousands of shapes): the same keys, order and values
    (tests/api/test_annotations.py compares them) without a model instance per row or
    DRF's per-field machinery. ``geo=False`` leaves out ``geo_geometry``.
    """
    to_datetime = serializers.DateTimeField().to_representation
    to_geojson = GeoJSONField().to_representation
    rows = []
    for row in values:
        (pk, image, label_class, kind, geometry, mask, attributes, keypoints, author) = row[:9]
        (source, confidence, difficulty, review_state, reviewed_by, reviewed_at) = row[9:15]
        (version, created_at, updated_at) = row[15:18]
        out: dict[str, Any] = {
            "id": pk,
            "image": image,
            "label_class": label_class,
            "kind": kind,
            "geometry": geometry,
        }
        if geo:
            out["geo_geometry"] = None if row[18] is None else to_geojson(row[18])
        out.update(
            {
                "mask": mask,
                "attributes": attributes,
                "keypoints": keypoints,
                "author": author,
                "source": source,
                "confidence": None if confidence is None else float(confidence),
                "difficulty": difficulty,
                "review_state": review_state,
                "reviewed_by": reviewed_by,
                "reviewed_at": None if reviewed_at is None else to_datetime(reviewed_at),
                "version": version,
                "created_at": to_datetime(created_at),
                "updated_at": to_datetime(updated_at),
            }
        )
        rows.append(out)
    return rows


class _AnnotationContent(StrictSerializer):
    label_class = serializers.IntegerField()
    geometry = GeoJSONField(required=False, allow_null=True, help_text="pixel-space GeoJSON")
    mask = serializers.JSONField(required=False, allow_null=True, help_text="COCO RLE (masks)")
    attributes = serializers.DictField(required=False)
    keypoints = serializers.JSONField(required=False, allow_null=True)
    confidence = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=1)
    difficulty = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=5)
    repair = serializers.BooleanField(
        required=False, default=False, help_text="repair self-intersections with make_valid"
    )


class AnnotationCreateSerializer(_AnnotationContent):
    kind = serializers.ChoiceField(choices=Annotation.Kind.choices)
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=Annotation.Source.choices, required=False, default=Annotation.Source.MANUAL
    )


class AnnotationReplaceSerializer(_AnnotationContent):
    """PUT: the whole editable content plus the version it is based on."""

    version = serializers.IntegerField(min_value=1)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("geometry") is None and attrs.get("mask") is None:
            raise serializers.ValidationError({"geometry": ["PUT needs geometry (or mask)."]})
        # Fields left out of a PUT go back to their empty values.
        for name, empty in (
            ("attributes", {}),
            ("keypoints", None),
            ("confidence", None),
            ("difficulty", None),
        ):
            attrs.setdefault(name, empty)
        return attrs


class AnnotationPatchSerializer(_AnnotationContent):
    """PATCH: any editable fields plus the version they are based on."""

    label_class = serializers.IntegerField(required=False)
    version = serializers.IntegerField(min_value=1)


class AnnotationReviewSerializer(StrictSerializer):
    decision = serializers.ChoiceField(choices=Annotation.ReviewState.choices)
    version = serializers.IntegerField(min_value=1)


class AnnotationFilterSerializer(StrictSerializer):
    label_class = serializers.IntegerField(required=False)
    kind = serializers.ChoiceField(choices=Annotation.Kind.choices, required=False)
    source = serializers.ChoiceField(choices=Annotation.Source.choices, required=False)  # type: ignore[assignment]
    review_state = serializers.ChoiceField(choices=Annotation.ReviewState.choices, required=False)
    geo = serializers.BooleanField(
        required=False, default=True, help_text="false: leave out geo_geometry (faster)"
    )
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1)


class AnnotationChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    annotation = serializers.IntegerField(source="annotation_ref", read_only=True)
    action = serializers.ChoiceField(choices=AnnotationChange.Action.choices, read_only=True)
    user = serializers.CharField(source="user.username", read_only=True, default=None)
    at = serializers.DateTimeField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    before = serializers.JSONField(read_only=True)
    after = serializers.JSONField(read_only=True)


class AnnotationConvertSerializer(StrictSerializer):
    """POST /annotations/{id}/convert/: polygon (or box) -> mask, or mask -> polygon."""

    to = serializers.ChoiceField(choices=[("mask", "mask"), ("polygon", "polygon")])
    simplify = serializers.FloatField(
        required=False,
        default=0.0,
        min_value=0,
        max_value=100,
        help_text="mask -> polygon: simplification tolerance in pixels (0 keeps pixel edges)",
    )
    version = serializers.IntegerField(min_value=1)
