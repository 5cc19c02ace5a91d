"""Query strings and bodies of the tile, TileJSON and pixel routes, validated by name.

Unknown parameters are refused (StrictSerializer); each bad value answers 400 naming its
parameter. The checks that need the image (band names, presets) happen in workers.tiles.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.base import StrictSerializer
from workers import tiles


def _numbers(text: str, what: str) -> list[float]:
    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        raise serializers.ValidationError(f"{what} must be numbers separated by commas.") from None


class TileQuerySerializer(StrictSerializer):
    """Tile parameters: choose bands, a preset or an index, then how values are drawn."""

    bands = serializers.CharField(
        required=False,
        help_text="1 or 3 band names (as in band_names) or 1-based indexes, e.g. B04,B03,B02",
    )
    preset = serializers.ChoiceField(
        choices=sorted(tiles.PRESETS),
        required=False,
        help_text="truecolor (B04,B03,B02), falsecolor (B08,B04,B03), swir (B12,B8A,B04), "
        "snow (B11,B04,B03)",
    )
    index = serializers.ChoiceField(
        choices=sorted(tiles.INDICES),
        required=False,
        help_text="normalized difference: ndvi (B08,B04), ndsi (B03,B11), ndwi (B03,B08), "
        "nbr (B08,B12); drawn with a colormap",
    )
    colormap = serializers.CharField(
        required=False, help_text="a rio-tiler colormap name (one band or an index)"
    )
    rescale = serializers.CharField(
        required=False,
        help_text="min,max for every band, or one pair per band separated by ';' "
        "(default: the image's p2,p98 per band; -1,1 for an index)",
    )
    gamma = serializers.FloatField(
        required=False,
        min_value=tiles.GAMMA_RANGE[0],
        max_value=tiles.GAMMA_RANGE[1],
        help_text="v ** (1/gamma) on rescaled values in 0..1",
    )
    brightness = serializers.FloatField(
        required=False,
        min_value=tiles.BRIGHTNESS_RANGE[0],
        max_value=tiles.BRIGHTNESS_RANGE[1],
        help_text="added to rescaled values in 0..1 after gamma",
    )
    tilesize = serializers.ChoiceField(choices=list(tiles.TILE_SIZES), required=False)

    def validate_bands(self, value: str) -> tuple[str, ...]:
        names = tuple(part.strip() for part in value.split(","))
        if not all(names):
            raise serializers.ValidationError("Band names separated by commas, none empty.")
        if len(names) not in (1, 3):
            raise serializers.ValidationError("Give 1 or 3 bands.")
        return names

    def validate_rescale(self, value: str) -> tuple[tuple[float, float], ...]:
        pairs = []
        for chunk in value.split(";"):
            numbers = _numbers(chunk, "rescale")
            if len(numbers) != 2:
                raise serializers.ValidationError("Each range must be min,max.")
            low, high = numbers
            if not low < high:
                raise serializers.ValidationError("Each range must have min < max.")
            pairs.append((low, high))
        if len(pairs) not in (1, 3):
            raise serializers.ValidationError("Give one min,max pair or three.")
        return tuple(pairs)

    def validate_colormap(self, value: str) -> str:
        name = value.lower()
        if name not in tiles.colormaps.list():
            raise serializers.ValidationError(
                f"Unknown colormap {value!r}; use a rio-tiler colormap such as rdylgn, viridis."
            )
        return name

    def validate_tilesize(self, value: Any) -> int:
        return int(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            request = tiles.TileRequest(**attrs)
        except tiles.TileParameterError as exc:
            raise serializers.ValidationError(exc.fields) from None
        return {"request": request}


class TileJSONQuerySerializer(TileQuerySerializer):
    """The tile parameters plus which tiles: map (mercator) or editor (image) and format."""

    space = serializers.ChoiceField(choices=["mercator", "image"], default="mercator")
    format = serializers.ChoiceField(choices=sorted(tiles.MEDIA_TYPES), default="png")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        space, fmt = attrs.pop("space"), attrs.pop("format")
        return {**super().validate(attrs), "space": space, "format": fmt}


class PixelQuerySerializer(StrictSerializer):
    """GET: ``points=x,y;x,y`` in pixel (x right, y down) or lon,lat coordinates."""

    points = serializers.CharField(help_text="x,y;x,y;... (pixel) or lon,lat;... (crs=lonlat)")
    crs = serializers.ChoiceField(choices=["pixel", "lonlat"], default="pixel")

    def validate_points(self, value: str) -> list[tuple[float, float]]:
        try:
            points = tiles.parse_points(value)
        except tiles.TileParameterError as exc:
            raise serializers.ValidationError(exc.fields["points"]) from None
        return _capped(points)


class PixelBodySerializer(StrictSerializer):
    """POST: ``{"points": [[x, y], ...], "crs": "pixel" | "lonlat"}`` for many points."""

    points = serializers.ListField(
        child=serializers.ListField(
            child=serializers.FloatField(), min_length=2, max_length=2, allow_empty=False
        ),
        allow_empty=False,
    )
    crs = serializers.ChoiceField(choices=["pixel", "lonlat"], default="pixel")

    def validate_points(self, value: list[list[float]]) -> list[list[float]]:
        return _capped(value)


def _capped(points: list[Any]) -> list[Any]:
    limit = settings.LABELER_MAX_PIXEL_POINTS
    if len(points) > limit:
        raise serializers.ValidationError(
            f"{len(points)} points; at most {limit} per request (LABELER_MAX_PIXEL_POINTS)."
        )
    return points


class PixelVectorSerializer(serializers.Serializer):
    """One point's band vector (documentation of the response)."""

    row = serializers.IntegerField()
    col = serializers.IntegerField()
    lon = serializers.FloatField(allow_null=True, help_text="pixel centre; null: no georeference")
    lat = serializers.FloatField(allow_null=True)
    values = serializers.ListField(child=serializers.FloatField(), help_text="native, per band")
    reflectance = serializers.ListField(
        child=serializers.FloatField(), allow_null=True, help_text="value * scale + offset"
    )
    nodata = serializers.BooleanField(help_text="every band holds the nodata value")


class PixelResponseSerializer(serializers.Serializer):
    bands = serializers.ListField(child=serializers.CharField())
    crs = serializers.CharField()
    points = PixelVectorSerializer(many=True)


@extend_schema_field({"type": "string", "format": "uri", "nullable": True})
class ImageURLField(serializers.Field):
    """A URL of one of the image's raster routes (read-only; ``source="*"``).

    Tile routes give an XYZ template (``.../{z}/{x}/{y}.png``); ``null`` where the route has
    nothing to serve: map tiles of an image without georeference, a preview not made yet.
    """

    def __init__(self, route: str, *, needs: str | None = None, **kwargs: Any) -> None:
        self.route, self.needs = route, needs
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, image: Any) -> str | None:
        if self.needs == "georeference" and not image.is_georeferenced:
            return None
        if self.needs in ("preview", "thumbnail") and not getattr(image, self.needs):
            return None
        kwargs: dict[str, Any] = {"image_id": image.pk}
        tile = self.route in ("v1:image-tile", "v1:image-space-tile")
        if tile:
            kwargs.update(z=910001, x=920002, y=930003, fmt="png")
        url = reverse(self.route, kwargs=kwargs)
        request = self.context.get("request")
        if request is not None:
            url = request.build_absolute_uri(url)
        return url.replace("/910001/920002/930003.", "/{z}/{x}/{y}.") if tile else url
