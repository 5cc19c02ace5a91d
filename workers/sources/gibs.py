"""Imagery source ``gibs``: NASA's Global Imagery Browse Services (WMTS).

Two parts: the layer catalogue (below) and extraction (``plan`` checks a request in the
API, ``fetch`` downloads the tiles of a bbox for each date, mosaics them and writes one
georeferenced GeoTIFF per date; see "Extraction" further down).

The layer catalogue comes from the service's WMTS 1.0.0 GetCapabilities document, parsed
with OWSLib and cached (``layer_catalogue``). Two forms of the document exist and both are
read:

- the REST form, where each layer carries ``ResourceURL`` tile templates and usually a time
  ``Dimension`` (today's service; also the 2014 document, whose host and lowercase ``time``
  identifier differ from today's ``Time``): the template is taken as the service gives it;
- the KVP-only form (no templates, no time): a GetTile KVP template is built on the
  configured service URL.

Templates keep the WMTS placeholders ``{TileMatrixSet}``, ``{TileMatrix}``, ``{TileRow}``,
``{TileCol}`` (and ``{Time}`` for layers with a time dimension), so the browser map can show
a layer directly. The server itself only ever contacts ``settings.GIBS_WMTS_URL``: no URL
from a request is fetched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import numpy as np
import rasterio
import requests
from affine import Affine
from django.conf import settings
from django.core.cache import cache
from owslib.wmts import WebMapTileService
from rasterio.errors import NotGeoreferencedWarning
from rasterio.io import MemoryFile
from rasterio.windows import Window

from events.errors import InvalidInput
from workers.errors import SourceUnavailable
from workers.registry import Progress

name = "gibs"

REQUEST_TIMEOUT = (5.0, 60.0)  # seconds: connect, read
MAX_CAPABILITIES_BYTES = 64 * 1024 * 1024  # today's documents are a few MB
CATALOGUE_TTL = 24 * 60 * 60  # seconds; GIBS adds layers rarely, dates roll daily
_CACHE_VERSION = 1  # bump when GibsLayer changes shape


@dataclass(frozen=True)
class GibsTime:
    """A layer's time dimension. ``values`` as the service lists them (ISO 8601 dates or
    ``start/end/period`` intervals); ``start``/``end`` span them all, ``period`` is the first
    interval's (e.g. ``P1D``), None for a list of single dates."""

    default: str | None
    start: str | None
    end: str | None
    period: str | None
    values: tuple[str, ...]


@dataclass(frozen=True)
class GibsLayer:
    identifier: str
    title: str
    formats: tuple[str, ...]
    tile_matrix_sets: tuple[str, ...]
    time: GibsTime | None
    tile_url_template: str


def describe() -> dict[str, Any]:
    """What this source offers (the interface of ``workers.sources``)."""
    return {
        "name": name,
        "title": "NASA GIBS (WMTS)",
        "kinds": ["tile_service"],
        "formats": ["image/png", "image/jpeg"],
    }


def _time(dimensions: dict[str, Any]) -> GibsTime | None:
    # The 2014 document says ``time``, today's ``Time``: WMTS does not fix the case.
    found = next(
        (dim for key, dim in dimensions.items() if (key or "").strip().lower() == "time"), None
    )
    if found is None:
        return None
    values = tuple(v.strip() for v in found.get("values") or [] if v and v.strip())
    intervals = [value.split("/") for value in values]
    period = next((parts[2] for parts in intervals if len(parts) == 3), None)
    default = (found.get("default") or "").strip() or None
    return GibsTime(
        default=default,
        start=intervals[0][0] if intervals else None,
        end=intervals[-1][1 if len(intervals[-1]) > 1 else 0] if intervals else None,
        period=period,
        values=values,
    )


def _kvp_template(
    service_url: str, identifier: str, style: str, fmt: str, *, with_time: bool
) -> str:
    """A GetTile KVP URL on the configured service (WMTS 1.0.0 §7.2.2.1) with placeholders."""
    params = [
        ("SERVICE", "WMTS"),
        ("REQUEST", "GetTile"),
        ("VERSION", "1.0.0"),
        ("LAYER", identifier),
        ("STYLE", style),
        ("TILEMATRIXSET", "{TileMatrixSet}"),
        ("TILEMATRIX", "{TileMatrix}"),
        ("TILEROW", "{TileRow}"),
        ("TILECOL", "{TileCol}"),
        ("FORMAT", fmt),
    ]
    if with_time:
        params.append(("TIME", "{Time}"))
    return f"{kvp_url(service_url)}?{urlencode(params, safe='{}/')}"


def kvp_url(service_url: str) -> str:
    """The KVP endpoint of a GIBS WMTS service URL (``.../wmts.cgi``)."""
    return f"{service_url.rstrip('/')}/wmts.cgi"


def _template(layer: Any, *, service_url: str, time: GibsTime | None) -> str:
    formats = list(layer.formats or [])
    tiles = [r for r in layer.resourceURLs or [] if r.get("resourceType") == "tile"]
    if tiles:
        preferred = next((r for r in tiles if formats and r.get("format") == formats[0]), None)
        return str((preferred or tiles[0])["template"])
    styles = layer.styles or {}
    style = next((key for key, s in styles.items() if s.get("isDefault")), None)
    return _kvp_template(
        service_url,
        layer.id,
        style or next(iter(styles), "default"),
        formats[0] if formats else "image/png",
        with_time=time is not None,
    )


def _wmts(xml: bytes, *, service_url: str) -> WebMapTileService:
    """OWSLib's reading of a capabilities document (it fetches nothing given ``xml``)."""
    try:
        with warnings.catch_warnings():
            # OWSLib 0.35 truth-tests lxml elements; harmless here, noisy in every log.
            warnings.simplefilter("ignore", FutureWarning)
            service = WebMapTileService(service_url, version="1.0.0", xml=xml)
    except Exception as exc:  # OWSLib raises whatever lxml or its own parsing hits
        raise SourceUnavailable(
            f"The GIBS service did not answer with a WMTS capabilities document ({exc})."
        ) from exc
    return service


def parse_capabilities(xml: bytes, *, service_url: str) -> list[GibsLayer]:
    """The layers of a WMTS 1.0.0 GetCapabilities document, in document order.

    ``service_url`` is the configured service (``settings.GIBS_WMTS_URL``), used only to
    build KVP templates for layers without a ``ResourceURL``. OWSLib reads ``xml`` as given
    and fetches nothing. Raises SourceUnavailable when ``xml`` is not such a document.
    """
    layers = []
    for identifier, layer in _wmts(xml, service_url=service_url).contents.items():
        time = _time(layer.dimensions or {})
        layers.append(
            GibsLayer(
                identifier=identifier,
                title=layer.title or identifier,
                formats=tuple(layer.formats or ()),
                tile_matrix_sets=tuple(layer.tilematrixsetlinks or ()),
                time=time,
                tile_url_template=_template(layer, service_url=service_url, time=time),
            )
        )
    return layers


def fetch_capabilities() -> bytes:
    """GetCapabilities from ``settings.GIBS_WMTS_URL``, the only host this contacts.

    Redirects are not followed (they could lead anywhere). Raises SourceUnavailable on a
    connection error, a timeout, a non-200 answer or a document over
    MAX_CAPABILITIES_BYTES.
    """
    url = kvp_url(settings.GIBS_WMTS_URL)
    params = {"SERVICE": "WMTS", "REQUEST": "GetCapabilities", "VERSION": "1.0.0"}
    try:
        with requests.get(
            url, params=params, timeout=REQUEST_TIMEOUT, allow_redirects=False, stream=True
        ) as response:
            if response.status_code != 200:
                raise SourceUnavailable(
                    f"The GIBS service answered HTTP {response.status_code} to GetCapabilities"
                    f" ({url})."
                )
            body = bytearray()
            for chunk in response.iter_content(chunk_size=1024 * 1024):
                body += chunk
                if len(body) > MAX_CAPABILITIES_BYTES:
                    raise SourceUnavailable(
                        f"The GIBS capabilities document is over {MAX_CAPABILITIES_BYTES} bytes."
                    )
    except requests.RequestException as exc:
        raise SourceUnavailable(f"The GIBS service could not be reached ({url}): {exc}") from exc
    return bytes(body)


def cache_key(service_url: str) -> str:
    """The cache key of the catalogue of ``service_url``."""
    digest = hashlib.sha256(service_url.encode()).hexdigest()[:32]
    return f"labeler:sources:gibs:layers:v{_CACHE_VERSION}:{digest}"


def layer_catalogue(*, refresh: bool = False) -> list[GibsLayer]:
    """Every layer of the configured GIBS service, cached for CATALOGUE_TTL seconds.

    ``refresh=True`` fetches the capabilities again and replaces the cached catalogue.
    Raises SourceUnavailable when the service fails (nothing cached is replaced then).
    """
    service_url = settings.GIBS_WMTS_URL
    key = cache_key(service_url)
    if not refresh:
        cached = cache.get(key)
        if cached is not None:
            return list(cached)
    layers = parse_capabilities(fetch_capabilities(), service_url=service_url)
    cache.set(key, layers, CATALOGUE_TTL)
    return layers


def layer_list(*, search: str = "", refresh: bool = False) -> list[GibsLayer]:
    """Catalogue layers whose identifier or title contains ``search`` (any case)."""
    layers = layer_catalogue(refresh=refresh)
    needle = search.strip().casefold()
    if not needle:
        return layers
    return [
        layer
        for layer in layers
        if needle in layer.identifier.casefold() or needle in layer.title.casefold()
    ]


# --- Extraction: the EPSG:4326 tile grid, tile downloads, mosaic, GeoTIFF ---------------------
#
# GIBS' EPSG:4326 tile matrix sets (``EPSG4326_250m``/``250m`` ... ``2km``, see
# ../shared/data/onearth/tilematrixsets.xml) share one grid: top-left corner -180, 90, tiles of
# 512 x 512 px, each matrix half the resolution of the next. The resolution of each matrix
# comes from its ScaleDenominator in the capabilities (WMTS 1.0.0 §6.1: 0.28 mm rendering
# pixels, OGC's 2·π·6378137/360 m per degree), rounded to 12 significant digits so that
# 0.5624999999999999 reads as the grid's exact 0.5625 (the GIBS resolutions are exact binary
# fractions: 0.5625 / 2**n) and pixel edges fall on exact coordinates.

KM_PER_DEGREE = 2 * math.pi * 6378.137 / 360  # OGC's unit of EPSG:4326, at the equator
_RENDERING_PIXEL_M = 0.00028  # WMTS 1.0.0 §6.1
TILE_ATTEMPTS = 3  # a tile answered 5xx, or timing out, is asked for this many times in all
RETRY_BACKOFF = 0.5  # seconds before the 2nd attempt, doubled for each further one
MAX_TILE_BYTES = 16 * 1024 * 1024  # a 512 px PNG is well under 1 MB
BAND_NAMES = ("red", "green", "blue")
# GDAL's block cache while a mosaic is written (GDAL_CACHEMAX, bytes): the blocks that
# straddle tiles not yet arrived wait there. GDAL's default, 5% of RAM, would hold whole
# mosaics on a large machine. The mosaic is uncompressed, so a half-written block flushed
# early is rewritten in place at no cost: 16 MiB keeps memory flat in the mosaic size
# (bench: RSS +54/+65/+76 MiB for 25/100/400 tiles) at the same speed as 64 MiB.
MOSAIC_CACHE_BYTES = 16 * 1024 * 1024
_EDGE_TOLERANCE = 1e-6  # px: a bbox edge this close to a pixel edge is on it


@dataclass(frozen=True)
class GibsMatrix:
    """One tile matrix (zoom level) of a set; ``resolution`` in degrees per pixel."""

    identifier: str
    resolution: float
    left: float
    top: float
    tile_width: int
    tile_height: int
    matrix_width: int
    matrix_height: int


@dataclass(frozen=True)
class GibsMatrixSet:
    identifier: str
    matrices: tuple[GibsMatrix, ...]  # in document order: coarsest first for GIBS

    @property
    def finest(self) -> GibsMatrix:
        return min(self.matrices, key=lambda m: m.resolution)


def parse_tile_matrix_sets(xml: bytes, *, service_url: str) -> dict[str, GibsMatrixSet]:
    """The TileMatrixSets of a WMTS 1.0.0 capabilities document, by identifier."""
    sets = {}
    for identifier, found in _wmts(xml, service_url=service_url).tilematrixsets.items():
        matrices = []
        for matrix in found.tilematrix.values():
            left, top = matrix.topleftcorner
            if abs(top) > 90:  # written lat lon (EPSG:4326 axis order) rather than CRS84
                left, top = top, left
            resolution = matrix.scaledenominator * _RENDERING_PIXEL_M / (KM_PER_DEGREE * 1000)
            matrices.append(
                GibsMatrix(
                    identifier=matrix.identifier,
                    resolution=float(f"{resolution:.12g}"),
                    left=left,
                    top=top,
                    tile_width=matrix.tilewidth,
                    tile_height=matrix.tileheight,
                    matrix_width=matrix.matrixwidth,
                    matrix_height=matrix.matrixheight,
                )
            )
        if matrices:
            sets[identifier] = GibsMatrixSet(identifier=identifier, matrices=tuple(matrices))
    return sets


def tile_matrix_sets(*, refresh: bool = False) -> dict[str, GibsMatrixSet]:
    """The configured service's tile matrix sets, cached like the layer catalogue."""
    service_url = settings.GIBS_WMTS_URL
    key = f"{cache_key(service_url)}:tile-matrix-sets"
    if not refresh:
        cached = cache.get(key)
        if cached is not None:
            return dict(cached)
    sets = parse_tile_matrix_sets(fetch_capabilities(), service_url=service_url)
    cache.set(key, sets, CATALOGUE_TTL)
    return sets


def _short(set_name: str) -> str:
    # Today's GIBS names its sets ``250m``, the 2014 service ``EPSG4326_250m``: one name.
    return set_name.strip().rsplit("_", 1)[-1].lower()


def matrix_choose(
    layer: GibsLayer,
    sets: Mapping[str, GibsMatrixSet],
    *,
    resolution: str | None = None,
    km_per_pixel: float | None = None,
) -> tuple[GibsMatrixSet, GibsMatrix]:
    """The tile matrix to extract from, among the layer's sets.

    ``resolution`` names a set (``250m`` or ``EPSG4326_250m``): its finest matrix.
    ``km_per_pixel``: the coarsest matrix at least that fine (km at the equator), so no
    more pixels are fetched than asked for. Raises InvalidInput naming the field and what
    the layer offers.
    """
    linked = [sets[name] for name in layer.tile_matrix_sets if name in sets]
    if not linked:
        raise SourceUnavailable(
            f"The GIBS capabilities define none of {layer.identifier}'s tile matrix sets."
        )
    offered = ", ".join(s.identifier for s in linked)
    if resolution is not None:
        chosen = next((s for s in linked if _short(s.identifier) == _short(resolution)), None)
        if chosen is None:
            raise InvalidInput(
                f"Layer {layer.identifier} has no tile matrix set {resolution!r}; it offers "
                f"{offered}.",
                fields={"resolution": [f"Not offered by this layer; choose from {offered}."]},
            )
        return chosen, chosen.finest
    if km_per_pixel is None or not km_per_pixel > 0:
        raise InvalidInput(
            "Give a resolution or a km_per_pixel above 0.",
            fields={"km_per_pixel": ["Must be above 0."]},
        )
    candidates = [(s, m) for s in linked for m in s.matrices]
    fine = [
        (s, m) for s, m in candidates if m.resolution * KM_PER_DEGREE <= km_per_pixel * (1 + 1e-9)
    ]
    if not fine:
        finest = min(m.resolution for _, m in candidates) * KM_PER_DEGREE
        raise InvalidInput(
            f"Layer {layer.identifier} is at best {finest:.3f} km per pixel.",
            fields={"km_per_pixel": [f"Finer than this layer offers ({finest:.3f} km)."]},
        )
    return max(fine, key=lambda pair: pair[1].resolution)


@dataclass(frozen=True)
class PixelWindow:
    """A window of a matrix's whole pixel grid (row 0, col 0 at its top-left corner)."""

    col_off: int
    row_off: int
    width: int
    height: int

    def transform(self, matrix: GibsMatrix) -> Affine:
        res = matrix.resolution
        return Affine(
            res, 0.0, matrix.left + self.col_off * res, 0.0, -res, matrix.top - self.row_off * res
        )

    def tiles(self, matrix: GibsMatrix) -> list[tuple[int, int]]:
        """(row, col) of every tile the window touches, row by row."""
        rows = range(
            self.row_off // matrix.tile_height,
            (self.row_off + self.height - 1) // matrix.tile_height + 1,
        )
        cols = range(
            self.col_off // matrix.tile_width,
            (self.col_off + self.width - 1) // matrix.tile_width + 1,
        )
        return [(row, col) for row in rows for col in cols]


def pixel_window(matrix: GibsMatrix, bbox: Sequence[float]) -> PixelWindow:
    """The pixels of ``matrix`` covering ``bbox`` (min_lon, min_lat, max_lon, max_lat).

    Rounding: each bbox edge is snapped outwards to the pixel grid (floor of the left and
    top edges, ceil of the right and bottom ones, in pixels from the grid's top-left corner),
    except that an edge within 1e-6 px of a pixel edge is taken as on it. So the output holds
    every pixel the bbox touches and nothing else, its origin is ``left + col_off * res``,
    ``top - row_off * res``, and it is at least 1 x 1 px. Clamped to the matrix's extent.
    """
    min_lon, min_lat, max_lon, max_lat = (float(v) for v in bbox)
    res = matrix.resolution

    def edge(value: float, rounding: Any) -> int:
        near = round(value)
        return int(near if abs(value - near) < _EDGE_TOLERANCE else rounding(value))

    grid_width = matrix.matrix_width * matrix.tile_width
    grid_height = matrix.matrix_height * matrix.tile_height
    x0 = min(max(edge((min_lon - matrix.left) / res, math.floor), 0), grid_width - 1)
    y0 = min(max(edge((matrix.top - max_lat) / res, math.floor), 0), grid_height - 1)
    x1 = min(max(edge((max_lon - matrix.left) / res, math.ceil), x0 + 1), grid_width)
    y1 = min(max(edge((matrix.top - min_lat) / res, math.ceil), y0 + 1), grid_height)
    return PixelWindow(col_off=x0, row_off=y0, width=x1 - x0, height=y1 - y0)


def _in_time(layer_time: GibsTime, day: dt.date) -> bool:
    iso = day.isoformat()
    for value in layer_time.values:
        parts = [part.strip()[:10] for part in value.split("/")]
        if len(parts) == 1 and parts[0] == iso:
            return True
        if len(parts) > 1 and parts[0] <= iso <= parts[1]:
            return True
    return False


def plan(
    *,
    layer: str,
    bbox: Sequence[float],
    dates: Sequence[dt.date],
    resolution: str | None = None,
    km_per_pixel: float | None = None,
) -> dict[str, Any]:
    """Check an extraction request against the catalogue; the JSON-able request ``fetch``
    takes (without ``out_dir``).

    ``dates``: one image each; empty for a layer without a time dimension (which takes
    none). Raises InvalidInput naming the field: an unknown layer, dates missing, given to
    a layer without time or outside the layer's time range, a resolution the layer does
    not offer, an image over EXTRACTION_MAX_PIXELS. SourceUnavailable when GIBS fails.
    """
    found = next((item for item in layer_catalogue() if item.identifier == layer), None)
    if found is None:
        raise InvalidInput(
            f"GIBS has no layer {layer!r}; see /api/v1/sources/gibs/layers/.",
            fields={"layer": [f"Unknown GIBS layer {layer!r}."]},
        )
    if found.time is None and dates:
        raise InvalidInput(
            f"Layer {layer} has no time dimension: give no date.",
            fields={"date": ["This layer takes no date."]},
        )
    if found.time is not None:
        if not dates:
            raise InvalidInput(
                f"Layer {layer} is daily: give a date, or a start_date and an end_date.",
                fields={"date": ["Required for this layer."]},
            )
        outside = [day.isoformat() for day in dates if not _in_time(found.time, day)]
        if outside:
            span = ", ".join(found.time.values)
            raise InvalidInput(
                f"Layer {layer} has imagery for {span} only; {outside[0]} is outside.",
                fields={"date": [f"{outside[0]} is outside the layer's time range ({span})."]},
            )
    matrix_set, matrix = matrix_choose(
        found, tile_matrix_sets(), resolution=resolution, km_per_pixel=km_per_pixel
    )
    window = pixel_window(matrix, bbox)
    limit = settings.EXTRACTION_MAX_PIXELS
    if window.width * window.height > limit:
        raise InvalidInput(
            f"The bbox is {window.width} x {window.height} px at {matrix.resolution} degrees "
            f"per pixel, over the limit of {limit:,} px per image (EXTRACTION_MAX_PIXELS); "
            "choose a smaller bbox or a coarser resolution.",
            fields={"bbox": [f"Too large: {window.width} x {window.height} px."]},
        )
    return {
        "layer": found.identifier,
        "bbox": [float(v) for v in bbox],
        "dates": [day.isoformat() for day in dates],
        "tile_matrix_set": matrix_set.identifier,
        "tile_matrix": matrix.identifier,
    }


def service_template(layer: GibsLayer) -> str:
    """The layer's tile URL template on the configured service (``settings.GIBS_WMTS_URL``).

    A capabilities document may name another host in its templates (the 2014 one names
    ``map1.vis.earthdata.nasa.gov``); only the part from the layer's path segment on is kept,
    so tiles are never fetched anywhere but from the configured service.
    """
    service = settings.GIBS_WMTS_URL.rstrip("/")
    template = layer.tile_url_template
    if template.startswith(kvp_url(service) + "?"):
        return template
    for marker in ("/{Layer}/", f"/{layer.identifier}/"):
        at = template.find(marker)
        if at >= 0:
            return service + template[at:]
    raise SourceUnavailable(f"The GIBS tile template of {layer.identifier} is not understood.")


def tile_url(
    template: str, *, layer: str, matrix_set: str, matrix: str, row: int, col: int, date: str
) -> str:
    """``template`` with its WMTS placeholders filled in (values URL-quoted)."""
    values = {
        "{Layer}": layer,
        "{Style}": "default",
        "{Time}": date,
        "{TileMatrixSet}": matrix_set,
        "{TileMatrix}": matrix,
        "{TileRow}": str(row),
        "{TileCol}": str(col),
    }
    url = template
    for placeholder, value in values.items():
        url = url.replace(placeholder, quote(value, safe=""))
    return url


class _TileFailed(Exception):
    """A tile the service could not give after every attempt (not merely absent)."""


def _download(session: requests.Session, url: str) -> bytes | None:
    """The tile's bytes; None when the service has none there (404, 204 or an empty body:
    outside the layer's coverage). 5xx answers, timeouts and dropped connections are
    retried with backoff; other answers (redirects included: never followed) fail."""
    problem = ""
    for attempt in range(TILE_ATTEMPTS):
        if attempt:
            time.sleep(RETRY_BACKOFF * 2 ** (attempt - 1))
        try:
            with session.get(
                url, timeout=REQUEST_TIMEOUT, allow_redirects=False, stream=True
            ) as response:
                if response.status_code in (204, 404):
                    return None
                if response.status_code >= 500:
                    problem = f"HTTP {response.status_code}"
                    continue
                if response.status_code != 200:
                    raise _TileFailed(f"HTTP {response.status_code}")
                body = bytearray()
                for chunk in response.iter_content(chunk_size=256 * 1024):
                    body += chunk
                    if len(body) > MAX_TILE_BYTES:
                        raise _TileFailed(f"a tile over {MAX_TILE_BYTES} bytes")
        except requests.RequestException as exc:
            problem = f"{type(exc).__name__}: {exc}"
            continue
        return bytes(body) or None
    raise _TileFailed(f"{problem} after {TILE_ATTEMPTS} attempts")


def _decode(body: bytes, matrix: GibsMatrix) -> tuple[np.ndarray, np.ndarray]:
    """A tile's RGB (3 x h x w uint8) and validity (h x w bool: alpha, mask or nodata).

    Runs in the download threads (GDAL decodes without the GIL); tiles carry no
    georeferencing, so ``fetch`` ignores NotGeoreferencedWarning while they run (warning
    filters are process-wide: set once in the calling thread, not in each worker)."""
    try:
        with MemoryFile(body) as memory, memory.open() as src:
            if src.dtypes[0] != "uint8":
                raise _TileFailed(f"a tile of {src.dtypes[0]}, not 8-bit")
            data = src.read()
            valid = src.dataset_mask() > 0
            colormap = None
            if src.count == 1:
                try:
                    colormap = src.colormap(1)
                except ValueError:  # no colour table
                    colormap = None
    except rasterio.RasterioIOError as exc:
        raise _TileFailed(f"not an image ({exc})") from exc
    if data.shape[1:] != (matrix.tile_height, matrix.tile_width):
        raise _TileFailed(f"a tile of {data.shape[2]} x {data.shape[1]} px")
    if colormap:
        table = np.zeros((256, 4), dtype=np.uint8)
        for index, rgba in colormap.items():
            table[index] = rgba
        coloured = table[data[0]]  # h x w x 4
        return np.moveaxis(coloured[..., :3], -1, 0), valid & (coloured[..., 3] > 0)
    if data.shape[0] < 3:  # grey (and alpha)
        return np.repeat(data[:1], 3, axis=0), valid
    return data[:3], valid


Tile = tuple[np.ndarray, np.ndarray]  # RGB (3 x h x w uint8), validity (h x w bool)
TileResult = Tile | None | _TileFailed  # None: the service has no tile there


def _tile_get(session: requests.Session, url: str, matrix: GibsMatrix) -> Tile | None:
    body = _download(session, url)
    return None if body is None else _decode(body, matrix)


def _tiles_download(
    pool: ThreadPoolExecutor,
    session: requests.Session,
    urls: Mapping[tuple[int, int], str],
    matrix: GibsMatrix,
    *,
    parallel: int,
) -> Iterator[tuple[tuple[int, int], TileResult]]:
    """Each tile's (row, col) and result, in the order they arrive, in the calling thread.

    At most ``2 * parallel`` tiles are submitted and not yet taken at once (``parallel``
    downloading, as many decoded and waiting), so the tiles held in memory stay bounded
    whatever the number of tiles."""
    todo = iter(urls.items())
    pending: dict[Future[Tile | None], tuple[int, int]] = {}
    while True:
        for key, url in todo:
            pending[pool.submit(_tile_get, session, url, matrix)] = key
            if len(pending) >= 2 * parallel:
                break
        if not pending:
            return
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            key = pending.pop(future)
            try:
                yield key, future.result()
            except _TileFailed as exc:
                yield key, exc


def _overlap(
    window: PixelWindow, matrix: GibsMatrix, row: int, col: int
) -> tuple[Window, tuple[slice, slice]]:
    """Where tile (row, col) falls in the output (a window of it) and the part of the tile
    that falls there (rows, cols): tiles at the edges are cropped to ``window``."""
    top, left = row * matrix.tile_height, col * matrix.tile_width
    y0, y1 = max(top, window.row_off), min(top + matrix.tile_height, window.row_off + window.height)
    x0, x1 = max(left, window.col_off), min(left + matrix.tile_width, window.col_off + window.width)
    out = Window(x0 - window.col_off, y0 - window.row_off, x1 - x0, y1 - y0)  # type: ignore[no-untyped-call]
    return out, (slice(y0 - top, y1 - top), slice(x0 - left, x1 - left))


def _mosaic_write(
    path: Path,
    results: Iterable[tuple[tuple[int, int], TileResult]],
    *,
    window: PixelWindow,
    matrix: GibsMatrix,
    tags: dict[str, str],
    tile_done: Callable[[int], None],
) -> tuple[int, list[str]]:
    """The mosaic as a GeoTIFF, each tile written into its window as it arrives.

    The file is opened once and written from this (the calling) thread only, so memory
    holds a few tiles and MOSAIC_CACHE_BYTES of GDAL blocks, never the mosaic. ``tags``
    (layer, date, matrix) make each date's bytes, so its checksum, its own: the same
    extraction again gives the same file (a duplicate). Tiles the service has not are
    transparent, not black: once one is missing (or a tile has transparent pixels) the
    file gets a mask, and the tiles written before are marked valid in it; a mosaic with
    every pixel valid has no mask. Pixels never written read 0, masked. Returns how many
    tiles were present and the failures (``tile row r, col c: why``); ``tile_done(n)``
    after the nth tile.
    """
    profile = {
        "driver": "GTiff",
        "width": window.width,
        "height": window.height,
        "count": 3,
        "dtype": "uint8",
        "crs": "EPSG:4326",
        "transform": window.transform(matrix),
        # Uncompressed: this file only lives until the ingest turns it into the stored COG
        # (compressed there, once). Deflating here cost ~11 ms a tile in the one writing
        # thread, more than decoding the tile, and made the CPU, not the network, the limit.
        "compress": "none",
        "tiled": window.height >= 256 and window.width >= 256,
        "photometric": "RGB",
    }
    if profile["tiled"]:
        profile.update(blockxsize=256, blockysize=256)
    present, errors = 0, []
    written: list[Window] = []
    masked = False
    with (
        rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True, GDAL_CACHEMAX=MOSAIC_CACHE_BYTES),
        rasterio.open(path, "w", **profile) as dst,
    ):
        dst.descriptions = BAND_NAMES
        dst.update_tags(**tags)
        for done, ((row, col), result) in enumerate(results, start=1):
            if isinstance(result, _TileFailed):
                errors.append(f"tile row {row}, col {col}: {result}")
            else:
                out, (rows, cols) = _overlap(window, matrix, row, col)
                valid = None if result is None else result[1][rows, cols]
                if not masked and (valid is None or not valid.all()):
                    masked = True
                    for before in written:
                        dst.write_mask(
                            np.full((before.height, before.width), 255, np.uint8), window=before
                        )
                if result is not None and valid is not None:
                    dst.write(result[0][:, rows, cols], window=out)
                    if masked:
                        dst.write_mask(valid.astype(np.uint8) * 255, window=out)
                    written.append(out)
                    present += 1
            tile_done(done)
    return present, errors


def fetch(request: Mapping[str, Any], *, progress: Progress) -> list[dict[str, Any]]:
    """One GeoTIFF (EPSG:4326, bands red, green, blue) per date of a ``plan``ned request.

    ``request``: ``plan``'s result plus ``out_dir``, the folder the files are written to.
    For each date the tiles covering the bbox are downloaded and decoded concurrently (at
    most GIBS_MAX_PARALLEL at once, one ``requests.Session`` with as many connections) from
    the layer's template on the configured service only, and each is written, cut to
    ``pixel_window`` of the bbox, into its window of the GeoTIFF as it arrives (memory
    holds a few tiles whatever the bbox); its transform is the window's. Tiles the service
    has not (404/empty: outside the layer's coverage) are transparent (masked). Returns, in
    date order, ``{path, name, date, provenance}`` for each date written, and ``{date,
    error}`` for a date whose tiles all came back empty or one of whose tiles failed after
    its retries (no file is left for it).
    """
    layer_id = request["layer"]
    layer = next((item for item in layer_catalogue() if item.identifier == layer_id), None)
    if layer is None:
        raise SourceUnavailable(f"GIBS no longer lists the layer {layer_id}.")
    matrix_set = tile_matrix_sets().get(request["tile_matrix_set"])
    matrices = matrix_set.matrices if matrix_set is not None else ()
    matrix = next((m for m in matrices if m.identifier == request["tile_matrix"]), None)
    if matrix_set is None or matrix is None:
        raise SourceUnavailable(
            f"GIBS no longer defines tile matrix {request['tile_matrix']} of "
            f"{request['tile_matrix_set']}."
        )
    template = service_template(layer)
    window = pixel_window(matrix, request["bbox"])
    tiles = window.tiles(matrix)
    dates: list[str] = list(request["dates"]) or [""]
    out_dir = Path(request["out_dir"])
    parallel = max(1, int(settings.GIBS_MAX_PARALLEL))
    items: list[dict[str, Any]] = []
    with (
        warnings.catch_warnings(),
        requests.Session() as session,
        ThreadPoolExecutor(max_workers=parallel) as pool,
    ):
        warnings.simplefilter("ignore", NotGeoreferencedWarning)  # the tiles, see _decode
        # One connection per thread: a smaller pool discards connections and makes new ones.
        adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=parallel)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        for index, date in enumerate(dates):
            label = date or "the layer"
            progress(index / len(dates), f"Downloading {len(tiles)} tiles of {label}")
            urls = {
                (row, col): tile_url(
                    template,
                    layer=layer.identifier,
                    matrix_set=matrix_set.identifier,
                    matrix=matrix.identifier,
                    row=row,
                    col=col,
                    date=date,
                )
                for row, col in tiles
            }
            # Short: storage paths of an image's files are at most 100 characters.
            stem = f"{layer_id[:40]}_{date}" if date else layer_id[:40]
            filename = f"{stem}_{_short(matrix_set.identifier)}-{matrix.identifier}.tif"
            path = out_dir / filename
            tags = {
                "GIBS_LAYER": layer_id,
                "GIBS_DATE": date,
                "GIBS_TILE_MATRIX_SET": matrix_set.identifier,
                "GIBS_TILE_MATRIX": matrix.identifier,
            }

            def tile_done(done: int, index: int = index, label: str = label) -> None:
                progress(
                    (index + done / len(tiles)) / len(dates),
                    f"Downloaded {done} of {len(tiles)} tiles of {label}",
                )

            try:
                present, errors = _mosaic_write(
                    path,
                    _tiles_download(pool, session, urls, matrix, parallel=parallel),
                    window=window,
                    matrix=matrix,
                    tags=tags,
                    tile_done=tile_done,
                )
            except BaseException:
                path.unlink(missing_ok=True)
                raise
            if errors or not present:
                path.unlink(missing_ok=True)
                detail = "; ".join(errors[:3]) if errors else "no imagery there (every tile empty)"
                items.append({"date": date or None, "error": f"GIBS {layer_id}: {detail}."})
                continue
            transform = window.transform(matrix)
            west, north = transform.c, transform.f
            east = west + window.width * matrix.resolution
            south = north - window.height * matrix.resolution
            items.append(
                {
                    "path": str(path),
                    "name": filename,
                    "date": date or None,
                    "provenance": {
                        "source": name,
                        "service": settings.GIBS_WMTS_URL,
                        "layer": layer_id,
                        "bbox": list(request["bbox"]),
                        "date": date or None,
                        "tile_matrix_set": matrix_set.identifier,
                        "tile_matrix": matrix.identifier,
                        "resolution_degrees": matrix.resolution,
                        "pixel_bounds": [west, south, east, north],
                        "tiles": len(tiles),
                        "tiles_empty": len(tiles) - present,
                    },
                }
            )
    progress(1.0, f"Downloaded {len(dates)} date(s) of {layer_id}")
    return items
