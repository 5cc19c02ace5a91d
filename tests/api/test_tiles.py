"""Tile, TileJSON, preview and thumbnail routes: what a viewer gets, caching, refusals."""

from __future__ import annotations

import io
import warnings
from typing import Any

import numpy as np
import pytest
import rasterio
from rasterio.errors import NotGeoreferencedWarning

from events.models import Membership, Role
from tests import rasters
from tests.api.support import assert_error
from tests.factories import TeamFactory, UserFactory
from workers import tiles

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.LABELER_TILE_MAX_AGE = 600
    yield
    tiles.close_datasets()


@pytest.fixture
def viewer(member):  # type: ignore[no-untyped-def]
    return member(Role.VIEWER)


@pytest.fixture
def s2(event):  # type: ignore[no-untyped-def]
    return rasters.image_with_raster(event, rasters.S2)


def _decode(data: bytes) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.MemoryFile(data) as memory, memory.open() as image:
            return image.read()


def _map_tile(image: Any) -> str:
    info = tiles.StoredRaster.from_image(image)
    found = tiles.tile_range(info, space="mercator")
    tile = tiles.TMS.tile(found["center"][0], found["center"][1], found["maxzoom"])
    return f"/api/v1/images/{image.pk}/tiles/{tile.z}/{tile.x}/{tile.y}.png"


def test_a_viewer_gets_a_map_tile_with_cache_headers(api, viewer, s2):
    response = api(viewer).get(_map_tile(s2), {"preset": "falsecolor"})

    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, max-age=600"
    assert response["ETag"].startswith('"') and len(response["ETag"]) > 20
    assert _decode(response.content).shape == (4, 256, 256)


def test_an_image_tile_is_the_source_at_full_resolution(api, viewer, s2):
    response = api(viewer).get(
        f"/api/v1/images/{s2.pk}/image-tiles/0/0/0.png", {"bands": "B08", "rescale": "0,10000"}
    )

    assert response.status_code == 200
    with rasterio.open(rasters.S2) as src:
        nir = src.read(8)
    rendered = _decode(response.content)  # one band + alpha
    assert np.array_equal(rendered[0], (nir / 10000 * 255).astype("uint8"))


def test_webp_tiles(api, viewer, s2):
    response = api(viewer).get(f"/api/v1/images/{s2.pk}/image-tiles/0/0/0.webp?index=ndwi")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response.content[:4] == b"RIFF" and response.content[8:12] == b"WEBP"


@pytest.mark.parametrize("query", ["preset=truecolor", "index=ndvi", "bands=B08"])
def test_webp_tiles_are_lossless_the_same_pixels_as_png(api, viewer, s2, query):
    from PIL import Image as PILImage

    client = api(viewer)
    base = f"/api/v1/images/{s2.pk}/image-tiles/0/0/0"
    png = PILImage.open(io.BytesIO(client.get(f"{base}.png?{query}").content)).convert("RGBA")
    webp = PILImage.open(io.BytesIO(client.get(f"{base}.webp?{query}").content)).convert("RGBA")

    assert webp.size == png.size == (256, 256)
    assert np.array_equal(np.asarray(webp), np.asarray(png))


def test_if_none_match_answers_304_without_rendering(api, viewer, s2, monkeypatch):
    client = api(viewer)
    url = _map_tile(s2) + "?preset=truecolor&gamma=1.2"
    etag = client.get(url)["ETag"]

    def no_rendering(*args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("rendered although the client has the tile")

    monkeypatch.setattr(tiles, "render_tile", no_rendering)
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag and response["Cache-Control"] == "private, max-age=600"


def test_the_etag_follows_the_parameters_and_the_file(api, viewer, s2):
    client = api(viewer)
    url = _map_tile(s2)
    plain = client.get(url)["ETag"]
    assert client.get(url)["ETag"] == plain
    # Same pixels asked differently: the same tag (the parameters are normalised).
    assert client.get(url, {"bands": "B04,B03,B02"})["ETag"] == plain
    assert client.get(url, {"bands": "4,3,2"})["ETag"] == plain
    assert client.get(url, {"preset": "swir"})["ETag"] != plain
    s2.checksum = "0" * 64
    s2.save()
    assert client.get(url)["ETag"] != plain


def test_tiles_outside_the_image_are_404(api, viewer, s2):
    client = api(viewer)
    assert_error(client.get(f"/api/v1/images/{s2.pk}/tiles/12/0/0.png"), 404, "not_found")
    assert_error(client.get(f"/api/v1/images/{s2.pk}/image-tiles/0/1/0.png"), 404, "not_found")
    assert_error(client.get(f"/api/v1/images/{s2.pk}/image-tiles/0/0/0.jpg"), 404, "not_found")


def test_an_image_without_georeference_has_no_map_tiles(api, viewer, event):
    jpeg = rasters.image_with_raster(event, rasters.JPEG)
    client = api(viewer)
    body = assert_error(client.get(f"/api/v1/images/{jpeg.pk}/tiles/0/0/0.png"), 404, "not_found")
    assert "not georeferenced" in body["detail"]
    assert client.get(f"/api/v1/images/{jpeg.pk}/image-tiles/0/0/0.png").status_code == 200


@pytest.mark.parametrize(
    ("query", "field", "says"),
    [
        ({"bands": "B04,B03,B99"}, "bands", "B99"),
        ({"bands": "B04,B03"}, "bands", "1 or 3"),
        ({"preset": "sunset"}, "preset", "sunset"),
        ({"index": "evi"}, "index", "evi"),
        ({"rescale": "5,1"}, "rescale", "min < max"),
        ({"rescale": "zero,1"}, "rescale", "numbers"),
        ({"rescale": "0,1;0,2"}, "rescale", "one min,max pair or three"),
        ({"gamma": "9"}, "gamma", "5"),
        ({"gamma": "bright"}, "gamma", "number"),
        ({"brightness": "-2"}, "brightness", "-1"),
        ({"colormap": "sunset", "index": "ndvi"}, "colormap", "sunset"),
        ({"colormap": "viridis"}, "colormap", "one band"),
        ({"tilesize": "300"}, "tilesize", "300"),
        ({"bands": "B04", "preset": "swir"}, "preset", "only one"),
        ({"expression": "b1*2"}, "expression", "Unknown field"),
    ],
)
def test_bad_parameters_are_400_naming_them(api, viewer, s2, query, field, says):
    response = api(viewer).get(f"/api/v1/images/{s2.pk}/image-tiles/0/0/0.png", query)
    body = assert_error(response, 400, "invalid", [field])
    assert says in body["fields"][field][0]


def test_a_preset_the_image_cannot_do_is_400_naming_the_missing_bands(api, viewer, event):
    rgb = rasters.image_with_raster(event, rasters.RGB)
    response = api(viewer).get(f"/api/v1/images/{rgb.pk}/image-tiles/0/0/0.png?preset=falsecolor")
    body = assert_error(response, 400, "invalid", ["preset"])
    assert "nir (B08/nir/B8A)" in body["fields"]["preset"][0]


def test_other_teams_and_anonymous_callers_get_nothing(api, s2):
    stranger = UserFactory()
    Membership.objects.create(team=TeamFactory(), user=stranger, role=Role.OWNER)
    url = f"/api/v1/images/{s2.pk}/image-tiles/0/0/0.png"
    assert_error(api(stranger).get(url), 404, "not_found")
    assert_error(api().get(url), 401, "not_authenticated")


def test_tilejson_for_the_map_carries_the_query(api, viewer, s2):
    response = api(viewer).get(
        f"/api/v1/images/{s2.pk}/tilejson.json", {"preset": "swir", "gamma": "1.5"}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["tilejson"] == "3.0.0" and body["space"] == "mercator"
    assert body["tiles"] == [
        f"http://testserver/api/v1/images/{s2.pk}/tiles/{{z}}/{{x}}/{{y}}.png?preset=swir&gamma=1.5"
    ]
    west, south, east, north = body["bounds"]
    assert -11.5 < west < east < -10.8 and 24.8 < south < north < 25.4
    assert body["minzoom"] <= body["maxzoom"] == 9


def test_tilejson_for_the_editor_is_in_pixels(api, viewer, event):
    rgb = rasters.image_with_raster(event, rasters.RGB)
    response = api(viewer).get(
        f"/api/v1/images/{rgb.pk}/tilejson.json", {"space": "image", "format": "webp"}
    )
    body = response.json()
    assert body["tiles"] == [
        f"http://testserver/api/v1/images/{rgb.pk}/image-tiles/{{z}}/{{x}}/{{y}}.webp"
    ]
    assert body["bounds"] == [0, 718, 791, 0]
    assert (body["minzoom"], body["maxzoom"], body["width"], body["height"]) == (0, 2, 791, 718)
    bad = api(viewer).get(f"/api/v1/images/{rgb.pk}/tilejson.json", {"preset": "snow"})
    assert_error(bad, 400, "invalid", ["preset"])


def test_preview_and_thumbnail_are_served_once_made(api, viewer, event):
    image = rasters.attach_raster(rasters.image_with_raster(event, rasters.EUROSAT))
    client = api(viewer)
    for route in ("preview", "thumbnail"):
        response = client.get(f"/api/v1/images/{image.pk}/{route}.png")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response.content[:8] == b"\x89PNG\r\n\x1a\n"
        again = client.get(
            f"/api/v1/images/{image.pk}/{route}.png", HTTP_IF_NONE_MATCH=response["ETag"]
        )
        assert again.status_code == 304
    image.preview = ""
    image.save()
    body = assert_error(client.get(f"/api/v1/images/{image.pk}/preview.png"), 404, "not_found")
    assert "no preview yet" in body["detail"]


def test_the_image_lists_its_raster_urls(api, viewer, event, s2):
    jpeg = rasters.image_with_raster(event, rasters.JPEG)
    detail = api(viewer).get(f"/api/v1/images/{s2.pk}/").json()
    assert detail["tiles"] == f"/api/v1/images/{s2.pk}/tiles/{{z}}/{{x}}/{{y}}.png"
    assert detail["image_tiles"] == f"/api/v1/images/{s2.pk}/image-tiles/{{z}}/{{x}}/{{y}}.png"
    assert detail["tilejson"] == f"/api/v1/images/{s2.pk}/tilejson.json"
    assert detail["preview_url"] is None and detail["thumbnail_url"] is None
    pixel_only = api(viewer).get(f"/api/v1/images/{jpeg.pk}/").json()
    assert pixel_only["tiles"] is None and pixel_only["image_tiles"]
