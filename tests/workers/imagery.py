"""Shared by the imagery tests: the real files in ../shared/data, tiny rasters built with
rasterio, broken files of every kind, ZIP archives, and an isolated storage per test."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import rasterio.shutil
from affine import Affine
from rasterio.io import MemoryFile

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"

RGB_BYTE = DATA / "rasterio" / "RGB.byte.tif"
RGB_TENTH = DATA / "rasterio" / "rgb-byte-tenth.tif"
EUROSAT = [
    DATA / "eurosat" / "EuroSAT_MS" / "AnnualCrop" / "AnnualCrop_1.tif",
    DATA / "eurosat" / "EuroSAT_MS" / "Pasture" / "Pasture_300.tif",
    DATA / "eurosat" / "EuroSAT_MS" / "SeaLake" / "SeaLake_3000.tif",
]
EUROSAT_RGB = DATA / "eurosat" / "EuroSAT_RGB" / "AnnualCrop" / "AnnualCrop_1.jpg"
S2_L2A = DATA / "derived" / "S2A_29RKH_20200219_L2A_12band_200m_256px.tif"
S2_SCL = DATA / "derived" / "S2A_29RKH_20200219_L2A_SCL_200m_256px.tif"
S2_SCL_FULL = DATA / "derived" / "S2A_29RKH_20200219_L2A_SCL_200m_full.tif"
EO_FLOAT = DATA / "eo-learn" / "import-tiff-test2.tiff"
GIBS_TILES = [
    DATA / "onearth" / "MODIS_Terra_CorrectedReflectance_TrueColor_0.jpg",
    DATA / "onearth" / "MODIS_Terra_CorrectedReflectance_TrueColor_1.jpg",
]


def sidecars(jpeg: Path) -> list[Path]:
    """A GIBS tile's world file and PAM file."""
    return [jpeg.with_suffix(".wld"), jpeg.with_name(jpeg.name + ".aux.xml")]


def world_file_bounds(path: Path, width: int, height: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) from a world file (A, D, B, E, C, F; C and F are the
    centre of the top-left pixel), read without GDAL."""
    a, d, b, e, c, f = (float(v) for v in path.read_text().split())
    assert b == d == 0
    west, north = c - a / 2, f - e / 2
    return west, north + e * height, west + a * width, north


# --- storage ------------------------------------------------------------------------------


@dataclass
class Media:
    """Where the test's files go: the default storage and Django's upload temp folder."""

    root: Path
    uploads: Path

    def files(self) -> list[str]:
        """Every file under the storage, relative paths, sorted."""
        return sorted(str(p.relative_to(self.root)) for p in self.root.rglob("*") if p.is_file())

    def staged(self) -> list[str]:
        """Anything, files or folders, left under staging/."""
        return sorted(str(p.relative_to(self.root)) for p in self.root.glob("staging/**/*"))

    def temporary(self) -> list[str]:
        return sorted(p.name for p in self.uploads.iterdir())


def isolate_storage(settings: Any, tmp_path: Path) -> Media:
    """Point the default storage and the upload temp folder at the test's own folders."""
    media = Media(root=tmp_path / "media", uploads=tmp_path / "uploads")
    media.root.mkdir()
    media.uploads.mkdir()
    settings.MEDIA_ROOT = str(media.root)
    settings.FILE_UPLOAD_TEMP_DIR = str(media.uploads)
    return media


# --- rasters built in tests ---------------------------------------------------------------


def smooth(shape: tuple[int, ...], *, seed: int = 0, scale: float = 1000.0) -> np.ndarray:
    """Smooth, compressible noise (a few sine waves plus a little noise), float64 >= 0."""
    rng = np.random.default_rng(seed)
    *lead, height, width = shape
    y, x = np.mgrid[0:height, 0:width]
    bands = []
    for _ in range(int(np.prod(lead)) if lead else 1):
        fx, fy, phase = [*rng.uniform(0.005, 0.05, 2).tolist(), rng.uniform(0, 6.28)]
        wave = np.sin(x * fx + phase) * np.cos(y * fy) + 1.2
        bands.append(wave * scale + rng.normal(0, scale * 0.02, (height, width)))
    return np.clip(np.array(bands).reshape(shape), 0, None)


def write_tiff(
    path: Path,
    data: np.ndarray,
    *,
    crs: str | None = None,
    transform: Affine | None = None,
    nodata: float | None = None,
    **profile: Any,
) -> Path:
    """A GeoTIFF of ``data`` (bands, rows, cols)."""
    count, height, width = data.shape
    options: dict[str, Any] = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": count,
        "dtype": data.dtype.name,
        **profile,
    }
    if crs is not None:
        options["crs"] = crs
    if transform is not None:
        options["transform"] = transform
    if nodata is not None:
        options["nodata"] = nodata
    with rasterio.open(path, "w", **options) as dst:
        dst.write(data)
    return path


def png_bytes(data: np.ndarray) -> bytes:
    """A PNG of ``data`` (bands, rows, cols), made in memory."""
    count, height, width = data.shape
    with MemoryFile() as memory:
        with memory.open(
            driver="PNG", width=width, height=height, count=count, dtype=data.dtype.name
        ) as dst:
            dst.write(data)
        return bytes(memory.read())


def small_png(seed: int = 0, size: int = 24) -> bytes:
    """A small RGB PNG, different for every seed."""
    return png_bytes(smooth((3, size, size), seed=seed, scale=100).astype("uint8"))


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A valid 1x1 PNG whose header declares ``width`` x ``height`` (IHDR CRC fixed)."""
    png = bytearray(png_bytes(np.zeros((1, 1, 1), dtype="uint8")))
    # Signature (8) + IHDR length (4) + b"IHDR" (4) + width (4) + height (4) + 5 bytes.
    png[16:24] = struct.pack(">II", width, height)
    png[29:33] = struct.pack(">I", zlib.crc32(bytes(png[12:29])))
    return bytes(png)


def truncated_cog(source: Path, path: Path, keep: float = 0.6) -> Path:
    """An uncompressed COG of ``source`` cut to ``keep`` of its length: the header (at the
    front of a COG) is intact, the pixel data at the end is missing."""
    full = path.with_name("full-" + path.name)
    rasterio.shutil.copy(source, full, driver="COG", COMPRESS="NONE", OVERVIEWS="NONE")
    data = full.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    full.unlink()
    return path


def rotated_tiff(path: Path) -> Path:
    transform = Affine(30.0, 5.0, 101985.0, 5.0, -30.0, 2826915.0)
    return write_tiff(
        path, np.ones((1, 20, 20), dtype="uint8"), crs="EPSG:32618", transform=transform
    )


def crs_without_transform_tiff(path: Path) -> Path:
    """A TIFF with GeoKeys (a CRS) but no geotransform."""
    return write_tiff(path, np.ones((1, 20, 20), dtype="uint8"), crs="EPSG:32618")


def utm_tiff(path: Path, *, zone: int, west: float, width_m: float = 300_000) -> Path:
    """A 100 x 100 px uint16 raster in UTM ``zone`` (north) from easting ``west``."""
    size = width_m / 100
    transform = Affine(size, 0, west, 0, -size, 400_000)
    data = smooth((2, 100, 100), seed=zone).astype("uint16")
    return write_tiff(path, data, crs=f"EPSG:{32600 + zone}", transform=transform)


def zip_bytes(members: dict[str, bytes], *, symlinks: tuple[str, ...] = ()) -> bytes:
    """A ZIP of ``members`` (path -> bytes); ``symlinks`` are stored as symbolic links."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, content in members.items():
            info = zipfile.ZipInfo(member)
            info.compress_type = zipfile.ZIP_DEFLATED
            if member in symlinks:
                info.create_system = 3
                info.external_attr = (0o120777 << 16) | 0
            archive.writestr(info, content)
    return buffer.getvalue()


def zip_bomb(expanded: int = 200 * 1024 * 1024) -> bytes:
    """A ZIP of one TIFF-looking member of ``expanded`` bytes, mostly zeros (~1000:1)."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("flood/big.tif", "w", force_zip64=True) as member,
    ):
        member.write(b"II*\x00")
        chunk = bytes(1024 * 1024)
        written = 4
        while written < expanded:
            piece = chunk[: expanded - written]
            member.write(piece)
            written += len(piece)
    return buffer.getvalue()


def read_all(path: Path | str) -> np.ndarray:
    with rasterio.open(path) as src:
        return src.read()


# --- independent expectations ------------------------------------------------------------


def numpy_percentiles(path: Path | str) -> list[tuple[float, float]]:
    """(p2, p98) of every band's pixels other than nodata, straight from numpy."""
    with rasterio.open(path) as src:
        data, nodata = src.read(), src.nodata
    out = []
    for band in data:
        valid = band[band != nodata] if nodata is not None else band.ravel()
        p2, p98 = np.percentile(valid, [2, 98])
        out.append((float(p2), float(p98)))
    return out


def expected_footprint(path: Path | str) -> Any:
    """The file's own bounds taken to EPSG:4326 by rasterio (GDAL/OGR), not by our code:
    the outline densified to 100 points an edge, cut at the antimeridian by OGR."""
    import shapely
    from rasterio.warp import transform_geom
    from shapely.geometry import mapping, shape

    with rasterio.open(path) as src:
        bounds, crs = src.bounds, src.crs
    edge = max(bounds.right - bounds.left, bounds.top - bounds.bottom) / 100
    outline = shapely.segmentize(shapely.box(*bounds), edge)
    return shape(transform_geom(crs, "EPSG:4326", mapping(outline), antimeridian_cutting=True))


def expected_bounds(path: Path | str) -> tuple[float, float, float, float]:
    from rasterio.warp import transform_bounds

    with rasterio.open(path) as src:
        return transform_bounds(src.crs, "EPSG:4326", *src.bounds, densify_pts=101)


def scl_without_overviews(path: Path) -> Path:
    """The real full-tile scene classification (549 x 549) as a plain GeoTIFF without the
    overviews it ships with, so the COG's overviews are computed, not copied."""
    with rasterio.open(S2_SCL_FULL) as src:
        data, crs, transform, nodata = src.read(), src.crs, src.transform, src.nodata
    return write_tiff(path, data, crs=crs, transform=transform, nodata=nodata)


def truncated_png(path: Path) -> Path:
    """A 300 x 300 PNG cut in half (GDAL's whole-image fast path would read it as zeros)."""
    png = png_bytes(smooth((3, 300, 300), scale=100).astype("uint8"))
    path.write_bytes(png[: len(png) // 2])
    return path


def truncated_jpeg(path: Path) -> Path:
    """A real GIBS tile cut in half."""
    jpeg = GIBS_TILES[0].read_bytes()
    path.write_bytes(jpeg[: len(jpeg) // 2])
    return path
