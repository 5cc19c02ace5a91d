"""Tiles, TileJSON, preview/thumbnail files and pixel band vectors of one image (DESIGN.md §5).

Every route reads the image through ``events.selectors`` (a viewer may read; another team's
image is 404). Tiles and pixels remember the answer, and who a token or session is, for a
few seconds per process (``RASTERS`` below, api/authentication.py). Binary answers carry
``Cache-Control: private`` (they are permission-checked) and an ``ETag`` from the file
checksum and the normalised parameters; a matching ``If-None-Match`` answers 304 before
anything is rendered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import numpy as np
import orjson
from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse, HttpResponseBase
from django.urls import reverse
from django.utils.http import parse_etags
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from api.authentication import TTLCache, authenticate_cached
from api.serializers.tiles import (
    PixelBodySerializer,
    PixelQuerySerializer,
    PixelResponseSerializer,
    TileJSONQuerySerializer,
    TileQuerySerializer,
)
from api.views.base import LabelerAPIView
from events import selectors
from events.errors import NotFound
from events.models import Event, Image, Membership, Team
from workers import tiles

_BINARY = {
    (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY),
    (200, "image/webp"): OpenApiResponse(OpenApiTypes.BINARY),
    304: OpenApiResponse(description="Not modified (If-None-Match matched the ETag)"),
}
# Sentinels reversed into a tile URL, then replaced by the {z}/{x}/{y} of a template.
_Z, _X, _Y = 910001, 920002, 930003


# (user id, image id) -> the image's StoredRaster, for tiles and pixels: a map view asks for
# dozens of tiles a second, and each used to load the whole Image row through the permission
# query. An entry lives LABELER_TILE_AUTH_CACHE_SECONDS (default 5 s) in each web process:
# losing access to an image, or a new file for it, takes effect within that in every process,
# and at once in the process that made the change (the signals below). A new checksum never
# mixes old and new: the ETag and the open datasets are keyed by the checksum.
RASTERS = TTLCache()
for _model in (Image, Event, Membership, Team):
    post_save.connect(RASTERS.clear, sender=_model, dispatch_uid=f"rasters-save-{_model.__name__}")
    post_delete.connect(
        RASTERS.clear, sender=_model, dispatch_uid=f"rasters-delete-{_model.__name__}"
    )


class _RasterView(LabelerAPIView):
    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # Images are answered directly; errors are JSON whatever an <img> tag asks for.
        return super().perform_content_negotiation(request, force=True)

    def perform_authentication(self, request: Request) -> None:
        authenticate_cached(request)

    def image(self, image_id: int) -> Image:
        return selectors.image_get(user=self.user, image_id=image_id)

    def raster(self, image_id: int) -> tiles.StoredRaster:
        """The image's StoredRaster if the user may see it (cached, see RASTERS); 404 if not."""
        key = (self.user.pk, image_id)
        info = RASTERS.get(key)
        if info is None:
            visible = selectors.image_list_visible(user=self.user).filter(pk=image_id)
            try:
                values = visible.values(*tiles.IMAGE_FIELDS).get()
            except (Image.DoesNotExist, ValueError, TypeError):
                raise NotFound("Image not found.") from None
            info = tiles.StoredRaster.from_values(values)
            RASTERS.put(key, info)
        return info


def _conditional(
    request: Request, etag: str | None, content_type: str, body: Callable[[], Any]
) -> HttpResponseBase:
    """304 when ``If-None-Match`` holds ``etag``; else ``body()`` with cache headers."""
    headers = {"Cache-Control": f"private, max-age={settings.LABELER_TILE_MAX_AGE}"}
    if etag:
        headers["ETag"] = etag
        sent = parse_etags(request.headers.get("If-None-Match", ""))
        if "*" in sent or etag in sent:
            response: HttpResponseBase = HttpResponse(status=304)
            for name, value in headers.items():
                response[name] = value
            return response
    response = HttpResponse(body(), content_type=content_type)
    for name, value in headers.items():
        response[name] = value
    return response


def _tile_format(fmt: str) -> str:
    if fmt not in tiles.MEDIA_TYPES:
        raise tiles.TileNotFound(f"No tile format {fmt!r}; use .png or .webp.")
    return fmt


class _TileView(_RasterView):
    space: tiles.Space = "mercator"

    @extend_schema(parameters=[TileQuerySerializer], responses=_BINARY)
    def get(self, request: Request, image_id: int, z: int, x: int, y: int, fmt: str) -> Any:
        info = self.raster(image_id)
        fmt = _tile_format(fmt)
        query = TileQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        if self.space == "mercator" and not info.georeferenced:
            raise tiles.TileNotFound(
                "This image is not georeferenced: it has no map tiles; use its image-tiles."
            )
        plan = tiles.resolve(info, query.validated_data["request"])
        etag = tiles.tile_etag(info, self.space, z, x, y, fmt, plan.key())
        return _conditional(
            request,
            etag,
            tiles.MEDIA_TYPES[fmt],
            lambda: tiles.render_tile(info, z, x, y, plan, space=self.space, fmt=fmt),  # type: ignore[arg-type]
        )


class MercatorTileView(_TileView):
    """A web-mercator (EPSG:3857, XYZ) tile of a georeferenced image, for the map."""

    space = "mercator"


class ImageSpaceTileView(_TileView):
    """A pixel-space tile for the editor (Leaflet CRS.Simple); see the README's zoom rule."""

    space = "image"


class TileJSONView(_RasterView):
    @extend_schema(
        parameters=[TileJSONQuerySerializer],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="TileJSON 3.0.0")},
    )
    def get(self, request: Request, image_id: int) -> Response:
        """TileJSON for the map (space=mercator) or the editor (space=image).

        The tile URL template carries the same tile parameters as this request.
        """
        image = self.image(image_id)
        query = TileJSONQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        space, fmt = query.validated_data["space"], query.validated_data["format"]
        info = tiles.StoredRaster.from_image(image)
        tiles.resolve(info, query.validated_data["request"])  # 400 now, not on every tile
        route = "v1:image-tile" if space == "mercator" else "v1:image-space-tile"
        url = request.build_absolute_uri(
            reverse(route, kwargs={"image_id": image.pk, "z": _Z, "x": _X, "y": _Y, "fmt": fmt})
        ).replace(f"/{_Z}/{_X}/{_Y}.", "/{z}/{x}/{y}.")  # after: braces must stay unquoted
        passed = {
            key: value
            for key, value in request.query_params.items()
            if key not in ("space", "format")
        }
        template = url + (f"?{urlencode(passed)}" if passed else "")
        body = {
            "tilejson": "3.0.0",
            "name": image.name,
            "scheme": "xyz",
            "tiles": [template],
            "space": space,
            "tilesize": query.validated_data["request"].tilesize,
            **tiles.tile_range(info, space=space),
        }
        if space == "image":
            body["width"], body["height"] = info.width, info.height
        return Response(body)


class _StoredPNGView(_RasterView):
    field = "preview"

    @extend_schema(responses={(200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request: Request, image_id: int) -> HttpResponseBase:
        image = self.image(image_id)
        stored = getattr(image, self.field)
        if not stored:
            raise tiles.TileNotFound(
                f"Image {image.pk} has no {self.field} yet (status {image.status})."
            )
        etag = tiles.tile_etag(tiles.StoredRaster.from_image(image), self.field, stored.name)

        def read() -> bytes:
            try:
                with default_storage.open(stored.name, "rb") as handle:
                    return handle.read()
            except FileNotFoundError:
                raise tiles.TileNotFound(
                    f"Image {image.pk}'s {self.field} file is missing."
                ) from None

        return _conditional(request, etag, "image/png", read)


class PreviewView(_StoredPNGView):
    """The stored PNG preview (at most 1024 px)."""

    field = "preview"


class ThumbnailView(_StoredPNGView):
    """The stored PNG thumbnail (at most 256 px)."""

    field = "thumbnail"


def _plain_points(data: Any) -> tuple[np.ndarray, str] | None:
    """A POST body's points as an (n, 2) array and its crs, when the body is plainly valid:
    only "points" (1..LABELER_MAX_PIXEL_POINTS pairs of finite numbers) and "crs". Anything
    else is None, and PixelBodySerializer then answers, naming what is wrong.

    DRF validating 10,000 pairs field by field took ~250 ms; this takes ~5 ms.
    """
    if not isinstance(data, dict) or not set(data) <= {"points", "crs"}:
        return None
    crs = data.get("crs", "pixel")
    points = data.get("points")
    if crs not in ("pixel", "lonlat") or not isinstance(points, list) or not points:
        return None
    if len(points) > settings.LABELER_MAX_PIXEL_POINTS:
        return None
    try:
        array = np.asarray(points)
    except (TypeError, ValueError):  # ragged
        return None
    if array.dtype.kind not in "iuf" or array.ndim != 2 or array.shape[1] != 2:
        return None
    array = array.astype("float64", copy=False)
    if not np.isfinite(array).all():
        return None
    return array, crs


class PixelView(_RasterView):
    def _answer(self, info: tiles.StoredRaster, points: Any, crs: str) -> HttpResponse:
        vectors = tiles.band_vectors(info, points, crs=crs)  # type: ignore[arg-type]
        names = list(info.band_names) or [str(i) for i in range(1, info.count + 1)]
        # orjson: the same JSON as DRF's renderer (floats in their shortest form) in a tenth
        # of the time, ~15 ms against ~140 ms for 10,000 vectors of 13 bands.
        body = orjson.dumps({"bands": names, "crs": crs, "points": vectors})
        return HttpResponse(body, content_type="application/json")

    @extend_schema(
        parameters=[
            PixelQuerySerializer,
            OpenApiParameter("points", str, description="x,y;x,y (pixel) or lon,lat;..."),
        ],
        responses=PixelResponseSerializer,
    )
    def get(self, request: Request, image_id: int) -> HttpResponse:
        """Band vectors at a few points of the query string."""
        info = self.raster(image_id)
        query = PixelQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        return self._answer(info, query.validated_data["points"], query.validated_data["crs"])

    @extend_schema(request=PixelBodySerializer, responses=PixelResponseSerializer)
    def post(self, request: Request, image_id: int) -> HttpResponse:
        """Band vectors at many points (up to LABELER_MAX_PIXEL_POINTS); reads nothing else."""
        info = self.raster(image_id)
        plain = _plain_points(request.data)
        if plain is not None:
            return self._answer(info, *plain)
        body = PixelBodySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(info, body.validated_data["points"], body.validated_data["crs"])
