"""Raster engine: inspect an image file, name its bands, measure it, convert it to a
Cloud-Optimized GeoTIFF and render previews. Plain functions on local paths (no Django
request, no storage): the ingest job (workers/ingest.py) strings them together.

Every refusal is a ``workers.errors.InvalidRaster`` subclass whose message names the file
and the problem, so a failed job or a 400 tells the user what to fix.
"""

from __future__ import annotations

import contextlib
import math
import re
import tempfile
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import rasterio.shutil
from affine import Affine
from django.conf import settings
from rasterio._err import CPLE_BaseError  # rasterio's GDAL errors; no public alias
from rasterio.enums import ColorInterp, Resampling
from rasterio.errors import NotGeoreferencedWarning, RasterioError
from rasterio.windows import Window

from events.errors import InvalidInput
from workers.errors import (
    CorruptRaster,
    RasterTooLarge,
    UnsupportedFormat,
    UnsupportedGeoreference,
)

# --- formats ---------------------------------------------------------------------------------

#: Magic bytes of the formats we ingest, and of ZIP archives (uploads). TIFF covers classic
#: TIFF and BigTIFF in both byte orders (TIFF 6.0 §2; BigTIFF: version 43 instead of 42).
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"II+\x00", "tiff"),
    (b"MM\x00+", "tiff"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # an empty archive
)
#: The GDAL driver allowed to open each image format: a file is never handed to whichever of
#: GDAL's ~200 drivers claims it.
DRIVERS = {"tiff": "GTiff", "png": "PNG", "jpeg": "JPEG"}
FORMAT_NAMES = {"tiff": "TIFF", "png": "PNG", "jpeg": "JPEG", "zip": "ZIP"}
DTYPES = ("uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "float64")

PREVIEW_SIZE = 1024
THUMBNAIL_SIZE = 256
#: Statistics read at most about this many pixels per band: above it they come from a
#: decimated read (GDAL picks an overview when the file has one).
STATS_MAX_PIXELS = 2048 * 2048
_STATS_CHUNK_SAMPLES = 8 * 1024 * 1024  # samples read at once, all bands together
#: Rows read at once when verifying the data, at most this many bytes.
_CHUNK_BYTES = 64 * 1024 * 1024


def sniff_format(head: bytes) -> str | None:
    """``png``, ``jpeg``, ``tiff`` or ``zip`` from a file's first bytes; None otherwise."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return None


def describe_content(head: bytes) -> str:
    """A few words on what unrecognised content looks like, for error messages."""
    if not head:
        return "it is empty"
    kind = sniff_format(head)
    if kind:
        return f"its content is {FORMAT_NAMES[kind]}"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return "its content is not a PNG, JPEG or TIFF image"
    if all(ch.isprintable() or ch.isspace() for ch in text):
        return "its content is text"
    return "its content is not a PNG, JPEG or TIFF image"


def sniff_file(path: str | Path) -> str | None:
    with open(path, "rb") as handle:
        return sniff_format(handle.read(8))


#: What GDAL reports when a file breaks while it is read (see ``_gdal_reason``).
GDAL_ERRORS = (RasterioError, CPLE_BaseError)


@contextlib.contextmanager
def _reading() -> Iterator[None]:
    """GDAL set up to fail loudly on broken data, and quiet about missing georeference.

    GDAL's whole-image PNG fast path returns zeros for a truncated PNG without a word
    (GDAL 3.10), so it is off; libjpeg's warnings (a truncated JPEG) are errors.
    """
    with (
        warnings.catch_warnings(),
        rasterio.Env(GDAL_PNG_WHOLE_IMAGE_OPTIM="NO", GDAL_ERROR_ON_LIBJPEG_WARNING="TRUE"),
    ):
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        yield


def _gdal_reason(exc: BaseException) -> str:
    """GDAL's own words: rasterio's "Read failed. See previous exception" hides them in
    the exception it chains."""
    reasons: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(reasons) < 5:
        reasons.append(str(seen))
        seen = seen.__cause__ or seen.__context__
    specific = [r for r in reasons if r and "See previous exception" not in r]
    return (specific[-1] if specific else reasons[0]).rstrip(".")


def corrupt(name: str, exc: BaseException) -> CorruptRaster:
    """The error for a file whose data broke while being read."""
    return CorruptRaster(f"{name} is corrupt or truncated: {_gdal_reason(exc)}.")


# --- inspection ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RasterInfo:
    """What an image file declares. ``crs`` is ``EPSG:n`` when the CRS has an EPSG code, else
    its WKT, or "" without one; ``transform`` is rasterio's (a, b, c, d, e, f) or None when
    the file has no geotransform (pixel space only)."""

    driver: str
    width: int
    height: int
    count: int
    dtype: str
    crs: str
    transform: list[float] | None
    nodata: float | None
    descriptions: list[str | None] = field(default_factory=list)
    colorinterp: list[str] = field(default_factory=list)
    has_colormap: bool = False

    @property
    def georeferenced(self) -> bool:
        return bool(self.crs) and self.transform is not None


def _open(path: str | Path, *, name: str) -> Any:
    """The file opened with the one GDAL driver its magic bytes call for."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CorruptRaster(f"{name} could not be read: {exc.strerror}.") from None
    if size == 0:
        raise CorruptRaster(f"{name} is empty (0 bytes).")
    with open(path, "rb") as handle:
        head = handle.read(16)
    kind = sniff_format(head)
    if kind is None or kind == "zip":
        raise UnsupportedFormat(
            f"{name} is not a supported image: {describe_content(head)}. "
            "Send PNG, JPEG or (Geo)TIFF files."
        )
    try:
        return rasterio.open(path, driver=DRIVERS[kind])
    except GDAL_ERRORS as exc:
        raise CorruptRaster(
            f"{name} could not be read as {FORMAT_NAMES[kind]}, it is corrupt or truncated: "
            f"{_gdal_reason(exc)}."
        ) from None


def crs_text(crs: Any) -> str:
    """``EPSG:n`` when the CRS has an EPSG code, else its WKT; "" for no CRS."""
    if not crs:
        return ""
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_wkt()


def _georeference(src: Any, *, name: str) -> tuple[str, list[float] | None]:
    transform: Affine = src.transform
    has_transform = not transform.is_identity
    crs = crs_text(src.crs)
    if not has_transform:
        gcps, _ = src.gcps
        if gcps or src.rpcs:
            kind = "ground control points" if gcps else "RPCs"
            raise UnsupportedGeoreference(
                f"{name} is georeferenced by {kind} only; warp it to a north-up grid first, "
                "e.g. gdalwarp."
            )
        if crs:
            raise UnsupportedGeoreference(
                f"{name} has a CRS but no usable geotransform; add one (e.g. gdal_translate "
                "-a_ullr) or drop the CRS."
            )
        return "", None
    scale = max(abs(transform.a), abs(transform.e))
    if abs(transform.b) > 1e-12 * scale or abs(transform.d) > 1e-12 * scale:
        raise UnsupportedGeoreference(
            f"{name}: rotated transforms are not supported; warp to north-up first, e.g. gdalwarp."
        )
    if not (transform.a and transform.e) or not all(map(math.isfinite, transform[:6])):
        raise UnsupportedGeoreference(f"{name} has a degenerate geotransform {tuple(transform)}.")
    return crs, [float(v) for v in transform[:6]]


def _row_windows(src: Any) -> Iterator[Window]:
    """Windows of whole rows, a multiple of the block height, at most _CHUNK_BYTES each."""
    block_rows = max(src.block_shapes[0][0], 1)
    row_bytes = src.width * src.count * np.dtype(src.dtypes[0]).itemsize
    rows = max(block_rows, (_CHUNK_BYTES // max(row_bytes, 1)) // block_rows * block_rows)
    for top in range(0, src.height, rows):
        yield Window(0, top, src.width, min(rows, src.height - top))


def inspect_raster(
    path: str | Path, *, name: str | None = None, read_data: bool = True
) -> RasterInfo:
    """What the image file at ``path`` is, after checking that it can be ingested.

    The format comes from the magic bytes and only its GDAL driver (GTiff, PNG, JPEG) may
    open it. Refused, naming the file: empty, unsupported or unreadable content; a declared
    size over ``LABELER_MAX_IMAGE_PIXELS`` (checked on the header, before any pixel is
    read, so a decompression bomb costs nothing); mixed or unsupported data types; a rotated
    or sheared transform, a CRS without a usable transform, GCP- or RPC-only georeference.
    A CRS without an EPSG code is fine: its WKT is kept. With ``read_data`` every row is
    read once, so corrupt or truncated data is caught here and not halfway through a
    conversion. NaN or infinite nodata is reported as None (the data's NaNs are skipped by
    the statistics anyway, and JSON has no NaN).
    """
    name = name or Path(path).name
    with _reading():
        src = _open(path, name=name)
        with src:
            width, height = src.width, src.height
            limit = settings.LABELER_MAX_IMAGE_PIXELS
            if width * height > limit:
                raise RasterTooLarge(
                    f"{name} declares {width} x {height} pixels ({width * height:,}), over the "
                    f"limit of {limit:,} (LABELER_MAX_IMAGE_PIXELS); tile it first."
                )
            dtypes = set(src.dtypes)
            if len(dtypes) != 1:
                raise UnsupportedFormat(
                    f"{name} mixes data types across bands ({', '.join(sorted(dtypes))})."
                )
            dtype = src.dtypes[0]
            if dtype not in DTYPES:
                raise UnsupportedFormat(
                    f"{name} has data type {dtype}, which is not supported; use one of "
                    f"{', '.join(DTYPES)}."
                )
            crs, transform = _georeference(src, name=name)
            nodata = src.nodata
            if nodata is not None and not math.isfinite(nodata):
                nodata = None
            has_colormap = src.count == 1 and _has_colormap(src)
            info = RasterInfo(
                driver=src.driver,
                width=width,
                height=height,
                count=src.count,
                dtype=dtype,
                crs=crs,
                transform=transform,
                nodata=None if nodata is None else float(nodata),
                descriptions=[d or None for d in src.descriptions],
                colorinterp=[ci.name for ci in src.colorinterp],
                has_colormap=has_colormap,
            )
            if read_data:
                try:
                    for window in _row_windows(src):
                        src.read(window=window)
                except GDAL_ERRORS as exc:
                    raise corrupt(name, exc) from None
    return info


# --- band names ------------------------------------------------------------------------------

S2_L2A = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B11", "B12"]
S2_L1C = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12"]
#: EuroSAT's GeoTIFFs (Helber et al. 2019) put B8A last.
S2_EUROSAT = [
    "B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B09", "B10", "B11", "B12", "B8A"
]  # fmt: skip
BAND_ORDERS: dict[str, list[str]] = {"l2a": S2_L2A, "l1c": S2_L1C, "eurosat": S2_EUROSAT}
_S2_BANDS = set(S2_L1C)


def is_sentinel2(names: Sequence[str]) -> bool:
    """Whether ``names`` are a stack of Sentinel-2 bands (12 or 13 of B01..B12, B8A)."""
    return len(names) >= 12 and set(names) <= _S2_BANDS


def _band_means(path: str | Path, indexes: Sequence[int]) -> list[float]:
    """Means of the valid pixels of ``indexes`` (1-based), from a read of at most 256 px."""
    with _reading(), rasterio.open(path) as src:
        scale = min(1.0, 256 / max(src.width, src.height))
        shape = (max(1, round(src.height * scale)), max(1, round(src.width * scale)))
        data = src.read(list(indexes), out_shape=(len(indexes), *shape), masked=True)
    return [float(np.ma.mean(band)) if band.count() else math.nan for band in data]


def _l1c_order(path: str | Path, stats: Sequence[dict[str, float | None]] | None) -> list[str]:
    """Standard L1C order or EuroSAT's, told apart from the data.

    The two orders differ from band position 10 on: the standard one has B09 (945 nm, water
    vapour) at 10 and B10 (1375 nm, cirrus) at 11, EuroSAT's has B10 at 10 and B11 (1610 nm,
    SWIR) at 11. B10 sits in a strong water-vapour absorption band, so over a clear scene it
    is by far the darkest band (a few to a few tens of DN, against hundreds to thousands for
    B09 and B11, even over water). So if position 10 is much darker than position 11 the
    stack is EuroSAT's; if 11 is much darker, it is standard. Checked on the three EuroSAT
    patches (AnnualCrop 12 vs 2715, Pasture 9 vs 1759, SeaLake 8 vs 42). Undecided (thick
    cirrus brightens B10): the standard order, which ESA's products use.
    """
    means = [band.get("mean") for band in stats[9:11]] if stats and len(stats) >= 11 else []
    if len(means) == 2 and None not in means:
        at10, at11 = float(means[0]), float(means[1])  # type: ignore[arg-type]
    else:
        at10, at11 = _band_means(path, [10, 11])
    if at10 < 0.5 * at11:
        return list(S2_EUROSAT)
    return list(S2_L1C)


def band_names(
    info: RasterInfo,
    path: str | Path,
    declared: str | None = None,
    *,
    stats: Sequence[dict[str, float | None]] | None = None,
) -> list[str]:
    """A name for every band.

    In order of precedence: ``declared`` (an upload's ``band_order``: ``l1c``, ``l2a`` or
    ``eurosat``), the file's band descriptions (a band without one is ``band<i>``),
    Sentinel-2 recognition (12 bands: L2A without B10; 13 bands: L1C in the standard order
    or EuroSAT's, see ``_l1c_order``), colour interpretation, then the band count: 3 bands
    -> ``red, green, blue``; 4 -> ``red, green, blue, alpha`` when the file marks band 4 as
    alpha (a PNG RGBA, a TIFF ExtraSamples=alpha) else ``red, green, blue, nir`` (4-band
    aerial and satellite products such as NAIP put near infrared there; a true alpha is
    always flagged as one); 1 -> ``gray``; else ``band1..bandN``. ``stats`` (from
    ``band_statistics``) saves a read when telling the two 13-band orders apart.
    """
    count = info.count
    if declared:
        try:
            names = BAND_ORDERS[declared]
        except KeyError:
            raise InvalidInput(
                f"Unknown band order {declared!r}; use one of {', '.join(BAND_ORDERS)}.",
                fields={"band_order": ["Unknown band order."]},
            ) from None
        if len(names) != count:
            raise InvalidInput(
                f"Band order {declared!r} is for {len(names)} bands; the image has {count}.",
                fields={"band_order": [f"Needs {len(names)} bands, the image has {count}."]},
            )
        return list(names)
    if any(info.descriptions):
        return [d or f"band{i}" for i, d in enumerate(info.descriptions, start=1)]
    if count == 12:
        return list(S2_L2A)
    if count == 13:
        return _l1c_order(path, stats)
    interp = info.colorinterp
    if count in (3, 4) and (info.dtype == "uint8" or interp[:3] == ["red", "green", "blue"]):
        return ["red", "green", "blue"] + (
            ["alpha" if interp[3] == ColorInterp.alpha.name else "nir"] if count == 4 else []
        )
    if count == 2 and interp[1] == ColorInterp.alpha.name:
        return ["gray", "alpha"]
    if count == 1:
        return ["gray"]
    return [f"band{i}" for i in range(1, count + 1)]


# --- statistics ------------------------------------------------------------------------------


class _Band:
    """The valid values of one band, as an exact histogram for 8- and 16-bit integers (flat
    memory whatever the size) or as the values themselves for other types (a sample of at
    most STATS_MAX_PIXELS)."""

    def __init__(self, dtype: str) -> None:
        kind = np.dtype(dtype)
        self.histogram = kind.kind in "iu" and kind.itemsize <= 2
        if self.histogram:
            self.offset = int(np.iinfo(kind).min)  # 0, -128 or -32768
            self.counts = np.zeros(1 << (8 * kind.itemsize), dtype=np.int64)
        self.parts: list[np.ndarray] = []

    def add(self, values: np.ndarray) -> None:
        if self.histogram:
            shifted = values.astype(np.int32) - self.offset if self.offset else values
            self.counts += np.bincount(shifted.ravel(), minlength=self.counts.size)
        else:
            values = values[np.isfinite(values)] if values.dtype.kind == "f" else values
            self.parts.append(values)

    def statistics(self) -> dict[str, float | None]:
        empty: dict[str, float | None] = dict.fromkeys(("min", "max", "mean", "std", "p2", "p98"))
        if not self.histogram:
            values = np.concatenate(self.parts) if self.parts else np.empty(0)
            if values.size == 0:
                return empty
            p2, p98 = np.percentile(values, [2, 98])
            low, high = float(values.min()), float(values.max())
            mean, std = values.mean(dtype=np.float64), values.std(dtype=np.float64)
            return _figures(low, high, mean, std, p2, p98)
        counts = self.counts
        present = np.flatnonzero(counts)
        if present.size == 0:
            return empty
        values = np.arange(counts.size, dtype=np.float64) + self.offset
        n = int(counts.sum())
        mean = float((counts * values).sum() / n)
        std = math.sqrt(float((counts * (values - mean) ** 2).sum() / n))
        cumulative = np.cumsum(counts)

        def percentile(q: float) -> float:
            # numpy's default ("linear"): between the sorted values at floor and ceil of
            # q/100 * (n - 1); the k-th sorted value is where the cumulative count passes k.
            position = q / 100 * (n - 1)
            below = math.floor(position)
            above = min(below + 1, n - 1)
            a, b = values[np.searchsorted(cumulative, [below, above], side="right")]
            return float(a + (b - a) * (position - below))

        low, high = values[present[0]], values[present[-1]]
        return _figures(low, high, mean, std, percentile(2), percentile(98))


def _figures(*numbers: float) -> dict[str, float | None]:
    keys = ("min", "max", "mean", "std", "p2", "p98")
    return {key: float(value) for key, value in zip(keys, numbers, strict=True)}


def band_statistics(path: str | Path, *, name: str | None = None) -> list[dict[str, float | None]]:
    """Per band ``min``, ``max``, ``mean``, ``std``, ``p2``, ``p98`` of the valid pixels.

    Nodata, masked (alpha, internal mask) and non-finite pixels are left out; a band with no
    valid pixel has every value None. Images of up to STATS_MAX_PIXELS pixels are read whole,
    so the figures are exact (percentiles as numpy's default); larger ones are read
    decimated to about that many pixels (every k-th row and column, from an overview when
    the file has one): min and max may then miss isolated extremes, while the percentiles,
    which make the default stretch, are stable under sampling. Reads go in chunks of rows
    and 8- and 16-bit integers are counted in histograms, so memory stays flat. Data that
    cannot be read raises CorruptRaster naming ``name`` (default: the file name).
    """
    with _reading(), rasterio.open(path) as src:
        width, height, count = src.width, src.height, src.count
        step = max(1, math.ceil(math.sqrt(width * height / STATS_MAX_PIXELS)))
        out_width = max(1, width // step)
        chunk_rows = max(1, _STATS_CHUNK_SAMPLES // (out_width * count))
        bands = [_Band(dtype) for dtype in src.dtypes]
        top = 0
        while top < height:
            out_rows = min(chunk_rows, max(1, (height - top) // step))
            rows = min(out_rows * step, height - top)
            try:
                data = src.read(
                    window=Window(0, top, width, rows),
                    out_shape=(count, out_rows, out_width),
                    masked=True,
                    resampling=Resampling.nearest,
                )
            except GDAL_ERRORS as exc:
                raise corrupt(name or Path(path).name, exc) from None
            for band, values in zip(bands, data, strict=True):
                band.add(values.compressed())
            top += rows
    return [band.statistics() for band in bands]


def reflectance_scale(
    dtype: str, names: Sequence[str], stats: Sequence[dict[str, float | None]]
) -> float | None:
    """``reflectance = value * scale + 0``, when it is known; None otherwise.

    Sentinel-2 digital numbers (uint16) are reflectance x 10,000 (ESA's QUANTIFICATION_VALUE;
    products of processing baseline 04.00, from 2022, also add -1000, which only their
    metadata tells: pass it on through provenance when known). Float data whose 98th
    percentiles are all at most 1.5 is reflectance already (bright cloud and snow go a
    little over 1).
    """
    if dtype == "uint16" and is_sentinel2(names):
        return 1e-4
    if dtype.startswith("float"):
        p98s = [p98 for s in stats if (p98 := s.get("p98")) is not None]
        if p98s and max(p98s) <= 1.5:
            return 1.0
    return None


# --- Cloud-Optimized GeoTIFF -----------------------------------------------------------------


def overview_resampling(info: RasterInfo, path: str | Path) -> str:
    """``nearest`` for categorical images (a colour table, or one integer band of at most 32
    distinct values such as a scene classification), whose overviews must not average
    class codes; ``average`` for everything else."""
    if info.has_colormap:
        return "nearest"
    if info.count == 1 and np.dtype(info.dtype).kind in "iu":
        with _reading(), rasterio.open(path) as src:
            scale = min(1.0, 512 / max(src.width, src.height))
            shape = (max(1, round(src.height * scale)), max(1, round(src.width * scale)))
            try:
                sample = src.read(1, out_shape=shape, masked=True)
            except GDAL_ERRORS as exc:
                raise corrupt(Path(path).name, exc) from None
        if np.unique(sample.compressed()).size <= 32:
            return "nearest"
    return "average"


#: GDAL COG driver options for every stored image. ZSTD at level 1 makes files as small as
#: DEFLATE's on imagery but decodes 2-3x faster (a cold read of a 13-band 2048 px image:
#: ~100 ms against ~200-700 ms) and writes 3x faster: tiles and band vectors read blocks cold.
#: 256 px blocks match the 256 px tiles: a cold tile decodes a quarter of what 512 px
#: blocks cost (every block holds all bands, pixel-interleaved). PREDICTOR is 2
#: (horizontal) for integers and 3 (floating point) for floats.
COG_OPTIONS = {"COMPRESS": "ZSTD", "LEVEL": "1", "BLOCKSIZE": "256", "OVERVIEWS": "AUTO"}


def cog_options(*, is_float: bool) -> dict[str, str]:
    """COG_OPTIONS with the predictor fitting the data type."""
    return {**COG_OPTIONS, "PREDICTOR": "3" if is_float else "2"}


def write_cog(
    src: str | Path,
    dst: str | Path,
    *,
    descriptions: Sequence[str] | None = None,
    resampling: str = "average",
    name: str | None = None,
) -> None:
    """Convert ``src`` to a Cloud-Optimized GeoTIFF at ``dst`` with GDAL's COG driver.

    ZSTD (see COG_OPTIONS) with the horizontal predictor (floating-point predictor for
    floats), 256 px tiles, overviews down to one tile (``resampling``: ``average`` or
    ``nearest``), BigTIFF when needed. CRS, transform, nodata, masks and colour tables are
    kept; ``descriptions`` are written as the band descriptions (through a VRT of the
    source, so no pixel is copied twice). Lossless: the full-resolution pixels equal the
    source's. Every pixel is read, so broken data raises CorruptRaster naming ``name``
    (default: the file name); a failure to write (disk full) raises RuntimeError.
    """
    name = name or Path(src).name
    with tempfile.TemporaryDirectory(prefix="labeler-cog-") as tmp:
        source = str(src)
        with _reading():
            with rasterio.open(src) as opened:
                is_float = np.dtype(opened.dtypes[0]).kind == "f"
                count = opened.count
            if descriptions is not None:
                if len(descriptions) != count:
                    raise ValueError(f"{len(descriptions)} descriptions for {count} bands")
                vrt = Path(tmp) / "source.vrt"
                rasterio.shutil.copy(src, vrt, driver="VRT")
                _describe_bands(vrt, descriptions)
                source = str(vrt)
            try:
                rasterio.shutil.copy(
                    source,
                    dst,
                    driver="COG",
                    **cog_options(is_float=is_float),
                    RESAMPLING=resampling.upper(),
                    BIGTIFF="IF_SAFER",
                    NUM_THREADS="ALL_CPUS",
                )
            except GDAL_ERRORS as exc:
                reason = _gdal_reason(exc)
                if re.search(r"writ|space left|quota", reason, re.IGNORECASE):
                    # Our side (the temporary folder), not the file's: no InvalidRaster.
                    raise RuntimeError(f"Writing the COG of {name} failed: {reason}") from exc
                raise corrupt(name, exc) from None


def _describe_bands(vrt: Path, descriptions: Sequence[str]) -> None:
    """Set each ``<VRTRasterBand>``'s ``<Description>`` in a VRT file."""
    tree = ET.parse(vrt)
    for band in tree.getroot().iter("VRTRasterBand"):
        index = int(band.get("band", "0")) - 1
        element = band.find("Description")
        if element is None:
            element = ET.Element("Description")
            band.insert(0, element)
        element.text = descriptions[index]
    tree.write(vrt)


# --- previews --------------------------------------------------------------------------------


def preview_size(width: int, height: int, max_size: int) -> tuple[int, int]:
    """(width, height) scaled so the longer side is at most ``max_size``; never enlarged."""
    scale = min(1.0, max_size / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def preview_bands(names: Sequence[str], count: int) -> list[int]:
    """1-based bands shown in a preview: B04, B03, B02 (true colour) for Sentinel-2, else
    the first three bands, or the first band (gray) with fewer than three."""
    if {"B04", "B03", "B02"} <= set(names):
        return [list(names).index(b) + 1 for b in ("B04", "B03", "B02")]
    return [1, 2, 3] if count >= 3 else [1]


def render_preview(
    cog_path: str | Path,
    max_size: int,
    *,
    names: Sequence[str],
    stats: Sequence[dict[str, float | None]],
) -> bytes:
    """A PNG of the image at most ``max_size`` px on its longer side.

    The default stretch maps each shown band's p2..p98 to 0..255; bands are chosen by
    ``preview_bands``; an image with a colour table is drawn with it instead. Nodata and
    masked pixels are transparent. Reads the COG's overviews, so it is cheap at any size.
    """
    from rio_tiler.io import ImageReader, Reader

    with _reading():
        with rasterio.open(cog_path) as src:
            georeferenced = src.crs is not None
            width, height, count = src.width, src.height, src.count
            colormap = src.colormap(1) if count == 1 and _has_colormap(src) else None
        out_width, out_height = preview_size(width, height, max_size)
        reader_class = Reader if georeferenced else ImageReader
        indexes = preview_bands(names, count)
        with reader_class(str(cog_path)) as reader:
            image = reader.preview(
                indexes=indexes, width=out_width, height=out_height, max_size=None
            )
    # zlib level 3, not GDAL's 6: four times faster on imagery, files ~10% larger.
    if colormap is not None:
        return image.render(img_format="PNG", colormap=colormap, ZLEVEL=3)
    ranges = []
    for index in indexes:
        band = stats[index - 1] if index - 1 < len(stats) else {}
        low, high = band.get("p2"), band.get("p98")
        if low is None or high is None:
            low, high = 0.0, 1.0
        if high <= low:  # a flat band: keep it from dividing by zero
            high = low + 1.0
        ranges.append((low, high))
    stretched = image.rescale(in_range=ranges, out_range=((0, 255),))
    return stretched.render(img_format="PNG", ZLEVEL=3)


def _has_colormap(src: Any) -> bool:
    try:
        return bool(src.colormap(1))
    except ValueError:
        return False
