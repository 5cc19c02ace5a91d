"""GeoTIFF: georeferenced TIFFs of any CRS, 1 to 13+ bands.

They arrive through the upload source (one file, or inside a ZIP) and go through the same
ingest; this module is the rule that tells a GeoTIFF image from a plain upload, so its
images are recorded with source ``geotiff`` (DESIGN.md §4) and keep their CRS, transform
and EPSG:4326 footprint.
"""

from __future__ import annotations

from typing import Any

from workers.rasters import RasterInfo

name = "geotiff"


def describe() -> dict[str, Any]:
    """What this source offers (the interface of ``workers.sources``)."""
    return {
        "name": name,
        "title": "Georeferenced TIFFs (any CRS, 1 to 13+ bands)",
        "kinds": ["file"],
        "formats": ["image/tiff; application=geotiff"],
        "arrives_through": "upload",
        "dtypes": ["uint8", "uint16", "int16", "float32"],
    }


def claims(info: RasterInfo) -> bool:
    """Whether an ingested file is a GeoTIFF image: a TIFF with a CRS and a transform."""
    return info.driver == "GTiff" and info.georeferenced
