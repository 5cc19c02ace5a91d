from __future__ import annotations

from rest_framework import serializers

from api.serializers.base import StrictSerializer
from workers.rasters import BAND_ORDERS


class UploadStartSerializer(StrictSerializer):
    """``multipart/form-data``: one or more ``files`` and an optional ``band_order``."""

    files = serializers.ListField(
        # Empty files pass here so the upload checks can refuse them by name.
        child=serializers.FileField(allow_empty_file=True),
        allow_empty=False,
        help_text="PNG, JPEG, (Geo)TIFF or ZIP files; .wld/.aux.xml/.prj sidecars beside "
        "their image. Repeat the field for several files.",
    )
    band_order = serializers.ChoiceField(
        choices=sorted(BAND_ORDERS),
        required=False,
        allow_null=True,
        help_text="Sentinel-2 band order of the upload's 12- or 13-band images (others are "
        "named as usual): l2a (B01..B08,B8A,B09,B11,B12), l1c (B01..B08,B8A,B09..B12) or "
        "eurosat (B01..B12,B8A). By default band descriptions are used, else the order is "
        "recognised from the data.",
    )
