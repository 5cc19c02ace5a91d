from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from django.urls import get_script_prefix
from rest_framework import serializers

from api.serializers.base import StrictSerializer
from api.serializers.geo import GeoJSONField
from api.serializers.tiles import ImageURLField
from events.image_selectors import TAG_STATES, ordering_choices
from events.models import Image, ImageTag


class ImageTagSerializer(serializers.Serializer):
    label_class = serializers.IntegerField(source="label_class_id")
    state = serializers.ChoiceField(choices=ImageTag.State.choices)


class _HasFile(serializers.BooleanField):
    """Whether a FileField holds a file."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: Any) -> bool:
        return bool(value)


class ImageSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    event = serializers.IntegerField(source="event_id", read_only=True)
    name = serializers.CharField(read_only=True)
    source = serializers.CharField(read_only=True)  # type: ignore[assignment]
    status = serializers.CharField(read_only=True)
    status_message = serializers.CharField(read_only=True)
    width = serializers.IntegerField(read_only=True)
    height = serializers.IntegerField(read_only=True)
    band_count = serializers.IntegerField(read_only=True)
    band_names = serializers.ListField(child=serializers.CharField(), read_only=True)
    dtype = serializers.CharField(read_only=True)
    nodata = serializers.FloatField(read_only=True, allow_null=True)
    crs = serializers.CharField(read_only=True, help_text="EPSG:code or WKT; blank if none")
    transform = serializers.ListField(
        child=serializers.FloatField(),
        read_only=True,
        allow_null=True,
        help_text="affine (a, b, c, d, e, f): pixel -> CRS",
    )
    footprint = GeoJSONField(
        read_only=True,
        help_text="EPSG:4326 GeoJSON Polygon (a MultiPolygon across the antimeridian)",
    )
    stats = serializers.JSONField(
        read_only=True, help_text="per band: min, max, mean, std, p2, p98 (native values)"
    )
    reflectance_scale = serializers.FloatField(
        read_only=True, allow_null=True, help_text="reflectance = value * scale + offset"
    )
    reflectance_offset = serializers.FloatField(read_only=True)
    has_preview = _HasFile(source="preview", help_text="a PNG preview (1024 px) exists")
    has_thumbnail = _HasFile(source="thumbnail", help_text="a PNG thumbnail (256 px) exists")
    tiles = ImageURLField("v1:image-tile", needs="georeference", help_text="map tiles (XYZ)")
    image_tiles = ImageURLField("v1:image-space-tile", help_text="editor tiles (CRS.Simple)")
    tilejson = ImageURLField("v1:image-tilejson", help_text="TileJSON (?space=image for editor)")
    preview_url = ImageURLField("v1:image-preview", needs="preview")
    thumbnail_url = ImageURLField("v1:image-thumbnail", needs="thumbnail")
    acquired_at = serializers.DateTimeField(read_only=True, allow_null=True)
    cloud_cover = serializers.FloatField(read_only=True, allow_null=True)
    provenance = serializers.JSONField(read_only=True)
    checksum = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    tags = ImageTagSerializer(source="image_tags", many=True, read_only=True)


_STUB_ID = 987654321  # an image id no URL holds otherwise: replaced by each image's


class _Stub:
    """What ImageURLField reads of an image, with every route available."""

    pk = _STUB_ID
    is_georeferenced = True
    preview = thumbnail = True


@functools.lru_cache(maxsize=8)
def _url_templates(script_prefix: str) -> tuple[tuple[str, str | None, str], ...]:
    """(field name, what it needs, URL with _STUB_ID) of each ImageURLField, per prefix."""
    fields = ImageSerializer().fields
    return tuple(
        (name, field.needs, str(field.to_representation(_Stub())))
        for name, field in fields.items()
        if isinstance(field, ImageURLField)
    )


def image_rows(images: Iterable[Image]) -> list[dict[str, Any]]:
    """``ImageSerializer(images, many=True).data`` built directly, for the image list.

    The same keys and values (tests/api/test_images.py compares them); DRF's per-field
    machinery and one ``reverse()`` per URL per image took most of a 100-image page's time.
    The page's tags are read in one query (prefetch_related would build a queryset per
    image).
    """
    images = list(images)
    tags: dict[int, list[dict[str, Any]]] = {image.pk: [] for image in images}
    for image_id, label_class_id, state in (
        ImageTag.objects.filter(image_id__in=list(tags))
        .order_by("id")
        .values_list("image_id", "label_class_id", "state")
    ):
        tags[image_id].append({"label_class": label_class_id, "state": state})
    datetime = serializers.DateTimeField()
    geojson = GeoJSONField()
    templates = _url_templates(get_script_prefix())
    rows = []
    for image in images:
        pk = image.pk
        transform = image.transform
        row = {
            "id": pk,
            "event": image.event_id,
            "name": image.name,
            "source": image.source,
            "status": image.status,
            "status_message": image.status_message,
            "width": image.width,
            "height": image.height,
            "band_count": image.band_count,
            "band_names": [str(name) for name in image.band_names],
            "dtype": image.dtype,
            "nodata": None if image.nodata is None else float(image.nodata),
            "crs": image.crs,
            "transform": None if transform is None else [float(v) for v in transform],
            "footprint": None
            if image.footprint is None
            else geojson.to_representation(image.footprint),
            "stats": image.stats,
            "reflectance_scale": None
            if image.reflectance_scale is None
            else float(image.reflectance_scale),
            "reflectance_offset": float(image.reflectance_offset),
            "has_preview": bool(image.preview),
            "has_thumbnail": bool(image.thumbnail),
        }
        for name, needs, template in templates:
            available = (
                image.is_georeferenced
                if needs == "georeference"
                else bool(getattr(image, needs))
                if needs
                else True
            )
            row[name] = template.replace(str(_STUB_ID), str(pk)) if available else None
        row.update(
            {
                "acquired_at": None
                if image.acquired_at is None
                else datetime.to_representation(image.acquired_at),
                "cloud_cover": None if image.cloud_cover is None else float(image.cloud_cover),
                "provenance": image.provenance,
                "checksum": image.checksum,
                "created_at": datetime.to_representation(image.created_at),
                "tags": tags[pk],
            }
        )
        rows.append(row)
    return rows


class ImageUpdateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=255, required=False)
    acquired_at = serializers.DateTimeField(required=False, allow_null=True)
    cloud_cover = serializers.FloatField(
        required=False, allow_null=True, min_value=0, max_value=100
    )


class ImageTagWriteSerializer(StrictSerializer):
    label_class = serializers.IntegerField()
    state = serializers.ChoiceField(
        choices=ImageTag.State.choices, allow_null=True, help_text="null clears the tag"
    )


class ImageFilterSerializer(StrictSerializer):
    """Query string of the image list, validated like a request body."""

    bbox = serializers.CharField(
        required=False, help_text="min_lon,min_lat,max_lon,max_lat (EPSG:4326)"
    )
    acquired_after = serializers.DateTimeField(required=False)
    acquired_before = serializers.DateTimeField(required=False)
    source = serializers.ChoiceField(choices=Image.Source.choices, required=False)  # type: ignore[assignment]
    status = serializers.ChoiceField(choices=Image.Status.choices, required=False)
    label_class = serializers.IntegerField(
        required=False, help_text="a tag class of the event: with tag_state, or alone (tagged)"
    )
    tag_state = serializers.ChoiceField(
        choices=TAG_STATES,
        required=False,
        help_text="the image's state for label_class; unlabeled = not marked either way",
    )
    cloud_cover_min = serializers.FloatField(required=False, min_value=0, max_value=100)
    cloud_cover_max = serializers.FloatField(
        required=False,
        min_value=0,
        max_value=100,
        help_text="with cloud_cover_min: a percentage range; unknown cloud cover drops out",
    )
    labelled = serializers.BooleanField(
        required=False, help_text="has any image tag or annotation (true) or none (false)"
    )
    auto_labelled = serializers.BooleanField(
        required=False, help_text="has predicted annotations (source: predicted)"
    )
    ordering = serializers.ChoiceField(
        choices=ordering_choices(),
        required=False,
        help_text="a field, - first for descending; nulls rank above all values; ties by id",
    )
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1)

    def validate_bbox(self, value: str) -> tuple[float, float, float, float]:
        try:
            numbers = [float(part) for part in value.split(",")]
        except ValueError:
            raise serializers.ValidationError(
                "bbox must be four numbers separated by commas."
            ) from None
        if len(numbers) != 4:
            raise serializers.ValidationError(
                "bbox must be four numbers: min_lon,min_lat,max_lon,max_lat."
            )
        min_lon, min_lat, max_lon, max_lat = numbers
        if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
            raise serializers.ValidationError(
                "bbox must have min < max, longitudes in [-180, 180] and latitudes in [-90, 90]."
            )
        return min_lon, min_lat, max_lon, max_lat

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        after, before = attrs.get("acquired_after"), attrs.get("acquired_before")
        if after and before and before < after:
            raise serializers.ValidationError(
                {"acquired_before": ["Must not be before acquired_after."]}
            )
        low, high = attrs.get("cloud_cover_min"), attrs.get("cloud_cover_max")
        if low is not None and high is not None and high < low:
            raise serializers.ValidationError(
                {"cloud_cover_max": ["Must not be below cloud_cover_min."]}
            )
        if "tag_state" in attrs and "label_class" not in attrs:
            raise serializers.ValidationError(
                {"tag_state": ["Give the tag class too (label_class)."]}
            )
        attrs.pop("page", None)
        attrs.pop("page_size", None)
        return attrs


class ImageSelectionFilterSerializer(ImageFilterSerializer):
    """The image list's filters as a JSON object (a bulk action on every matching image)."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        attrs.pop("ordering", None)
        return attrs


class ImageBulkTagSerializer(StrictSerializer):
    label_class = serializers.IntegerField(help_text="a tag class of the event")
    state = serializers.ChoiceField(
        choices=ImageTag.State.choices, allow_null=True, help_text="null clears the tag"
    )
    images = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        min_length=1,
        max_length=10_000,
        help_text="image ids of the event (or give filters instead)",
    )
    filters = ImageSelectionFilterSerializer(
        required=False, help_text="every image matching the list's filters (select all)"
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("images" in attrs) == ("filters" in attrs):
            raise serializers.ValidationError(
                {"images": ["Give either images (a list of ids) or filters, not both."]}
            )
        return attrs


class ImageBulkTagResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField(help_text="images now in the requested state")
