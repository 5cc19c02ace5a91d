"""Map tiles, editor tiles and pixel band vectors read from an image's COG (DESIGN.md §5).

Plain functions, no request objects: the API validates the query into a ``TileRequest``,
``resolve`` turns it into a ``RenderPlan`` against the image's bands (names, stats), and
``render_tile`` reads and encodes one tile. ``band_vectors`` reads full band vectors at points.

Two tile spaces:
  - ``mercator``: XYZ tiles of rio-tiler's WebMercatorQuad (EPSG:3857), for the map. Only for
    georeferenced images.
  - ``image``: rio-tiler's ``ImageReader`` tile matrix in pixel space, for the editor (Leaflet
    CRS.Simple). Zoom ``maxzoom`` (``image_maxzoom``) is full resolution: one tile pixel is one
    image pixel; each zoom below halves the resolution. ``maxzoom`` is the smallest n with
    ``min(width, height) // 2**n <= 256`` (rasterio's ``get_maximum_overview_level``). Tile
    (x, y) at zoom z covers image columns ``x*256*s .. (x+1)*256*s`` and rows
    ``y*256*s .. (y+1)*256*s`` with ``s = 2**(maxzoom - z)``. Zooms up to ``maxzoom +
    OVERZOOM`` are served (pixels enlarged, nearest neighbour).
``tilesize=512`` renders the same tile grid at twice the pixel density (high-DPI screens).

Reading: datasets stay open per thread (``_datasets``, a small LRU keyed by path, checksum
and use), so GDAL's block cache keeps decoded blocks between requests. Mercator tiles read
only the bands they show, from the overview closest to the tile's resolution, and warp them
with ``rasterio.warp.reproject``; rio-tiler's ``Reader`` gives the tile matrix and the
outside-bounds test. (rio-tiler's own ``Reader.tile`` warps through a WarpedVRT holding every
band of the file: on a 13-band COG that was 9-55 ms a tile against 3-5 ms here.)
Pixel vectors read whole internal blocks, all bands, into ``_BlockCache``, a process-wide LRU
of decoded blocks bounded by ``LABELER_PIXEL_CACHE_MB``, through a dataset handle of their own
that decodes neighbouring blocks on GDAL's threads and keeps them out of GDAL's block cache
(``_open``).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import math
import struct
import threading
import warnings
import zlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import morecantile
import numpy as np
import rasterio
from affine import Affine
from django.conf import settings
from PIL import Image as PILImage
from pyproj import Transformer
from rasterio.enums import MaskFlags, Resampling
from rasterio.errors import NotGeoreferencedWarning, RasterioIOError
from rasterio.transform import from_bounds as transform_from_bounds
from rasterio.warp import reproject, transform_bounds
from rasterio.windows import Window
from rasterio.windows import from_bounds as window_from_bounds
from rio_tiler.colormap import apply_cmap
from rio_tiler.colormap import cmap as colormaps
from rio_tiler.errors import TileOutsideBounds
from rio_tiler.io import ImageReader, Reader
from rio_tiler.models import ImageData

from events.errors import InvalidInput, NotFound
from events.models import Image
from workers.collector import gc_paused
from workers.storage import raster_env, raster_path

Space = Literal["mercator", "image"]
Format = Literal["png", "webp"]

TMS = morecantile.tms.get("WebMercatorQuad")
MERCATOR_MAX_ZOOM = 24
OVERZOOM = 4  # image-space zooms served past full resolution
TILE_SIZES = (256, 512)
MEDIA_TYPES = {"png": "image/png", "webp": "image/webp"}

# Sentinel-2 band roles; each lists the names that can fill it, best first (case-insensitive).
ROLES: dict[str, tuple[str, ...]] = {
    "blue": ("B02", "blue", "b"),
    "green": ("B03", "green", "g"),
    "red": ("B04", "red", "r"),
    "nir": ("B08", "nir", "B8A"),
    "nir08": ("B8A", "B08", "nir"),  # narrow NIR
    "swir16": ("B11", "swir16", "swir1"),
    "swir22": ("B12", "swir22", "swir2"),
}
# Composites (R, G, B) by role. Sentinel-2 names: truecolor B04,B03,B02; falsecolor (colour
# infrared) B08,B04,B03; swir B12,B8A,B04; snow B11,B04,B03, the SWIR/red/green composite of
# CNES/CESBIO's Let-It-Snow snow products (snow shows cyan-blue, cloud white-pink).
PRESETS: dict[str, tuple[str, str, str]] = {
    "truecolor": ("red", "green", "blue"),
    "falsecolor": ("nir", "red", "green"),
    "swir": ("swir22", "nir08", "red"),
    "snow": ("swir16", "red", "green"),
}
# Normalized differences (a - b) / (a + b) by role, with their default colormaps:
# NDVI (Rouse 1974) NIR/red; NDSI (Hall 1995) green/SWIR1; NDWI (McFeeters 1996) green/NIR;
# NBR (Key & Benson 2006) NIR/SWIR2.
INDICES: dict[str, tuple[str, str]] = {
    "ndvi": ("nir", "red"),
    "ndsi": ("green", "swir16"),
    "ndwi": ("green", "nir"),
    "nbr": ("nir", "swir22"),
}
INDEX_COLORMAPS = {"ndvi": "rdylgn", "ndsi": "blues", "ndwi": "rdbu", "nbr": "rdylgn"}
INDEX_EXPRESSION = "(b1-b2)/(b1+b2)"  # over the two bands read, in INDICES order
GAMMA_RANGE = (0.1, 5.0)
BRIGHTNESS_RANGE = (-1.0, 1.0)


# --- errors ---------------------------------------------------------------------------


class TileNotFound(NotFound):
    """No tile there: outside the image, past the zoom range, or no raster to read."""


class TileParameterError(InvalidInput):
    """A tile or pixel parameter the image cannot satisfy; ``fields`` names it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}", fields={field_name: [message]})


# --- what is read --------------------------------------------------------------------


# The Image fields a StoredRaster is made of.
IMAGE_FIELDS = (
    "pk",
    "status",
    "file",
    "checksum",
    "width",
    "height",
    "band_count",
    "dtype",
    "band_names",
    "nodata",
    "crs",
    "transform",
    "stats",
    "reflectance_scale",
    "reflectance_offset",
)


@dataclass(frozen=True)
class StoredRaster:
    """A stored image's COG and the metadata tiles and band vectors need (no ORM object
    past this point). Not to be confused with workers.rasters.RasterInfo: what a file
    *declares* when it is ingested."""

    file: str
    checksum: str
    width: int
    height: int
    count: int
    dtype: str
    band_names: tuple[str, ...] = ()
    nodata: float | None = None
    crs: str = ""
    transform: tuple[float, ...] | None = None
    stats: tuple[dict[str, Any], ...] = ()
    reflectance_scale: float | None = None
    reflectance_offset: float = 0.0

    @classmethod
    def from_image(cls, image: Image) -> StoredRaster:
        values = {name: getattr(image, name) for name in IMAGE_FIELDS}
        values["file"] = image.file.name if image.file else ""
        return cls.from_values(values)

    @classmethod
    def from_values(cls, image: dict[str, Any]) -> StoredRaster:
        """From an Image's ``IMAGE_FIELDS`` as ``QuerySet.values()`` gives them (one cheap
        query, no model instance: the tile views' path)."""
        if not image["file"]:
            raise TileNotFound(
                f"Image {image['pk']} has no raster file yet (status {image['status']})."
            )
        return cls(
            file=image["file"],
            checksum=image["checksum"] or "",
            width=image["width"],
            height=image["height"],
            count=image["band_count"],
            dtype=image["dtype"],
            band_names=tuple(image["band_names"] or ()),
            nodata=image["nodata"],
            crs=image["crs"] or "",
            transform=tuple(image["transform"]) if image["transform"] else None,
            stats=tuple(image["stats"] or ()),
            reflectance_scale=image["reflectance_scale"],
            reflectance_offset=image["reflectance_offset"] or 0.0,
        )

    @property
    def georeferenced(self) -> bool:
        return bool(self.crs) and self.transform is not None


@dataclass(frozen=True)
class TileRequest:
    """Validated tile parameters. At most one of ``bands``, ``preset``, ``index``.

    ``bands``: band names (as in the image's ``band_names``) or 1-based indexes, 1 or 3.
    ``rescale``: (min, max) native values mapped to 0..255, one pair for all bands or one per
    band; default the image's p2/p98 per band (-1..1 for an index). ``gamma`` g maps a
    rescaled value v in 0..1 to v ** (1/g) (g > 1 brightens the mid-tones); ``brightness`` b
    is then added (-1..1, 0 unchanged) and the result clipped to 0..1. ``colormap`` names a
    rio-tiler colormap, for one-band output (a single band or an index).
    """

    bands: tuple[str, ...] = ()
    preset: str | None = None
    index: str | None = None
    colormap: str | None = None
    rescale: tuple[tuple[float, float], ...] = ()
    gamma: float = 1.0
    brightness: float = 0.0
    tilesize: int = 256

    def __post_init__(self) -> None:
        chosen = [name for name in ("bands", "preset", "index") if getattr(self, name)]
        if len(chosen) > 1:
            raise TileParameterError(chosen[1], f"Give only one of bands, preset, index: {chosen}.")
        if self.bands and len(self.bands) not in (1, 3):
            raise TileParameterError("bands", "Give 1 or 3 bands.")
        if self.preset is not None and self.preset not in PRESETS:
            raise TileParameterError("preset", f"Unknown preset; one of {sorted(PRESETS)}.")
        if self.index is not None and self.index not in INDICES:
            raise TileParameterError("index", f"Unknown index; one of {sorted(INDICES)}.")
        if self.colormap is not None:
            if self.colormap not in colormaps.list():
                raise TileParameterError(
                    "colormap", f"Unknown colormap {self.colormap!r} (rio-tiler's names)."
                )
            if self.preset or len(self.bands) == 3:
                raise TileParameterError("colormap", "A colormap needs one band or an index.")
        for low, high in self.rescale:
            if not (math.isfinite(low) and math.isfinite(high) and low < high):
                raise TileParameterError("rescale", "Each range must be min,max with min < max.")
        if not GAMMA_RANGE[0] <= self.gamma <= GAMMA_RANGE[1]:
            raise TileParameterError("gamma", f"Must be within {GAMMA_RANGE[0]}..{GAMMA_RANGE[1]}.")
        if not BRIGHTNESS_RANGE[0] <= self.brightness <= BRIGHTNESS_RANGE[1]:
            raise TileParameterError(
                "brightness", f"Must be within {BRIGHTNESS_RANGE[0]}..{BRIGHTNESS_RANGE[1]}."
            )
        if self.tilesize not in TILE_SIZES:
            raise TileParameterError("tilesize", f"One of {list(TILE_SIZES)}.")


@dataclass(frozen=True)
class RenderPlan:
    """A TileRequest resolved against one image: exactly what is read and how it is drawn."""

    indexes: tuple[int, ...]  # 1-based bands read
    expression: str | None  # rio-tiler expression over b1..bn of the bands read (ours only)
    in_range: tuple[tuple[float, float], ...]  # one per output band
    colormap: str | None
    gamma: float
    brightness: float
    tilesize: int
    band_names: tuple[str, ...] = field(default=())

    def key(self) -> str:
        """A stable text of everything that changes the pixels (for ETags)."""
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))


def _band_index(info: StoredRaster, name: str) -> int | None:
    lowered = [band.lower() for band in info.band_names]
    if name.lower() in lowered:
        return lowered.index(name.lower()) + 1
    if name.isdigit() and 1 <= int(name) <= info.count:
        return int(name)
    return None


def _role_names(info: StoredRaster) -> tuple[str, ...]:
    if info.band_names:
        return info.band_names
    if info.count in (3, 4):  # an unnamed RGB(A) image: the usual order
        return ("red", "green", "blue", "alpha")[: info.count]
    return ()


def _role_index(info: StoredRaster, role: str) -> int | None:
    names = [band.lower() for band in _role_names(info)]
    for candidate in ROLES[role]:
        if candidate.lower() in names:
            return names.index(candidate.lower()) + 1
    return None


def _roles(info: StoredRaster, roles: Sequence[str], field_name: str, what: str) -> tuple[int, ...]:
    found = {role: _role_index(info, role) for role in roles}
    missing = [role for role, index in found.items() if index is None]
    if missing:
        wanted = ", ".join(f"{role} ({'/'.join(ROLES[role])})" for role in missing)
        have = ", ".join(info.band_names) or f"{info.count} unnamed bands"
        raise TileParameterError(
            field_name, f"{what} needs bands this image does not have: {wanted}; it has {have}."
        )
    return tuple(index for index in found.values() if index is not None)


def _stats_range(info: StoredRaster, index: int) -> tuple[float, float] | None:
    if index - 1 < len(info.stats):
        band = info.stats[index - 1] or {}
        low, high = band.get("p2"), band.get("p98")
        if low is not None and high is not None:
            low, high = float(low), float(high)
            return (low, high) if high > low else (low, low + 1)
    if info.dtype == "uint8":
        return (0.0, 255.0)
    return None


def resolve(info: StoredRaster, request: TileRequest) -> RenderPlan:
    """The plan for ``request`` on this image; TileParameterError naming what cannot be done."""
    expression = None
    colormap = request.colormap
    if request.index:
        indexes = _roles(info, INDICES[request.index], "index", request.index.upper())
        expression = INDEX_EXPRESSION
        colormap = colormap or INDEX_COLORMAPS[request.index]
    elif request.preset:
        indexes = _roles(info, PRESETS[request.preset], "preset", f"Preset {request.preset!r}")
    elif request.bands:
        resolved = [(name, _band_index(info, name)) for name in request.bands]
        unknown = [name for name, index in resolved if index is None]
        if unknown:
            have = ", ".join(info.band_names) or f"indexes 1..{info.count}"
            raise TileParameterError(
                "bands", f"Unknown band(s) {', '.join(unknown)}; this image has {have}."
            )
        indexes = tuple(index for _, index in resolved if index is not None)
    else:  # true colour when the bands are there, else the first three (or the only) bands
        try:
            indexes = _roles(info, PRESETS["truecolor"], "bands", "true colour")
        except TileParameterError:
            indexes = (1, 2, 3) if info.count >= 3 else (1,)
    outputs = 1 if expression else len(indexes)
    if colormap and outputs != 1:
        raise TileParameterError("colormap", "A colormap needs one band or an index.")
    if request.rescale:
        if len(request.rescale) not in (1, outputs):
            raise TileParameterError(
                "rescale", f"Give one min,max pair or {outputs} (one per band shown)."
            )
        in_range = tuple(request.rescale) * (outputs if len(request.rescale) == 1 else 1)
    elif expression:
        in_range = ((-1.0, 1.0),)
    else:
        ranges = [_stats_range(info, index) for index in indexes]
        if any(r is None for r in ranges):
            fallback = _fallback_ranges(info, indexes)
            ranges = [r or fallback[i] for i, r in enumerate(ranges)]
        in_range = tuple(r for r in ranges if r is not None)
    return RenderPlan(
        indexes=indexes,
        expression=expression,
        in_range=in_range,
        colormap=colormap,
        gamma=request.gamma,
        brightness=request.brightness,
        tilesize=request.tilesize,
        band_names=tuple(
            info.band_names[i - 1] if i - 1 < len(info.band_names) else str(i) for i in indexes
        ),
    )


# --- open datasets --------------------------------------------------------------------

_local = threading.local()
DATASETS_PER_THREAD = 16


def _dataset(info: StoredRaster, *, pixels: bool = False) -> rasterio.io.DatasetReader:
    """An open dataset for the image's file, reused by this thread (call in raster_env).

    ``pixels``: a handle of its own for band vectors (see ``_open``)."""
    cache: OrderedDict[tuple[str, str, bool], rasterio.io.DatasetReader] | None = getattr(
        _local, "datasets", None
    )
    if cache is None:
        cache = _local.datasets = OrderedDict()
    path = raster_path(info.file)
    key = (path, info.checksum, pixels)
    dataset = cache.get(key)
    if dataset is not None and not dataset.closed:
        cache.move_to_end(key)
        return dataset
    try:
        with warnings.catch_warnings():  # pixel-space images have no georeference, rightly
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            dataset = _open(path, pixels=pixels)
    except RasterioIOError as exc:
        raise TileNotFound(f"The image's raster file cannot be read: {exc}") from None
    cache[key] = dataset
    while len(cache) > DATASETS_PER_THREAD:
        _, old = cache.popitem(last=False)
        old.close()
    return dataset


def _open(path: str, *, pixels: bool = False) -> rasterio.io.DatasetReader:
    """Open ``path``; for ``pixels``, so that a read of several blocks decodes them on GDAL's
    own threads (``LABELER_RASTER_THREADS``) straight into the caller's array, past GDAL's
    block cache: BLOCKS keeps them. GDAL reads both settings when the file is opened; it skips
    its cache then only with GTIFF_DIRECT_IO (frmts/gtiff, ``MultiThreadedRead``). Through the
    cache a cold 13-band 2048 px image took ~180 ms of CPU to decode on one thread, one block
    at a time; this way ~110 ms, over two threads, and half the memory touched.
    """
    if not pixels:
        return rasterio.open(path)
    threads = max(1, int(getattr(settings, "LABELER_RASTER_THREADS", 2)))
    with rasterio.Env(GTIFF_DIRECT_IO="YES"):
        return rasterio.open(path, num_threads=threads)


def close_datasets() -> None:
    """Close this thread's open datasets (tests; a file replaced under the same checksum)."""
    cache = getattr(_local, "datasets", None) or {}
    for dataset in cache.values():
        dataset.close()
    cache.clear()


_fallback_lock = threading.Lock()
_fallback: dict[tuple[str, str, int], tuple[float, float]] = {}


def _fallback_ranges(info: StoredRaster, indexes: Sequence[int]) -> list[tuple[float, float]]:
    """p2/p98 per band from the smallest overview, for images without stored stats."""
    out = []
    with raster_env():
        dataset = _dataset(info)
        for index in indexes:
            key = (info.file, info.checksum, index)
            if key not in _fallback:
                factor = max(dataset.overviews(index) or [1])
                shape = (max(1, dataset.height // factor), max(1, dataset.width // factor))
                data = dataset.read(index, out_shape=shape, masked=True).astype("float64")
                values = data.compressed()
                values = values[np.isfinite(values)]
                low, high = (
                    (float(np.percentile(values, 2)), float(np.percentile(values, 98)))
                    if values.size
                    else (0.0, 1.0)
                )
                with _fallback_lock:
                    _fallback[key] = (low, high) if high > low else (low, low + 1)
            out.append(_fallback[key])
    return out


# --- tiles ----------------------------------------------------------------------------


def image_maxzoom(width: int, height: int) -> int:
    """The image-space zoom at full resolution (rio-tiler's ImageReader convention)."""
    level, factor = 0, 1
    while min(width // factor, height // factor) > 256:
        factor *= 2
        level += 1
    return level


def render_tile(
    info: StoredRaster,
    z: int,
    x: int,
    y: int,
    plan: RenderPlan,
    *,
    space: Space = "mercator",
    fmt: Format = "png",
) -> bytes:
    """One encoded tile. Raises TileNotFound outside the image or the zoom range."""
    with raster_env():
        dataset = _dataset(info)
        if space == "image":
            image = _image_tile(dataset, info, z, x, y, plan)
        else:
            image = _mercator_tile(dataset, info, z, x, y, plan)
    return _draw(image, plan, fmt)


def _image_tile(
    dataset: Any, info: StoredRaster, z: int, x: int, y: int, plan: RenderPlan
) -> ImageData:
    reader = ImageReader(None, dataset=dataset)
    if z > reader.maxzoom + OVERZOOM:
        raise TileNotFound(
            f"Zoom {z} is past this image's range 0..{reader.maxzoom + OVERZOOM} "
            f"(full resolution at {reader.maxzoom})."
        )
    try:
        return reader.tile(x, y, z, tilesize=plan.tilesize, indexes=plan.indexes)
    except TileOutsideBounds:
        raise TileNotFound(f"Tile {z}/{x}/{y} is outside the image.") from None


def _mercator_tile(
    dataset: Any, info: StoredRaster, z: int, x: int, y: int, plan: RenderPlan
) -> ImageData:
    if not info.georeferenced or dataset.crs is None:
        raise TileNotFound(
            "This image is not georeferenced: it has no map tiles; use its image-tiles."
        )
    if z > MERCATOR_MAX_ZOOM or not (0 <= x < 2**z and 0 <= y < 2**z):
        raise TileNotFound(f"Tile {z}/{x}/{y} is not in the WebMercatorQuad tile matrix.")
    reader = Reader(None, dataset=dataset, tms=TMS)
    if not reader.tile_exists(x, y, z):
        raise TileNotFound(f"Tile {z}/{x}/{y} is outside the image.")
    size = plan.tilesize
    bounds = TMS.xy_bounds(morecantile.Tile(x, y, z))
    data, valid = _warp(dataset, tuple(bounds), size, plan.indexes)
    # A tile inside the image's bounds that holds only nodata (the frame around a tilted
    # scene) is a transparent tile, not a 404: map clients log 404s as errors.
    array = np.ma.MaskedArray(data, mask=np.broadcast_to(~valid, data.shape))
    return ImageData(array, bounds=tuple(bounds), crs=TMS.rasterio_crs)


def _warp(
    dataset: Any, bounds: tuple[float, ...], size: int, indexes: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """The bands ``indexes`` warped to a ``size`` x ``size`` EPSG:3857 grid over ``bounds``.

    Reads only the source window under the tile, from the overview whose resolution is the
    coarsest still at least as fine as the tile's (what GDAL's warper does), nearest
    neighbour. Returns the data and a validity mask (inside the image and not nodata).
    """
    src_bounds = transform_bounds(TMS.rasterio_crs, dataset.crs, *bounds, densify_pts=21)
    window = window_from_bounds(*src_bounds, transform=dataset.transform)
    col0 = max(0, math.floor(window.col_off) - 1)
    row0 = max(0, math.floor(window.row_off) - 1)
    col1 = min(dataset.width, math.ceil(window.col_off + window.width) + 1)
    row1 = min(dataset.height, math.ceil(window.row_off + window.height) + 1)
    dtype = dataset.dtypes[indexes[0] - 1]
    out = np.zeros((len(indexes), size, size), dtype=dtype)
    if col1 <= col0 or row1 <= row0:
        return out, np.zeros((size, size), dtype=bool)
    read_window = Window(col0, row0, col1 - col0, row1 - row0)
    tile_pixel = max(window.width, window.height) / size  # source pixels per tile pixel
    factors = [1, *dataset.overviews(indexes[0])]
    factor = max(f for f in factors if f <= max(1.0, tile_pixel))
    shape = (
        max(1, round(read_window.height / factor)),
        max(1, round(read_window.width / factor)),
    )
    source = dataset.read(indexes, window=read_window, out_shape=(len(indexes), *shape))
    valid = np.full(shape, 255, dtype=np.uint8)
    nodata = dataset.nodata
    if nodata is not None:
        bad = np.isnan(source) if np.isnan(nodata) else source == nodata
        valid[bad.all(axis=0)] = 0  # like rio-tiler: transparent where every band is nodata
    elif MaskFlags.per_dataset in dataset.mask_flag_enums[0]:
        valid &= dataset.read_masks(1, window=read_window, out_shape=shape)
    if np.issubdtype(source.dtype, np.floating):
        valid[~np.isfinite(source).all(axis=0)] = 0
    source_transform = dataset.window_transform(read_window) @ Affine.scale(
        read_window.width / shape[1], read_window.height / shape[0]
    )
    destination = transform_from_bounds(*bounds, size, size)
    common = {
        "src_transform": source_transform,
        "src_crs": dataset.crs,
        "dst_transform": destination,
        "dst_crs": TMS.rasterio_crs,
        "resampling": Resampling.nearest,
    }
    if np.issubdtype(source.dtype, np.integer) and np.iinfo(source.dtype).max >= 255:
        # One warp for data and validity together (the mask rides as one more band).
        stacked = np.concatenate([source, valid[np.newaxis].astype(source.dtype)])
        warped = np.zeros((len(indexes) + 1, size, size), dtype=source.dtype)
        reproject(stacked, warped, **common)
        return warped[:-1], warped[-1] > 0
    reproject(source, out, **common)
    alpha = np.zeros((size, size), dtype=np.uint8)
    reproject(valid, alpha, **common)
    return out, alpha > 0


def _draw(image: ImageData, plan: RenderPlan, fmt: Format) -> bytes:
    if plan.expression:
        image.array = np.ma.MaskedArray(image.array, dtype="float32")
        image.band_names = [f"b{i}" for i in range(1, image.count + 1)]  # bands read, in order
        image = image.apply_expression(plan.expression)
    mask = np.ma.getmaskarray(image.array).copy()
    image.rescale(in_range=plan.in_range)
    if plan.gamma != 1.0 or plan.brightness != 0.0:
        image.array = np.ma.MaskedArray(_lut(plan.gamma, plan.brightness)[image.array.data])
    image.array.mask = mask
    colormap = colormaps.get(plan.colormap) if plan.colormap else None
    data, alpha = _bands_and_alpha(image, colormap)
    if fmt == "webp":
        return _webp(data, alpha)
    return _png(data, alpha)


def _bands_and_alpha(image: ImageData, colormap: Any) -> tuple[np.ndarray, np.ndarray]:
    """uint8 (bands, h, w) and alpha (h, w), as rio-tiler's ``render`` would write them."""
    data = np.asarray(image.array.data, dtype="uint8")
    alpha = np.asarray(image.mask, dtype="uint8")
    if colormap is not None:
        data, cmap_alpha = apply_cmap(data, colormap)
        alpha = np.minimum(alpha, cmap_alpha).astype("uint8")
    return data, alpha


def _png_chunk(tag: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(payload, zlib.crc32(tag)) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + tag + payload + struct.pack(">I", crc)


def _png(data: np.ndarray, alpha: np.ndarray) -> bytes:
    """An 8-bit PNG of the bands plus alpha: grey+alpha for one band, RGBA for three.

    Written here rather than by GDAL's PNG driver (rio-tiler's ``render``): every row gets
    PNG's "Up" filter, computed in one numpy subtraction, and zlib compresses with level 1
    and run-length matching. On a 256 px tile of noisy 13-band imagery that is ~2 ms and
    ~10% fewer bytes, against ~10 ms for GDAL at ZLEVEL=1 (libpng's adaptive filters are
    most of its time). Lossless: the same pixels as before.
    """
    bands, height, width = data.shape
    channels = bands + 1
    pixels = np.empty((height, width, channels), dtype="uint8")
    pixels[..., :bands] = np.moveaxis(data, 0, -1)
    pixels[..., bands] = alpha
    rows = pixels.reshape(height, width * channels)
    raw = np.empty((height, width * channels + 1), dtype="uint8")
    raw[:, 0] = 2  # filter type Up: each byte minus the byte above (modulo 256)
    raw[0, 0] = 0  # the first row has nothing above: no filter
    raw[0, 1:] = rows[0]
    np.subtract(rows[1:], rows[:-1], out=raw[1:, 1:])
    compressor = zlib.compressobj(1, zlib.DEFLATED, 15, 9, zlib.Z_RLE)
    compressed = compressor.compress(raw.data) + compressor.flush()
    colour_type = 4 if bands == 1 else 6  # grey + alpha, or RGBA
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", header),
            _png_chunk(b"IDAT", compressed),
            _png_chunk(b"IEND", b""),
        )
    )


def _webp(data: np.ndarray, alpha: np.ndarray) -> bytes:
    """Lossless WebP through Pillow at its fastest method.

    Exact pixels (labellers see the data, not compression artefacts), and about 2 ms for a
    256 px RGBA tile where GDAL's lossless WebP takes ~70 ms: the smaller of the two
    formats, for the map and the editor.
    """
    if data.shape[0] == 1:
        data = np.repeat(data, 3, axis=0)
    rgba = np.ascontiguousarray(np.dstack([data[0], data[1], data[2], alpha]))
    buffer = io.BytesIO()
    PILImage.fromarray(rgba, mode="RGBA").save(buffer, "WEBP", lossless=True, method=0, exact=True)
    return buffer.getvalue()


@functools.lru_cache(maxsize=64)
def _lut(gamma: float, brightness: float) -> np.ndarray:
    values = np.arange(256, dtype="float64") / 255.0
    values = np.clip(values ** (1.0 / gamma) + brightness, 0.0, 1.0)
    return np.round(values * 255.0).astype("uint8")


def tile_etag(info: StoredRaster, *parts: object) -> str | None:
    """A strong ETag from the file checksum and what else shapes the response."""
    if not info.checksum:
        return None
    text = json.dumps([info.checksum, *[str(part) for part in parts]], separators=(",", ":"))
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:40] + '"'


def tile_range(info: StoredRaster, *, space: Space) -> dict[str, Any]:
    """bounds, minzoom, maxzoom and center for TileJSON.

    Mercator: bounds in lon/lat (rio-tiler's geographic bounds and zoom range). Image space:
    bounds are pixel coordinates [0, height, width, 0] (left, bottom, right, top; y down).
    """
    with raster_env():
        dataset = _dataset(info)
        if space == "image":
            maxzoom = image_maxzoom(dataset.width, dataset.height)
            bounds = [0.0, float(dataset.height), float(dataset.width), 0.0]
            center = [dataset.width / 2, dataset.height / 2, 0]
            return {"bounds": bounds, "minzoom": 0, "maxzoom": maxzoom, "center": center}
        if not info.georeferenced or dataset.crs is None:
            raise TileNotFound(
                "This image is not georeferenced: it has no map tiles; use its image-tiles."
            )
        reader = Reader(None, dataset=dataset, tms=TMS)
        west, south, east, north = reader.get_geographic_bounds(TMS.rasterio_geographic_crs)
        minzoom, maxzoom = int(reader.minzoom), int(reader.maxzoom)
    return {
        "bounds": [west, south, east, north],
        "minzoom": minzoom,
        "maxzoom": maxzoom,
        "center": [(west + east) / 2, (south + north) / 2, minzoom],
    }


# --- pixel values ---------------------------------------------------------------------


class _BlockCache:
    """Decoded internal blocks (all bands) of image files, least recently used out first.

    Bounded in bytes (``LABELER_PIXEL_CACHE_MB``, per process); keyed by path, checksum and
    block, so a replaced file (new checksum) never serves stale values.
    """

    def __init__(self) -> None:
        self._blocks: OrderedDict[tuple[Any, ...], np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> np.ndarray | None:
        with self._lock:
            block = self._blocks.get(key)
            if block is not None:
                self._blocks.move_to_end(key)
            return block

    def put(self, key: tuple[Any, ...], block: np.ndarray) -> None:
        limit = int(getattr(settings, "LABELER_PIXEL_CACHE_MB", 256)) * 1024 * 1024
        with self._lock:
            if key in self._blocks or block.nbytes > limit:
                return
            self._blocks[key] = block
            self._bytes += block.nbytes
            while self._bytes > limit:
                _, old = self._blocks.popitem(last=False)
                self._bytes -= old.nbytes

    def clear(self) -> None:
        with self._lock:
            self._blocks.clear()
            self._bytes = 0


BLOCKS = _BlockCache()
RUN_BLOCKS = 8  # neighbouring blocks decoded by one read; more only holds more memory at once


def _read_blocks(
    dataset: rasterio.io.DatasetReader, blocks: Sequence[tuple[int, int]]
) -> dict[tuple[int, int], np.ndarray]:
    """The (block row, block col) ``blocks`` of ``dataset`` (opened by ``_open(pixels=True)``),
    each as a (rows, cols, bands) array.

    Runs of up to RUN_BLOCKS neighbours in a block row are one read, which GDAL decodes on its
    threads; pixel-interleaved, as the file is (GDAL copies pixels whole, and a point's vector
    is then one contiguous row). A run's blocks are views of one array.
    """
    height, width = dataset.block_shapes[0]
    runs: list[list[tuple[int, int]]] = []
    for block in sorted(blocks):
        run = runs[-1] if runs else None
        if run and run[-1] == (block[0], block[1] - 1) and len(run) < RUN_BLOCKS:
            run.append(block)
        else:
            runs.append([block])
    out = {}
    for run in runs:
        (block_row, first), last = run[0], run[-1][1]
        top, left = block_row * height, first * width
        window = Window(
            left,
            top,
            min((last + 1) * width, dataset.width) - left,
            min(height, dataset.height - top),
        )
        data = np.empty((window.height, window.width, dataset.count), dtype=dataset.dtypes[0])
        dataset.read(window=window, out=data.transpose(2, 0, 1))
        for block_col in range(first, last + 1):
            start = (block_col - first) * width
            out[(block_row, block_col)] = data[:, start : start + width]
    return out


@functools.lru_cache(maxsize=32)
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def band_vectors(
    info: StoredRaster,
    points: Sequence[Sequence[float]] | np.ndarray,
    *,
    crs: Literal["pixel", "lonlat"] = "pixel",
) -> list[dict[str, Any]]:
    """The full band vector at each point, in order.

    ``points`` are (x, y): pixel coordinates (x right, y down, origin at the top-left corner
    of the top-left pixel) or (lon, lat) in EPSG:4326. Each result has ``row``, ``col``,
    ``lon``/``lat`` of the pixel's centre (georeferenced images), ``values`` (native, one per
    band), ``reflectance`` (value * scale + offset, None when the scale is unknown or the
    pixel is nodata) and ``nodata`` (every band holds the nodata value). A point outside the
    image raises TileParameterError naming its index.
    """
    xy = np.asarray(points, dtype="float64").reshape(-1, 2)
    if not np.isfinite(xy).all():
        bad = int(np.flatnonzero(~np.isfinite(xy).all(axis=1))[0])
        raise TileParameterError("points", f"Point {bad} is not a pair of finite numbers.")
    if crs == "lonlat":
        if not info.georeferenced:
            raise TileParameterError("crs", "This image is not georeferenced: use crs=pixel.")
        east, north = _transformer("EPSG:4326", info.crs).transform(xy[:, 0], xy[:, 1])
        inverse = ~Affine(*info.transform[:6])  # type: ignore[index]
        cols_f, rows_f = inverse @ (np.asarray(east), np.asarray(north))  # type: ignore[operator]
    else:
        cols_f, rows_f = xy[:, 0], xy[:, 1]
    cols_f, rows_f = np.asarray(cols_f, dtype="float64"), np.asarray(rows_f, dtype="float64")
    outside = ~(
        np.isfinite(cols_f)
        & np.isfinite(rows_f)
        & (cols_f >= 0)
        & (cols_f < info.width)
        & (rows_f >= 0)
        & (rows_f < info.height)
    )
    if outside.any():
        bad = int(np.flatnonzero(outside)[0])
        raise TileParameterError(
            "points",
            f"Point {bad} ({xy[bad, 0]:g}, {xy[bad, 1]:g}) is outside the image "
            f"({info.width} x {info.height} px).",
        )
    rows = np.floor(rows_f).astype("int64")
    cols = np.floor(cols_f).astype("int64")
    with gc_paused():  # decoding allocates too: a big heap's collections cost 100s of ms
        values = _values_at(info, rows, cols)
        return _vector_rows(info, rows, cols, values)


def _values_at(info: StoredRaster, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    with raster_env():
        dataset = _dataset(info, pixels=True)
        block_height, block_width = dataset.block_shapes[0]
        dtype, count = dataset.dtypes[0], dataset.count
    out = np.empty((len(rows), count), dtype=dtype)
    block_rows, block_cols = rows // block_height, cols // block_width
    keys = block_rows * (info.width // block_width + 2) + block_cols
    order = np.argsort(keys, kind="stable")
    starts = np.flatnonzero(np.diff(keys[order])) + 1
    groups = np.split(order, starts) if len(order) else []
    blocks: dict[tuple[int, int], np.ndarray] = {}
    missing = []
    for group in groups:
        block = (int(block_rows[group[0]]), int(block_cols[group[0]]))
        cached = BLOCKS.get((info.file, info.checksum, *block))
        if cached is None:
            missing.append(block)
        else:
            blocks[block] = cached
    if missing:
        with raster_env():
            decoded = _read_blocks(_dataset(info, pixels=True), missing)
        for block, data in decoded.items():
            BLOCKS.put((info.file, info.checksum, *block), data)
            blocks[block] = data
    for group in groups:
        block_row, block_col = int(block_rows[group[0]]), int(block_cols[group[0]])
        data = blocks[(block_row, block_col)]
        local_rows = rows[group] - block_row * block_height
        local_cols = cols[group] - block_col * block_width
        out[group] = data[local_rows, local_cols]
    return out


def _vector_rows(
    info: StoredRaster, rows: np.ndarray, cols: np.ndarray, values: np.ndarray
) -> list[dict[str, Any]]:
    if info.nodata is None:
        nodata = np.zeros(len(rows), dtype=bool)
    elif math.isnan(info.nodata):
        nodata = np.isnan(values).all(axis=1)
    else:
        nodata = (values == info.nodata).all(axis=1)
    reflectance: list[Any]
    if info.reflectance_scale is not None:
        scaled = values.astype("float64") * info.reflectance_scale + info.reflectance_offset
        reflectance = [
            None if flag else row
            for flag, row in zip(nodata.tolist(), scaled.tolist(), strict=True)
        ]
    else:
        reflectance = [None] * len(rows)
    if info.georeferenced:
        transform = Affine(*info.transform[:6])  # type: ignore[index]
        east, north = transform @ (cols + 0.5, rows + 0.5)  # type: ignore[operator]
        lon, lat = _transformer(info.crs, "EPSG:4326").transform(east, north)
        lons, lats = np.atleast_1d(lon).tolist(), np.atleast_1d(lat).tolist()
    else:
        lons = lats = [None] * len(rows)
    return [
        {
            "row": row,
            "col": col,
            "lon": lon_,
            "lat": lat_,
            "values": vector,
            "reflectance": refl,
            "nodata": flag,
        }
        for row, col, lon_, lat_, vector, refl, flag in zip(
            rows.tolist(),
            cols.tolist(),
            lons,
            lats,
            values.tolist(),
            reflectance,
            nodata.tolist(),
            strict=True,
        )
    ]


def parse_points(text: str) -> list[tuple[float, float]]:
    """``"x,y;x,y"`` -> [(x, y), ...]; TileParameterError naming ``points`` when malformed."""
    out = []
    for number, chunk in enumerate(part for part in text.split(";") if part.strip()):
        pieces = chunk.split(",")
        try:
            if len(pieces) != 2:
                raise ValueError
            x, y = float(pieces[0]), float(pieces[1])
        except ValueError:
            raise TileParameterError(
                "points", f"Point {number} ({chunk!r}) must be two numbers: x,y."
            ) from None
        out.append((x, y))
    if not out:
        raise TileParameterError("points", "Give at least one point: x,y;x,y.")
    return out


# --- warm-up --------------------------------------------------------------------------


def warm_up() -> None:
    """Pay a web process's one-off costs before its first request (gunicorn's
    ``post_worker_init``, labeler/gunicorn.conf.py): GDAL's drivers and block cache, PROJ's
    database and transformers, rio-tiler's tile matrices and colormaps, numexpr, the PNG and
    WebP encoders and the block-decoding threads, on a small in-memory COG. Best effort:
    it never raises.
    """
    try:
        from rasterio.io import MemoryFile

        size = 512
        yy, xx = np.mgrid[0:size, 0:size]
        data = np.stack([(xx * (i + 1) + yy) % 4096 for i in range(4)]).astype("uint16")
        profile = {
            "driver": "GTiff",
            "width": size,
            "height": size,
            "count": 4,
            "dtype": "uint16",
            "crs": "EPSG:32633",
            "transform": Affine(10.0, 0, 500_000.0, 0, -10.0, 5_000_000.0),
            "tiled": True,
            "blockxsize": 256,
            "blockysize": 256,
            "compress": "ZSTD",
            "predictor": 2,
        }
        with MemoryFile() as memory:
            with memory.open(**profile) as dataset:
                dataset.write(data)
                dataset.build_overviews([2], Resampling.average)
            with memory.open() as dataset:
                info = StoredRaster(
                    file="",
                    checksum="",
                    width=size,
                    height=size,
                    count=4,
                    dtype="uint16",
                    band_names=("B02", "B03", "B04", "B08"),
                    crs="EPSG:32633",
                    transform=tuple(dataset.transform)[:6],
                    stats=tuple({"p2": 0.0, "p98": 4000.0} for _ in range(4)),
                    reflectance_scale=1e-4,
                )
                requests = [TileRequest(), TileRequest(index="ndvi"), TileRequest(bands=("B08",))]
                plans = [resolve(info, request) for request in requests]
                center = transform_bounds(dataset.crs, "EPSG:4326", *dataset.bounds)
                lon, lat = (center[0] + center[2]) / 2, (center[1] + center[3]) / 2
                reader = Reader(None, dataset=dataset, tms=TMS)
                tile = TMS.tile(lon, lat, int(reader.maxzoom))
                for plan, fmt in zip(plans, ("png", "webp", "png"), strict=True):
                    image = _mercator_tile(dataset, info, tile.z, tile.x, tile.y, plan)
                    _draw(image, plan, fmt)  # type: ignore[arg-type]
                    image = _image_tile(dataset, info, 1, 0, 0, plan)
                    _draw(image, plan, fmt)  # type: ignore[arg-type]
                _transformer("EPSG:4326", info.crs).transform(lon, lat)
                _transformer(info.crs, "EPSG:4326").transform(500_000.0, 5_000_000.0)
                _vector_rows(info, np.array([0, 1]), np.array([0, 1]), data[:, :2, :2].T[0])
            with _open(memory.name, pixels=True) as dataset:  # starts GDAL's decoding threads
                _read_blocks(dataset, [(0, 0), (0, 1)])
    except Exception:
        import logging

        logging.getLogger(__name__).warning("Tile warm-up failed", exc_info=True)
