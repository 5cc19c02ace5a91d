"""GET /api/v1/sources/gibs/layers/ against a fake GIBS on 127.0.0.1 (tests/gibs.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.api.support import assert_error
from tests.factories import UserFactory
from tests.gibs import KVP_CAPABILITIES

pytestmark = pytest.mark.django_db

URL = "/api/v1/sources/gibs/layers/"
TRUE_COLOR = "MODIS_Terra_CorrectedReflectance_TrueColor"


def test_route_name() -> None:
    assert reverse("v1:gibs-layer-list") == URL


def test_any_signed_in_user_lists_the_layers(api, gibs_service) -> None:  # type: ignore[no-untyped-def]
    response = api(UserFactory()).get(URL)  # no team needed

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 102
    assert len(body["results"]) == 50  # paginated like every list
    assert body["next"]
    assert len(gibs_service.requests) == 1


def test_a_layer_in_full(api, gibs_service) -> None:  # type: ignore[no-untyped-def]
    body = api(UserFactory()).get(URL, {"search": TRUE_COLOR.lower()}).json()

    assert body["count"] == 1
    assert body["results"] == [
        {
            "identifier": TRUE_COLOR,
            "title": TRUE_COLOR,
            "formats": ["image/jpeg"],
            "tile_matrix_sets": ["EPSG4326_250m"],
            "time": {
                "default": "2014-01-16",
                "start": "2012-05-08",
                "end": "2014-01-16",
                "period": "P1D",
                "values": ["2012-05-08/2014-01-16/P1D"],
            },
            "tile_url_template": "http://map1.vis.earthdata.nasa.gov/wmts-geo/"
            f"{TRUE_COLOR}/default/{{Time}}/{{TileMatrixSet}}/{{TileMatrix}}/{{TileRow}}/"
            "{TileCol}.jpg",
        }
    ]


def test_search_covers_the_title_in_any_case(api, gibs_service) -> None:  # type: ignore[no-untyped-def]
    body = api(UserFactory()).get(URL, {"search": "EarthAtNIGHT"}).json()

    assert [layer["identifier"] for layer in body["results"]] == ["VIIRS_CityLights_2012"]
    assert body["results"][0]["title"] == "VIIRS_EarthAtNight_2012"
    assert body["results"][0]["time"] is None
    assert "{Time}" not in body["results"][0]["tile_url_template"]
    assert api(UserFactory()).get(URL, {"search": "nothing like this"}).json()["count"] == 0


def test_the_catalogue_is_cached_and_refresh_fetches_again(api, gibs_service) -> None:  # type: ignore[no-untyped-def]
    client = api(UserFactory())
    assert client.get(URL).json()["count"] == 102
    gibs_service.serve(KVP_CAPABILITIES.read_bytes())

    assert client.get(URL).json()["count"] == 102
    assert len(gibs_service.requests) == 1
    refreshed = client.get(URL, {"refresh": "true", "search": TRUE_COLOR}).json()
    assert len(gibs_service.requests) == 2
    assert refreshed["count"] == 1
    layer = refreshed["results"][0]
    assert layer["time"] is None
    assert layer["tile_url_template"].startswith(f"{gibs_service.url}/wmts.cgi?SERVICE=WMTS&")
    assert client.get(URL).json()["count"] == 55


@pytest.mark.parametrize(
    ("status", "body"),
    [(500, b"Internal Server Error"), (503, b""), (200, b"<html>maintenance</html>")],
)
def test_a_failing_service_answers_502(api, gibs_service, status, body) -> None:  # type: ignore[no-untyped-def]
    gibs_service.serve(body, status=status)

    response = api(UserFactory()).get(URL)

    assert_error(response, 502, "source_unavailable", fields=[])
    assert "GIBS" in response.json()["detail"]


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"bogus": "1"}, ["bogus"]),
        ({"url": "http://evil.example/wmts"}, ["url"]),  # no user-supplied service URL
        ({"refresh": "maybe"}, ["refresh"]),
        ({"page_size": "0"}, ["page_size"]),
    ],
)
def test_bad_query_strings_are_refused(api, gibs_service, query, fields) -> None:  # type: ignore[no-untyped-def]
    response = api(UserFactory()).get(URL, query)

    assert_error(response, 400, "invalid", fields=fields)
    assert gibs_service.requests == []


def test_anonymous_gets_401_and_nothing_is_fetched(api, gibs_service) -> None:  # type: ignore[no-untyped-def]
    response = api().get(URL, {"refresh": "true"})

    assert_error(response, 401, "not_authenticated")
    assert gibs_service.requests == []


def test_the_route_is_in_the_schema(api) -> None:  # type: ignore[no-untyped-def]
    schema = api(UserFactory()).get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"][URL]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"search", "refresh"}
