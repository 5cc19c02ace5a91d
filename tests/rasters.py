"""COGs made from the real files in ../shared/data, and Image rows pointing at them.

The ingest job writes an image's COG in production; tests of tiles and pixel values make
their own with GDAL's COG driver and the ingest job's options (workers.rasters.COG_OPTIONS)
so they do not depend on it, and fill the row's metadata from the file itself.
"""

from __future__ import annotations

import functools
import hashlib
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from rasterio.errors import NotGeoreferencedWarning
from rasterio.shutil import copy as rio_copy

from tests.factories import ImageFactory
from workers.rasters import cog_options

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"

RGB = DATA / "rasterio" / "RGB.byte.tif"  # 3 x uint8, 791 x 718, EPSG:32618, nodata 0
S2 = DATA / "derived" / "S2A_29RKH_20200219_L2A_12band_200m_256px.tif"  # 12 x uint16, nodata 0
EUROSAT = DATA / "eurosat" / "EuroSAT_MS" / "AnnualCrop" / "AnnualCrop_1.tif"  # 13 x uint16
EOLEARN = DATA / "eo-learn" / "import-tiff-test2.tiff"  # 5 x float32, EPSG:4326
JPEG = DATA / "eurosat" / "EuroSAT_RGB" / "AnnualCrop" / "AnnualCrop_1.jpg"  # no georeference

# EuroSAT_MS band order (see ../shared/data/README.md); the files carry no descriptions.
EUROSAT_BANDS = [
    "B01",
    "B02",
    "B03",
    "B04",
    "B05",
    "B06",
    "B07",
    "B08",
    "B09",
    "B10",
    "B11",
    "B12",
    "B8A",
]


def make_cog(source: Path, target: Path) -> Path:
    """``source`` as a COG at ``target`` with the ingest job's options (COG_OPTIONS)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(source) as src:
            is_float = np.dtype(src.dtypes[0]).kind == "f"
        rio_copy(
            str(source),
            str(target),
            driver="COG",
            **cog_options(is_float=is_float),
            OVERVIEW_RESAMPLING="NEAREST",
        )
    return target


@functools.cache
def cog_of(source: Path) -> Path:
    """A COG of ``source``, made once per test process in a temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="labeler-test-cogs-"))
    return make_cog(source, folder / f"{source.stem}.tif")


def statistics(path: Path) -> list[dict[str, float]]:
    """Per band min, max, mean, std, p2, p98 of the valid pixels (like the ingest's)."""
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(path) as src:
            for index in range(1, src.count + 1):
                values = src.read(index, masked=True).compressed().astype("float64")
                values = values[np.isfinite(values)]
                p2, p98 = np.percentile(values, [2, 98])
                out.append(
                    {
                        "min": float(values.min()),
                        "max": float(values.max()),
                        "mean": float(values.mean()),
                        "std": float(values.std()),
                        "p2": float(p2),
                        "p98": float(p98),
                    }
                )
    return out


def metadata(path: Path) -> dict[str, Any]:
    """The Image fields that describe the raster at ``path``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(path) as src:
            georeferenced = src.crs is not None
            return {
                "width": src.width,
                "height": src.height,
                "band_count": src.count,
                "dtype": src.dtypes[0],
                "nodata": src.nodata,
                "crs": src.crs.to_string() if georeferenced else "",
                "transform": list(src.transform)[:6] if georeferenced else None,
                "band_names": [d for d in src.descriptions if d] if all(src.descriptions) else [],
            }


def image_with_raster(event: Any, source: Path, *, name: str | None = None, **fields: Any) -> Any:
    """An Image row whose file is a COG of ``source`` saved into the default storage."""
    cog = cog_of(source)
    content = cog.read_bytes()
    stored = default_storage.save(f"images/tests/{source.stem}.tif", ContentFile(content))
    values = {
        **metadata(cog),
        "stats": statistics(cog),
        "checksum": hashlib.sha256(content).hexdigest(),
        "name": name or source.name,
        **fields,
    }
    image = ImageFactory(event=event, **values)
    image.file.name = stored
    image.save(update_fields=["file"])
    return image


def png_bytes(width: int = 8, height: int = 6) -> bytes:
    """A small real RGBA PNG (for preview and thumbnail files)."""
    data = np.zeros((4, height, width), dtype="uint8")
    data[0], data[3] = 200, 255
    with rasterio.MemoryFile() as memory:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with memory.open(
                driver="PNG", width=width, height=height, count=4, dtype="uint8"
            ) as png:
                png.write(data)
        return memory.read()


def attach_raster(image: Any, source: Path = EUROSAT, **fields: Any) -> Any:
    """Give an existing Image row a COG of ``source``, a preview and a thumbnail.

    Files get stable names in the default storage and are written only when missing, so
    tests that build many worlds (the permission matrix) do not pile files up.
    """
    cog = cog_of(source)
    content = cog.read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    name = f"tests/rasters/{source.stem}-{digest[:12]}.tif"
    preview, thumbnail = f"{name[:-4]}-preview.png", f"{name[:-4]}-thumbnail.png"
    for stored, data in ((name, content), (preview, png_bytes(16, 12)), (thumbnail, png_bytes())):
        if not default_storage.exists(stored):
            default_storage.save(stored, ContentFile(data))
    values = {**metadata(cog), "stats": statistics(cog), "checksum": digest, **fields}
    if source == EUROSAT and not values["band_names"]:
        values["band_names"] = EUROSAT_BANDS
    for key, value in values.items():
        setattr(image, key, value)
    image.file.name, image.preview.name, image.thumbnail.name = name, preview, thumbnail
    image.save()
    return image
