from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from rest_framework import serializers

from api.serializers.base import StrictSerializer


class ExtractionStartSerializer(StrictSerializer):
    """``POST /api/v1/events/{id}/extractions/``: what to extract. The source's own checks
    (layer, time range, resolution, image size) happen in ``workers.extractions``.

    ``gibs`` takes ``layer``, ``bbox``, ``date`` or ``start_date``/``end_date``, and
    ``resolution`` or ``km_per_pixel``; ``sentinelhub`` takes ``collection``, ``bbox``,
    ``start_date``/``end_date``, ``max_cloud``, ``resolution`` (10, 20 or 60 m) and optionally
    ``acquisitions`` (ids from the search; all found otherwise) and ``scl``."""

    source = serializers.CharField(  # type: ignore[assignment]  # a field, not Field.source
        max_length=50, help_text="`gibs` or `sentinelhub`"
    )
    layer = serializers.CharField(
        required=False, max_length=200, help_text="gibs: a GIBS layer identifier"
    )
    collection = serializers.CharField(
        required=False,
        max_length=50,
        help_text="sentinelhub: `sentinel-2-l2a` (default) or `sentinel-2-l1c`",
    )
    max_cloud = serializers.FloatField(
        required=False, min_value=0, max_value=100, help_text="sentinelhub: cloud cover % at most"
    )
    acquisitions = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        min_length=1,
        help_text="sentinelhub: acquisition ids from the search (default: all found)",
    )
    scl = serializers.BooleanField(
        required=False, help_text="sentinelhub, sentinel-2-l2a: add the SCL mask as a band"
    )
    bbox = serializers.ListField(
        child=serializers.FloatField(),
        min_length=4,
        max_length=4,
        help_text="[min_lon, min_lat, max_lon, max_lat] in EPSG:4326",
    )
    date = serializers.DateField(required=False, help_text="one image of this day")
    start_date = serializers.DateField(required=False, help_text="one image per day from here")
    end_date = serializers.DateField(required=False, help_text="... to here, inclusive")
    resolution = serializers.CharField(
        required=False,
        max_length=50,
        help_text="gibs: a tile matrix set (`250m`, `EPSG4326_1km`...); sentinelhub: 10, 20 or 60",
    )
    km_per_pixel = serializers.FloatField(
        required=False,
        min_value=0.0,
        help_text="or a pixel size: the coarsest matrix at least this fine",
    )

    def validate_bbox(self, bbox: list[float]) -> list[float]:
        min_lon, min_lat, max_lon, max_lat = bbox
        if not all(-180 <= lon <= 180 for lon in (min_lon, max_lon)):
            raise serializers.ValidationError("Longitudes must be within -180..180.")
        if not all(-90 <= lat <= 90 for lat in (min_lat, max_lat)):
            raise serializers.ValidationError("Latitudes must be within -90..90.")
        if not (min_lon < max_lon and min_lat < max_lat):
            raise serializers.ValidationError(
                "Give [min_lon, min_lat, max_lon, max_lat] with min < max."
            )
        return bbox

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data["source"] == "sentinelhub":
            return self._sentinelhub(data)
        unused = [f for f in ("collection", "max_cloud", "acquisitions", "scl") if f in data]
        if unused:
            raise serializers.ValidationError(
                {field: ["Only for source sentinelhub."] for field in unused}
            )
        if "layer" not in data:
            raise serializers.ValidationError({"layer": ["This field is required."]})
        if ("resolution" in data) == ("km_per_pixel" in data):
            raise serializers.ValidationError(
                {"resolution": ["Give either resolution or km_per_pixel."]}
            )
        if "km_per_pixel" in data and not data["km_per_pixel"] > 0:
            raise serializers.ValidationError({"km_per_pixel": ["Must be above 0."]})
        date = data.pop("date", None)
        start, end = data.pop("start_date", None), data.pop("end_date", None)
        if date is not None and (start or end):
            raise serializers.ValidationError(
                {"date": ["Give either date or start_date and end_date."]}
            )
        if (start is None) != (end is None):
            field = "end_date" if end is None else "start_date"
            raise serializers.ValidationError({field: ["Give both start_date and end_date."]})
        dates: list[dt.date] = [date] if date is not None else []
        if start is not None and end is not None:
            if start > end:
                raise serializers.ValidationError({"end_date": ["Before start_date."]})
            count = (end - start).days + 1
            limit = settings.EXTRACTION_MAX_IMAGES
            if count > limit:
                raise serializers.ValidationError(
                    {
                        "end_date": [
                            f"{count} days is over the limit of {limit} images per extraction "
                            "(EXTRACTION_MAX_IMAGES)."
                        ]
                    }
                )
            dates = [start + dt.timedelta(days=n) for n in range(count)]
        data["dates"] = dates
        return data

    def _sentinelhub(self, data: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {
            field: ["Not used by source sentinelhub (gibs only)."]
            for field in ("layer", "date", "km_per_pixel")
            if field in data
        }
        for field in ("start_date", "end_date", "resolution"):
            if field not in data:
                errors[field] = ["This field is required."]
        if "resolution" in data and data["resolution"] not in ("10", "20", "60"):
            errors["resolution"] = ["Choose 10, 20 or 60 (metres)."]
        if "start_date" in data and "end_date" in data and data["start_date"] > data["end_date"]:
            errors["end_date"] = ["Before start_date."]
        limit = settings.EXTRACTION_MAX_IMAGES
        if len(data.get("acquisitions") or ()) > limit:
            errors["acquisitions"] = [
                f"Over the limit of {limit} images per extraction (EXTRACTION_MAX_IMAGES)."
            ]
        if errors:
            raise serializers.ValidationError(errors)
        data["resolution"] = int(data["resolution"])
        data.setdefault("collection", "sentinel-2-l2a")
        data.setdefault("max_cloud", 100.0)
        data.setdefault("scl", False)
        return data
