"""Imagery source ``sentinelhub``: Sentinel Hub and the Copernicus Data Space Ecosystem.

Acquisitions are searched with the Catalog API 1.0.0 (STAC ``POST /search``) through
sentinelhub-py's ``SentinelHubCatalog``, authenticated with the team's own OAuth client
(events.services.credentials). The catalogue URL is built from the configured base URL of
the credential's endpoint (``SENTINELHUB_BASE_URL`` or ``CDSE_BASE_URL``) and the token
from its configured token URL: nothing from a request is ever fetched, and redirects are
not followed. (Only ``sh_base_url`` matters for the Catalog API; Process API requests also
need their collection bound to the service URL, DESIGN.md §9.)

Retries: sentinelhub-py waits out HTTP 429 as long as the ``Retry-After`` header says
(Sentinel Hub sends milliseconds), here at most MAX_RETRY_AFTER_MS at a time and
MAX_RATE_LIMITED times in a row; connection errors and 5xx answers are retried
MAX_ATTEMPTS times with a backoff from RETRY_SLEEP seconds, tripled each time.

Download (``plan`` in the request, then ``fetch`` in the ``extract`` job): one Process API
request per acquisition for every band of the collection (``BANDS``, plus ``SCL`` for L2A on
request) as FLOAT32 reflectance at 10, 20 or 60 m, the acquisition's own time window, the
collection bound to the configured base URL (``define_from(..., service_url=...)``,
DESIGN.md §9) so that no other host is contacted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import tarfile
import time
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import requests
from django.conf import settings
from oauthlib.oauth2.rfc6749.errors import OAuth2Error
from rasterio.errors import RasterioError
from rasterio.io import MemoryFile
from rasterio.transform import from_bounds
from sentinelhub import (
    CRS,
    BBox,
    DataCollection,
    MimeType,
    MosaickingOrder,
    SentinelHubCatalog,
    SentinelHubDownloadClient,
    SentinelHubRequest,
    SentinelHubSession,
    SHConfig,
    bbox_to_dimensions,
)
from sentinelhub.download.models import DownloadRequest
from sentinelhub.download.rate_limit import SentinelHubRateLimit
from sentinelhub.exceptions import DownloadFailedException, OutOfRequestsException

from events.errors import InvalidInput
from events.models import Event, SentinelHubCredential
from events.rules import Action, require
from events.services.credentials import (
    sentinelhub_credential_for_team,
    sentinelhub_endpoint_urls,
    sentinelhub_secret,
)
from workers.errors import SourceUnavailable
from workers.registry import Progress

name = "sentinelhub"

COLLECTIONS = ("sentinel-2-l2a", "sentinel-2-l1c")  # Catalog API collection ids
PAGE_SIZE = 100  # the Catalog API's largest page
MAX_ACQUISITIONS = 2000  # a search over more is refused: narrow the box or the dates
MAX_ATTEMPTS = 3  # per request, for connection errors and 5xx answers
RETRY_SLEEP = 1.0  # seconds before the second attempt; tripled for each further one
MAX_RATE_LIMITED = 5  # HTTP 429 answers in a row before giving up
MAX_RETRY_AFTER_MS = 30_000  # the longest single wait a Retry-After header may impose
DEFAULT_RETRY_AFTER_MS = 2_000  # a 429 without Retry-After
TIMEOUT = 60.0  # seconds per request

# Every band of each collection, in the order of the images written (band names recorded).
_L1C = "B01 B02 B03 B04 B05 B06 B07 B08 B8A B09 B10 B11 B12"
BANDS: dict[str, tuple[str, ...]] = {
    "sentinel-2-l1c": tuple(_L1C.split()),
    "sentinel-2-l2a": tuple(band for band in _L1C.split() if band != "B10"),
}
RESOLUTIONS = (10, 20, 60)  # metres per pixel
TIME_MARGIN = dt.timedelta(seconds=30)  # either side of an acquisition's datetime
MAX_RESPONSE_BYTES = 2 * 1024**3


def describe() -> dict[str, Any]:
    """What this source offers (the interface of ``workers.sources``)."""
    return {
        "name": name,
        "title": "Sentinel Hub / Copernicus Data Space Ecosystem (Sentinel-2)",
        "kinds": ["catalog_search", "tile_service"],
        "formats": ["image/tiff"],
        "collections": list(COLLECTIONS),
    }


class _RateLimit(SentinelHubRateLimit):
    """sentinelhub-py's rate limit with the Retry-After wait bounded and parsed safely."""

    def update(self, headers: dict, *, default: float) -> None:
        try:
            wait_ms = float(headers.get(self.RETRY_HEADER, default))
        except (TypeError, ValueError):  # e.g. an HTTP-date
            wait_ms = default
        wait_ms = min(max(wait_ms, 0.0), MAX_RETRY_AFTER_MS)
        self.next_download_time = max(time.monotonic() + wait_ms / 1000, self.next_download_time)


class _Client(SentinelHubDownloadClient):
    """The download client, not following redirects (they could lead to any host)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_retry_time=DEFAULT_RETRY_AFTER_MS / 1000, **kwargs)
        self.rate_limit = _RateLimit(num_processes=1)

    def _do_download(self, request: DownloadRequest) -> requests.Response:
        if request.url is None:
            raise ValueError(f"Faulty request {request}, no URL specified.")
        response = requests.request(
            request.request_type.value,
            url=request.url,
            json=request.post_values,
            headers=self._prepare_headers(request),
            timeout=self.config.download_timeout_seconds,
            allow_redirects=False,
        )
        if response.is_redirect:
            raise SourceUnavailable(
                f"Sentinel Hub answered HTTP {response.status_code} (a redirect, not followed) "
                f"to {request.url}."
            )
        return response


def config_for(credential: SentinelHubCredential) -> SHConfig:
    """An SHConfig for ``credential``: its client, the configured URLs of its endpoint, the
    retry settings above. ``use_defaults`` keeps any local sentinelhub-py profile out."""
    base_url, token_url = sentinelhub_endpoint_urls(credential.endpoint)
    return SHConfig(
        use_defaults=True,
        sh_client_id=credential.client_id,
        sh_client_secret=sentinelhub_secret(credential),
        sh_base_url=base_url,
        sh_token_url=token_url,
        max_download_attempts=MAX_ATTEMPTS,
        download_sleep_time=RETRY_SLEEP,
        download_timeout_seconds=TIMEOUT,
        max_retries=MAX_RATE_LIMITED,
    )


def _status(exc: BaseException) -> int | None:
    response = getattr(getattr(exc, "request_exception", None), "response", None)
    if response is None:
        response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


def _acquisition(feature: dict[str, Any]) -> dict[str, Any]:
    properties = feature.get("properties") or {}
    return {
        "id": feature["id"],
        "datetime": properties.get("datetime"),
        "cloud_cover": properties.get("eo:cloud_cover"),
        "bbox": feature.get("bbox"),
        "geometry": feature.get("geometry"),
    }


def search(
    *,
    credential: SentinelHubCredential,
    bbox: tuple[float, float, float, float],
    start: date,
    end: date,
    max_cloud: float,
    collection: str = "sentinel-2-l2a",
) -> list[dict[str, Any]]:
    """Acquisitions of ``collection`` over ``bbox`` (west, south, east, north in lon/lat)
    from ``start`` to ``end`` (whole UTC days) with at most ``max_cloud`` % cloud cover.

    Follows the Catalog API's paging (``context.next``). Each acquisition: ``id``,
    ``datetime``, ``cloud_cover``, ``bbox`` and ``geometry`` (GeoJSON), sorted by date.
    Raises SourceUnavailable when the service or its token endpoint fails or refuses the
    credentials, InvalidInput for an unknown collection or too many results.
    """
    if collection not in COLLECTIONS:
        raise InvalidInput(
            f"Unknown collection {collection!r}.",
            fields={"collection": [f"Choose one of: {', '.join(COLLECTIONS)}."]},
        )
    config = config_for(credential)
    where = config.sh_base_url
    try:
        session = SentinelHubSession(config=config)
        catalog = SentinelHubCatalog(config=config)
        catalog.client = _Client(config=config, session=session)
        results = catalog.search(
            collection,
            time=(f"{start.isoformat()}T00:00:00Z", f"{end.isoformat()}T23:59:59Z"),
            bbox=BBox(bbox, crs=CRS.WGS84),
            filter=f"eo:cloud_cover <= {float(max_cloud)}",
            filter_lang="cql2-text",
            fields={
                "include": [
                    "id",
                    "bbox",
                    "geometry",
                    "properties.datetime",
                    "properties.eo:cloud_cover",
                ],
                "exclude": [],
            },
            limit=PAGE_SIZE,
        )
        found = []
        for feature in results:
            found.append(_acquisition(feature))
            if len(found) > MAX_ACQUISITIONS:
                raise InvalidInput(
                    f"More than {MAX_ACQUISITIONS} acquisitions match; narrow the search.",
                    fields={
                        "bbox": ["Use a smaller area or a shorter date range."],
                        "end_date": ["Use a shorter date range or a smaller area."],
                    },
                )
    except OAuth2Error as exc:
        raise SourceUnavailable(
            f"The {credential.get_endpoint_display()} token endpoint refused the team's client "
            f"id {credential.client_id!r} ({exc.error}); a team manager must check the saved "
            "client id, secret and endpoint."
        ) from exc
    except OutOfRequestsException as exc:
        raise SourceUnavailable(
            f"Sentinel Hub kept answering HTTP 429 (rate limit) {MAX_RATE_LIMITED} times; try "
            "again later."
        ) from exc
    except DownloadFailedException as exc:
        status = _status(exc)
        if status in (401, 403):
            detail = (
                f"Sentinel Hub refused the team's credentials (HTTP {status}) at {where}; a team "
                "manager must check the saved client id, secret and endpoint."
            )
        elif status is not None:
            detail = f"Sentinel Hub answered HTTP {status} at {where}."
        else:
            detail = f"Sentinel Hub could not be reached at {where}."
        raise SourceUnavailable(detail) from exc
    except (requests.RequestException, ValueError, KeyError) as exc:
        # ValueError: a body that is not JSON; KeyError: a page without ``context``/``id``.
        raise SourceUnavailable(
            f"Sentinel Hub did not answer with a Catalog API page at {where} "
            f"({exc.__class__.__name__})."
        ) from exc
    return sorted(found, key=lambda item: (item["datetime"] or "", item["id"]))


def search_for_event(
    *,
    user: Any,
    event: Event,
    bbox: tuple[float, float, float, float],
    start: date,
    end: date,
    max_cloud: float,
    collection: str = "sentinel-2-l2a",
) -> list[dict[str, Any]]:
    """``search`` with the event's team credentials (managers and owners: it spends the
    team's quota). MissingCredentials (400) when the team has saved none."""
    require(user, event.team_id, Action.MANAGE, what="Event")
    credential = sentinelhub_credential_for_team(event.team_id)
    return search(
        credential=credential,
        bbox=bbox,
        start=start,
        end=end,
        max_cloud=max_cloud,
        collection=collection,
    )


# --- Download: the Process API ------------------------------------------------------------


def evalscript(bands: Sequence[str]) -> str:
    """An evalscript returning ``bands`` as FLOAT32 (reflectance; ``SCL`` as its class)."""
    units = ", ".join('"DN"' if band == "SCL" else '"REFLECTANCE"' for band in bands)
    names = ", ".join(f'"{band}"' for band in bands)
    values = ", ".join(f"sample.{band}" for band in bands)
    return (
        "//VERSION=3\n"
        "function setup() {\n"
        f"  return {{input: [{{bands: [{names}], units: [{units}]}}],\n"
        f'    output: {{id: "default", bands: {len(bands)}, sampleType: "FLOAT32"}}}};\n'
        "}\n"
        f"function evaluatePixel(sample) {{ return [{values}]; }}\n"
    )


def band_list(collection: str, scl: bool) -> list[str]:
    return [*BANDS[collection], *(["SCL"] if scl else [])]


def _bbox(bbox: Sequence[float]) -> BBox:
    west, south, east, north = bbox
    return BBox((west, south, east, north), crs=CRS.WGS84)


def output_size(bbox: Sequence[float], resolution: int) -> tuple[int, int]:
    """(width, height) in pixels of ``bbox`` (lon/lat) at ``resolution`` metres, measured in
    the bbox's UTM zone (sentinelhub-py's ``bbox_to_dimensions``), at least 1 x 1."""
    width, height = bbox_to_dimensions(_bbox(bbox), resolution=resolution)
    return max(1, width), max(1, height)


def plan(
    *,
    collection: str,
    bbox: Sequence[float],
    start_date: date,
    end_date: date,
    max_cloud: float,
    resolution: int,
    acquisitions: Sequence[str] | None = None,
    scl: bool = False,
) -> dict[str, Any]:
    """Check a download in the request (no network): the collection, ``scl`` (L2A only), the
    resolution, and the output size against SENTINELHUB_MAX_SIZE pixels per side (the
    Process API's own limit is 2500) and EXTRACTION_MAX_PIXELS. Returns the job's params."""
    if collection not in BANDS:
        raise InvalidInput(
            f"Unknown collection {collection!r}.",
            fields={"collection": [f"Choose one of: {', '.join(BANDS)}."]},
        )
    if scl and collection != "sentinel-2-l2a":
        raise InvalidInput(
            "The SCL mask exists in sentinel-2-l2a only.",
            fields={"scl": ["Only with collection sentinel-2-l2a."]},
        )
    if resolution not in RESOLUTIONS:
        raise InvalidInput(
            f"Resolution {resolution} m is not offered.",
            fields={"resolution": ["Choose 10, 20 or 60 (metres)."]},
        )
    width, height = output_size(bbox, resolution)
    cap = int(settings.SENTINELHUB_MAX_SIZE)
    if max(width, height) > cap or width * height > settings.EXTRACTION_MAX_PIXELS:
        raise InvalidInput(
            f"The bbox at {resolution} m is {width} x {height} pixels, over the limit of {cap} "
            f"per side (SENTINELHUB_MAX_SIZE) or {settings.EXTRACTION_MAX_PIXELS} in all "
            "(EXTRACTION_MAX_PIXELS).",
            fields={"resolution": ["Too fine for this bbox: use a coarser one or a smaller bbox."]},
        )
    return {
        "collection": collection,
        "bbox": [float(v) for v in bbox],
        "start_date": start_date.isoformat(),
        "end_date": end_date.isoformat(),
        "max_cloud": float(max_cloud),
        "resolution": resolution,
        "acquisitions": list(acquisitions) if acquisitions is not None else None,
        "scl": bool(scl),
        "bands": band_list(collection, scl),
        "width": width,
        "height": height,
    }


def data_collection(collection: str, service_url: str) -> DataCollection:
    """``collection`` bound to ``service_url`` (DESIGN.md §9), one definition per URL."""
    base = (
        DataCollection.SENTINEL2_L2A
        if collection == "sentinel-2-l2a"
        else DataCollection.SENTINEL2_L1C
    )
    digest = hashlib.sha256(service_url.encode()).hexdigest()[:16]
    name = f"LABELER_{collection.replace('-', '_').upper()}_{digest}"
    return base.define_from(name, service_url=service_url)


def process_request(
    *, config: SHConfig, request: Mapping[str, Any], when: dt.datetime
) -> SentinelHubRequest:
    """The Process API request of one acquisition at ``when``."""
    return SentinelHubRequest(
        evalscript=evalscript(request["bands"]),
        input_data=[
            SentinelHubRequest.input_data(
                data_collection=data_collection(request["collection"], config.sh_base_url),
                time_interval=(when - TIME_MARGIN, when + TIME_MARGIN),
                mosaicking_order=MosaickingOrder.LEAST_RECENT,
            )
        ],
        responses=[SentinelHubRequest.output_response("default", MimeType.TIFF)],
        bbox=_bbox(request["bbox"]),
        size=(request["width"], request["height"]),
        config=config,
    )


def _tiff_bytes(content: bytes) -> bytes:
    """The GeoTIFF of a Process API answer: the body, or ``default.tif`` of a tar."""
    if content[:4] in (b"II*\x00", b"MM\x00*"):
        return content
    try:
        with tarfile.open(fileobj=io.BytesIO(content)) as archive:
            member = archive.extractfile("default.tif")
            if member is None:
                raise KeyError("default.tif")
            return member.read()
    except (tarfile.TarError, KeyError) as exc:
        raise ValueError("the answer is neither a TIFF nor a tar with default.tif") from exc


def write_geotiff(
    content: bytes, path: Path, *, bands: Sequence[str], bbox: Sequence[float]
) -> list[str]:
    """Write the answer's image to ``path`` as a GeoTIFF with band descriptions = ``bands``
    (when the counts match), georeferenced to ``bbox`` in EPSG:4326 if the answer is not.
    Returns the band names written."""
    with MemoryFile(_tiff_bytes(content)) as memory, memory.open() as source:
        data = source.read()
        profile = {
            "driver": "GTiff",
            "width": source.width,
            "height": source.height,
            "count": source.count,
            "dtype": data.dtype.name,
            "crs": source.crs or "EPSG:4326",
            "transform": (
                source.transform
                if source.crs
                else from_bounds(*bbox, width=source.width, height=source.height)
            ),
            "nodata": source.nodata,
        }
        names = (
            list(bands)
            if source.count == len(bands)
            else [d or f"band{i + 1}" for i, d in enumerate(source.descriptions)]
        )
    with rasterio.open(path, "w", **profile) as out:
        out.write(np.asarray(data))
        for index, name in enumerate(names, start=1):
            out.set_band_description(index, name)
    return names


def _download_error(exc: BaseException, where: str) -> str:
    if isinstance(exc, OutOfRequestsException):
        return f"Sentinel Hub kept answering HTTP 429 (rate limit) {MAX_RATE_LIMITED} times."
    if isinstance(exc, DownloadFailedException):
        status = _status(exc)
        if status is not None:
            return f"Sentinel Hub answered HTTP {status} at {where}."
        return f"Sentinel Hub could not be reached at {where}."
    if isinstance(exc, OAuth2Error):
        return f"The token endpoint refused the team's client ({exc.error})."
    return f"Sentinel Hub did not answer with an image at {where} ({exc})."


def _when(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC)


def fetch(request: Mapping[str, Any], *, progress: Progress) -> list[dict[str, Any]]:
    """One FLOAT32 GeoTIFF per acquisition of a ``plan``ned request.

    ``request``: ``plan``'s result plus ``team_id`` (whose credentials are used) and
    ``out_dir``. The acquisitions are searched again with the request's bbox, dates and
    ``max_cloud`` (all of them, at most EXTRACTION_MAX_IMAGES, or the ``acquisitions`` ids
    chosen); an id the search no longer finds is reported as failed. A 401 mid-job gets a
    new token and one more try. Returns ``{path, name, date, acquired_at, cloud_cover,
    provenance}`` per image and ``{date, acquisition, error}`` per acquisition that failed.
    Raises SourceUnavailable when the search or the token endpoint fails.
    """
    credential = sentinelhub_credential_for_team(request["team_id"])
    found = search(
        credential=credential,
        bbox=tuple(request["bbox"]),  # type: ignore[arg-type]
        start=date.fromisoformat(request["start_date"]),
        end=date.fromisoformat(request["end_date"]),
        max_cloud=request["max_cloud"],
        collection=request["collection"],
    )
    items: list[dict[str, Any]] = []
    chosen = request.get("acquisitions")
    if chosen is not None:
        by_id = {item["id"]: item for item in found}
        for missing in [i for i in chosen if i not in by_id]:
            items.append(
                {
                    "date": "",
                    "acquisition": missing,
                    "error": "The search no longer finds this acquisition in the bbox, dates "
                    "and cloud limit.",
                }
            )
        found = [by_id[i] for i in dict.fromkeys(chosen) if i in by_id]
    limit = int(settings.EXTRACTION_MAX_IMAGES)
    for extra in found[limit:]:
        items.append(
            {
                "date": (extra["datetime"] or "")[:10],
                "acquisition": extra["id"],
                "error": f"Over the limit of {limit} images per extraction "
                "(EXTRACTION_MAX_IMAGES); choose acquisitions.",
            }
        )
    found = found[:limit]
    config = config_for(credential)
    where = f"{config.sh_base_url}/api/v1/process"
    out_dir = Path(request["out_dir"])
    try:
        session = SentinelHubSession(config=config)
    except OAuth2Error as exc:
        raise SourceUnavailable(
            f"The {credential.get_endpoint_display()} token endpoint refused the team's client "
            f"id {credential.client_id!r} ({exc.error})."
        ) from exc
    for index, acquisition in enumerate(found):
        progress(index / max(len(found), 1), f"Downloading {acquisition['id']}")
        when = _when(acquisition["datetime"])
        item_date = when.date().isoformat()
        sh_request = process_request(config=config, request=request, when=when)
        try:
            for attempt in (1, 2):
                client = _Client(config=config, session=session)
                try:
                    (answer,) = client.download(sh_request.download_list, decode_data=False)
                    break
                except DownloadFailedException as exc:
                    if attempt == 1 and _status(exc) == 401:
                        session = SentinelHubSession(config=config)  # a new token
                        continue
                    raise
            path = out_dir / f"acquisition-{index:04d}.tif"
            names = write_geotiff(
                answer.content, path, bands=request["bands"], bbox=request["bbox"]
            )
        except (
            DownloadFailedException,
            OutOfRequestsException,
            OAuth2Error,
            ValueError,
            RasterioError,
        ) as exc:
            items.append(
                {
                    "date": item_date,
                    "acquisition": acquisition["id"],
                    "error": _download_error(exc, where),
                }
            )
            continue
        items.append(
            {
                "path": str(path),
                "name": f"{acquisition['id']}_{request['resolution']}m.tif",
                "date": item_date,
                "acquired_at": when.isoformat(),
                "cloud_cover": acquisition["cloud_cover"],
                "provenance": {
                    "source": name,
                    "collection": request["collection"],
                    "acquisition": acquisition["id"],
                    "datetime": acquisition["datetime"],
                    "cloud_cover": acquisition["cloud_cover"],
                    "bbox": request["bbox"],
                    "resolution": request["resolution"],
                    "bands": names,
                    "process": {
                        "url": where,
                        "time_range": [
                            (when - TIME_MARGIN).isoformat(),
                            (when + TIME_MARGIN).isoformat(),
                        ],
                        "width": request["width"],
                        "height": request["height"],
                        "sample_type": "FLOAT32",
                        "mosaicking_order": MosaickingOrder.LEAST_RECENT.value,
                    },
                },
            }
        )
    progress(1.0, "Downloaded")
    return items
