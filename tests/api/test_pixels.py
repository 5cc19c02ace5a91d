"""GET/POST /api/v1/images/{id}/pixels/: band vectors against direct reads, and refusals."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from pyproj import Transformer

from events.models import Membership, Role
from tests import rasters
from tests.api.support import assert_error
from tests.factories import TeamFactory, UserFactory
from workers import tiles

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    yield
    tiles.close_datasets()
    tiles.BLOCKS.clear()


@pytest.fixture
def viewer(member):  # type: ignore[no-untyped-def]
    return member(Role.VIEWER)


@pytest.fixture
def eurosat(event):  # type: ignore[no-untyped-def]
    return rasters.image_with_raster(
        event, rasters.EUROSAT, band_names=rasters.EUROSAT_BANDS, reflectance_scale=1e-4
    )


def _url(image) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/images/{image.pk}/pixels/"


def test_get_gives_the_band_vectors_of_a_few_pixels(api, viewer, eurosat):
    response = api(viewer).get(_url(eurosat), {"points": "0,0;63.9,10.2;31,63"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["bands"] == rasters.EUROSAT_BANDS and body["crs"] == "pixel"
    with rasterio.open(rasters.EUROSAT) as src:
        data = src.read()
    for (row, col), point in zip([(0, 0), (10, 63), (63, 31)], body["points"], strict=True):
        assert (point["row"], point["col"]) == (row, col)
        assert point["values"] == data[:, row, col].tolist()
        assert point["reflectance"] == pytest.approx((data[:, row, col] * 1e-4).tolist())
        assert point["nodata"] is False
        assert isinstance(point["lon"], float) and isinstance(point["lat"], float)


def test_post_gives_many_vectors_at_lonlat_points(api, viewer, event):
    image = rasters.image_with_raster(event, rasters.S2)
    rng = np.random.default_rng(11)
    rows, cols = rng.integers(0, 256, 2000), rng.integers(0, 256, 2000)
    with rasterio.open(rasters.S2) as src:
        data = src.read()
        to_lonlat = Transformer.from_crs(src.crs, "EPSG:4326", always_xy=True)
        xs, ys = src.xy(rows, cols)
    lons, lats = to_lonlat.transform(xs, ys)

    response = api(viewer).post(
        _url(image),
        {"points": [[lon, lat] for lon, lat in zip(lons, lats, strict=True)], "crs": "lonlat"},
        format="json",
    )

    assert response.status_code == 200, response.content[:300]
    points = response.json()["points"]
    assert len(points) == 2000
    for row, col, point in zip(rows, cols, points, strict=True):
        assert (point["row"], point["col"]) == (row, col)
        assert point["values"] == data[:, row, col].tolist()
    assert points[0]["reflectance"] is None  # no scale recorded for this image


def test_the_point_count_is_capped(api, viewer, eurosat, settings):
    settings.LABELER_MAX_PIXEL_POINTS = 3
    client = api(viewer)
    body = assert_error(
        client.post(_url(eurosat), {"points": [[1, 1]] * 4}, format="json"),
        400,
        "invalid",
        ["points"],
    )
    assert "at most 3" in body["detail"]
    assert_error(client.get(_url(eurosat), {"points": "1,1;2,2;3,3;4,4"}), 400, "invalid")
    assert client.get(_url(eurosat), {"points": "1,1;2,2;3,3"}).status_code == 200


@pytest.mark.parametrize(
    ("query", "field", "says"),
    [
        ({"points": "1,1;64,3"}, "points", "Point 1 (64, 3) is outside"),
        ({"points": "1,1;2"}, "points", "Point 1"),
        ({"points": "a,b"}, "points", "two numbers"),
        ({}, "points", "required"),
        ({"points": "1,1", "crs": "utm"}, "crs", "utm"),
        ({"points": "1,1", "band": "B04"}, "band", "Unknown field"),
        ({"points": "0,0", "crs": "lonlat"}, "points", "Point 0 (0, 0) is outside"),
    ],
)
def test_bad_queries_are_400_naming_the_parameter(api, viewer, eurosat, query, field, says):
    body = assert_error(api(viewer).get(_url(eurosat), query), 400, "invalid", [field])
    assert says in body["fields"][field][0]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"points": [[1, 1], [1, 2, 3]]}, "points.1"),
        ({"points": []}, "points"),
        ({"points": [[1, "x"]]}, "points.0.1"),
        ({"points": [[1, 1]], "extra": True}, "extra"),
    ],
)
def test_bad_bodies_are_400_naming_the_field(api, viewer, eurosat, payload, field):
    assert_error(api(viewer).post(_url(eurosat), payload, format="json"), 400, "invalid", [field])


def test_nodata_pixels_are_flagged_through_the_api(api, viewer, event):
    rgb = rasters.image_with_raster(event, rasters.RGB)
    points = api(viewer).get(_url(rgb), {"points": "0,0;400,350"}).json()["points"]
    assert [p["nodata"] for p in points] == [True, False]


def test_a_pixel_only_image_answers_pixels_but_not_lonlat(api, viewer, event):
    jpeg = rasters.image_with_raster(event, rasters.JPEG)
    client = api(viewer)
    point = client.get(_url(jpeg), {"points": "5,6"}).json()["points"][0]
    assert point["lon"] is None and point["lat"] is None and len(point["values"]) == 3
    assert_error(
        client.get(_url(jpeg), {"points": "5,6", "crs": "lonlat"}), 400, "invalid", ["crs"]
    )


def test_other_teams_get_404_and_anonymous_401(api, eurosat):
    stranger = UserFactory()
    Membership.objects.create(team=TeamFactory(), user=stranger, role=Role.OWNER)
    assert_error(api(stranger).get(_url(eurosat), {"points": "1,1"}), 404, "not_found")
    assert_error(
        api(stranger).post(_url(eurosat), {"points": [[1, 1]]}, format="json"), 404, "not_found"
    )
    assert_error(api().get(_url(eurosat), {"points": "1,1"}), 401, "not_authenticated")
