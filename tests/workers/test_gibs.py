"""NASA GIBS source: the capabilities of both real documents, the cached catalogue, and a
failing service, against a fake service on 127.0.0.1 (tests/gibs.py)."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from werkzeug import Request, Response

from tests.gibs import DATA, KVP_CAPABILITIES, REST_CAPABILITIES
from workers.errors import SourceUnavailable
from workers.sources import gibs

SERVICE = "http://127.0.0.1:9/wmts/epsg4326/best"  # only used to build KVP templates
TRUE_COLOR = "MODIS_Terra_CorrectedReflectance_TrueColor"


def _by_id(layers: list[gibs.GibsLayer]) -> dict[str, gibs.GibsLayer]:
    found = {layer.identifier: layer for layer in layers}
    assert len(found) == len(layers), "identifiers are unique"
    return found


def test_rest_document_facts() -> None:
    layers = _by_id(gibs.parse_capabilities(REST_CAPABILITIES.read_bytes(), service_url=SERVICE))

    assert len(layers) == 102
    timed = {key for key, layer in layers.items() if layer.time is not None}
    assert len(timed) == 100
    assert set(layers) - timed == {"MODIS_Water_Mask", "VIIRS_CityLights_2012"}
    for key, layer in layers.items():
        assert ("{Time}" in layer.tile_url_template) == (key in timed), key
        assert layer.tile_url_template.startswith("http://map1.vis.earthdata.nasa.gov/wmts-geo/")
    assert layers["VIIRS_CityLights_2012"].title == "VIIRS_EarthAtNight_2012"
    assert layers["VIIRS_CityLights_2012"].tile_url_template == (
        "http://map1.vis.earthdata.nasa.gov/wmts-geo/VIIRS_CityLights_2012/default/"
        "{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.jpg"
    )
    jpeg = {key for key, layer in layers.items() if layer.formats == ("image/jpeg",)}
    png = {key for key, layer in layers.items() if layer.formats == ("image/png",)}
    assert (len(jpeg), len(png)) == (12, 90)
    assert TRUE_COLOR in jpeg

    true_color = layers[TRUE_COLOR]
    assert true_color.tile_matrix_sets == ("EPSG4326_250m",)
    assert true_color.time == gibs.GibsTime(
        default="2014-01-16",
        start="2012-05-08",
        end="2014-01-16",
        period="P1D",
        values=("2012-05-08/2014-01-16/P1D",),
    )
    assert true_color.tile_url_template == (
        "http://map1.vis.earthdata.nasa.gov/wmts-geo/MODIS_Terra_CorrectedReflectance_TrueColor/"
        "default/{Time}/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.jpg"
    )
    sets = {s for layer in layers.values() for s in layer.tile_matrix_sets}
    assert sets == {f"EPSG4326_{r}" for r in ("16km", "2km", "1km", "500m", "250m")}


def test_kvp_document_gets_kvp_templates_on_the_configured_service() -> None:
    layers = _by_id(gibs.parse_capabilities(KVP_CAPABILITIES.read_bytes(), service_url=SERVICE))

    assert len(layers) == 55
    assert all(layer.time is None for layer in layers.values())
    for layer in layers.values():
        # Built on the configured service, never on the host the document names (map1b).
        assert layer.tile_url_template.startswith(f"{SERVICE}/wmts.cgi?SERVICE=WMTS&")
        assert "{Time}" not in layer.tile_url_template
    assert layers[TRUE_COLOR].formats == ("image/jpeg",)
    assert layers[TRUE_COLOR].tile_url_template == (
        f"{SERVICE}/wmts.cgi?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
        f"&LAYER={TRUE_COLOR}&STYLE=default&TILEMATRIXSET={{TileMatrixSet}}"
        "&TILEMATRIX={TileMatrix}&TILEROW={TileRow}&TILECOL={TileCol}&FORMAT=image/jpeg"
    )


def test_a_built_kvp_template_fetches_a_real_tile(gibs_service) -> None:  # type: ignore[no-untyped-def]
    tile = (DATA / "owslib" / "nasa_modis_terra_truecolour.jpg").read_bytes()
    gibs_service.server.expect_request(
        gibs_service.path,
        query_string={
            "SERVICE": "WMTS",
            "REQUEST": "GetTile",
            "VERSION": "1.0.0",
            "LAYER": TRUE_COLOR,
            "STYLE": "default",
            "TILEMATRIXSET": "EPSG4326_250m",
            "TILEMATRIX": "0",
            "TILEROW": "0",
            "TILECOL": "0",
            "FORMAT": "image/jpeg",
        },
    ).respond_with_data(tile, content_type="image/jpeg")
    layers = _by_id(
        gibs.parse_capabilities(KVP_CAPABILITIES.read_bytes(), service_url=gibs_service.url)
    )
    url = (
        layers[TRUE_COLOR]
        .tile_url_template.replace("{TileMatrixSet}", "EPSG4326_250m")
        .replace("{TileMatrix}", "0")
        .replace("{TileRow}", "0")
        .replace("{TileCol}", "0")
    )

    response = requests.get(url, timeout=5)

    assert response.status_code == 200
    assert response.content == tile


@pytest.mark.parametrize("identifier", ["time", "Time", "TIME"])
def test_time_dimension_identifier_in_any_case(identifier: str) -> None:
    xml = REST_CAPABILITIES.read_text().replace(
        "<ows:Identifier>time</ows:Identifier>", f"<ows:Identifier>{identifier}</ows:Identifier>"
    )
    assert xml.count(f"<ows:Identifier>{identifier}</ows:Identifier>") == 100

    layers = _by_id(gibs.parse_capabilities(xml.encode(), service_url=SERVICE))

    assert sum(layer.time is not None for layer in layers.values()) == 100
    assert layers[TRUE_COLOR].time is not None
    assert layers[TRUE_COLOR].time.values == ("2012-05-08/2014-01-16/P1D",)


def test_several_time_values_span_from_the_first_start_to_the_last_end() -> None:
    xml = REST_CAPABILITIES.read_text().replace(
        "<Value>2012-05-08/2014-01-16/P1D</Value>",
        "<Value>2012-05-08/2012-06-01/P1D</Value><Value>2012-07-01/2014-01-16/P1D</Value>",
    )
    layers = _by_id(gibs.parse_capabilities(xml.encode(), service_url=SERVICE))

    time_ = layers[TRUE_COLOR].time
    assert time_ is not None
    assert (time_.start, time_.end, time_.period) == ("2012-05-08", "2014-01-16", "P1D")
    assert len(time_.values) == 2


@pytest.mark.parametrize(
    "body", [b"", b"garbage, not XML", b"<html><body>Service down</body></html>"]
)
def test_a_document_that_is_not_capabilities_is_refused(body: bytes) -> None:
    with pytest.raises(SourceUnavailable, match="WMTS capabilities"):
        gibs.parse_capabilities(body, service_url=SERVICE)


def test_catalogue_is_fetched_once_and_cached(gibs_service) -> None:  # type: ignore[no-untyped-def]
    first = gibs.layer_catalogue()
    second = gibs.layer_catalogue()

    assert len(gibs_service.requests) == 1
    assert first == second
    assert len(first) == 102
    request = gibs_service.requests[0]
    assert request.path == gibs_service.path
    assert dict(request.args) == {
        "SERVICE": "WMTS",
        "REQUEST": "GetCapabilities",
        "VERSION": "1.0.0",
    }


def test_refresh_fetches_again(gibs_service) -> None:  # type: ignore[no-untyped-def]
    gibs.layer_catalogue()
    gibs_service.serve(KVP_CAPABILITIES.read_bytes())

    assert len(gibs.layer_catalogue()) == 102  # still the cached catalogue
    assert len(gibs.layer_catalogue(refresh=True)) == 55
    assert len(gibs.layer_catalogue()) == 55  # the refreshed one is cached
    assert len(gibs_service.requests) == 2


def test_a_failed_refresh_keeps_the_cached_catalogue(gibs_service) -> None:  # type: ignore[no-untyped-def]
    gibs.layer_catalogue()
    gibs_service.serve(b"oops", status=500)

    with pytest.raises(SourceUnavailable, match="HTTP 500"):
        gibs.layer_catalogue(refresh=True)
    assert len(gibs.layer_catalogue()) == 102
    assert len(gibs_service.requests) == 2


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (500, b"Internal Server Error", "HTTP 500"),
        (404, b"Not found", "HTTP 404"),
        (200, b"garbage, not XML", "WMTS capabilities"),
    ],
)
def test_service_errors_are_source_unavailable(gibs_service, status, body, message) -> None:  # type: ignore[no-untyped-def]
    gibs_service.serve(body, status=status)

    with pytest.raises(SourceUnavailable, match=message) as caught:
        gibs.layer_catalogue()
    assert caught.value.code == "source_unavailable"
    # Nothing was cached: the next call asks again.
    with pytest.raises(SourceUnavailable):
        gibs.layer_catalogue()
    assert len(gibs_service.requests) == 2


def test_a_slow_service_times_out(gibs_service, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(gibs, "REQUEST_TIMEOUT", (2.0, 0.2))

    release = threading.Event()

    def slow(request: Request) -> Response:
        release.wait(5.0)
        return Response(REST_CAPABILITIES.read_bytes(), content_type="application/xml")

    gibs_service.serve_handler(slow)
    started = time.monotonic()

    try:
        with pytest.raises(SourceUnavailable, match="could not be reached"):
            gibs.layer_catalogue()
        assert time.monotonic() - started < 2.0
    finally:
        release.set()  # the fake server answers one request at a time


def test_an_unreachable_service_is_source_unavailable(settings) -> None:  # type: ignore[no-untyped-def]
    settings.GIBS_WMTS_URL = "http://127.0.0.1:9/wmts"  # discard port: nothing listens

    with pytest.raises(SourceUnavailable, match="could not be reached"):
        gibs.fetch_capabilities()


def test_redirects_are_not_followed(gibs_service) -> None:  # type: ignore[no-untyped-def]
    elsewhere = gibs_service.server.url_for("/elsewhere/wmts.cgi")
    gibs_service.serve(b"", status=302, Location=elsewhere)

    with pytest.raises(SourceUnavailable, match="HTTP 302"):
        gibs.layer_catalogue()
    assert [r.path for r in gibs_service.requests] == [gibs_service.path]
    assert not [r for r, _ in gibs_service.server.log if r.path.startswith("/elsewhere")]


def test_an_oversized_document_is_refused(gibs_service, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(gibs, "MAX_CAPABILITIES_BYTES", 1000)

    with pytest.raises(SourceUnavailable, match="over 1000 bytes"):
        gibs.layer_catalogue()


def test_layer_list_searches_identifier_and_title_in_any_case(gibs_service) -> None:  # type: ignore[no-untyped-def]
    found = gibs.layer_list(search="  modis_terra_CORRECTEDreflectance_truecolor ")
    assert [layer.identifier for layer in found] == [TRUE_COLOR]
    by_title = gibs.layer_list(search="earthatnight")
    assert [layer.identifier for layer in by_title] == ["VIIRS_CityLights_2012"]
    assert gibs.layer_list(search="no such layer") == []
    assert len(gibs.layer_list(search="")) == 102
    assert len(gibs_service.requests) == 1
