"""GIBS extraction against the fake service (tests/gibs.py) serving two real tiles
(tests/gibs_tiles.py): tile grid, matrix choice, mosaic cut exactly to the bbox, retries,
bounded parallelism, missing tiles, and the ``extract`` job end to end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from pytest_httpserver import HTTPServer

from events.errors import InvalidInput
from events.models import Image
from tests.gibs import FakeGibs
from tests.gibs_tiles import LAYER, RESOLUTION, TILE_FILES, FakeTiles
from workers import extractions
from workers.errors import JobError
from workers.sources import gibs

RES = RESOLUTION
# Crosses the seam of the two tiles (lon -81); edges inside pixels, so snapped outwards:
# cols 300.5 of tile 10 .. 100.75 of tile 11, rows 10.5 .. 400.25 of row 5.
BBOX = [-90 + 300.5 * RES, 45 - 400.25 * RES, -81 + 100.75 * RES, 45 - 10.5 * RES]


def _source_pixels() -> np.ndarray:
    """The two tiles side by side, decoded by rasterio (the same decoder as the source)."""
    decoded = []
    for key in sorted(TILE_FILES):
        with rasterio.open(TILE_FILES[key]) as src:
            decoded.append(src.read())
    return np.concatenate(decoded, axis=2)


@pytest.fixture
def tiles(gibs_service: FakeGibs, settings) -> Iterator[FakeTiles]:  # type: ignore[no-untyped-def]
    settings.GIBS_MAX_PARALLEL = 4
    yield FakeTiles(gibs_service)


@pytest.fixture(autouse=True)
def _fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gibs, "RETRY_BACKOFF", 0.01)


def _request(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    planned = gibs.plan(
        layer=LAYER,
        bbox=overrides.pop("bbox", BBOX),
        dates=overrides.pop("dates", [dt.date(2013, 7, 1)]),
        km_per_pixel=overrides.pop("km_per_pixel", 2.0),
        resolution=overrides.pop("resolution", None),
    )
    return {**planned, "out_dir": str(tmp_path)}


def test_matrix_sets_from_the_capabilities(gibs_service: FakeGibs) -> None:
    sets = gibs.tile_matrix_sets()
    m250 = sets["EPSG4326_250m"]
    assert [m.resolution for m in m250.matrices] == [0.5625 / 2**n for n in range(9)]
    assert m250.matrices[5].resolution == RES
    assert (m250.matrices[5].left, m250.matrices[5].top) == (-180.0, 90.0)
    assert (m250.matrices[5].tile_width, m250.matrices[5].matrix_width) == (512, 40)
    layer = next(item for item in gibs.layer_catalogue() if item.identifier == LAYER)
    for name in ("250m", "EPSG4326_250m"):
        assert gibs.matrix_choose(layer, sets, resolution=name)[1].identifier == "8"
    # 1.957 km per pixel at matrix 5, 3.9 at 4: 2 km asks for matrix 5, 1.9 for 6.
    assert gibs.matrix_choose(layer, sets, km_per_pixel=2.0)[1].identifier == "5"
    assert gibs.matrix_choose(layer, sets, km_per_pixel=1.9)[1].identifier == "6"
    with pytest.raises(InvalidInput) as caught:
        gibs.matrix_choose(layer, sets, resolution="1km")
    assert "resolution" in caught.value.fields
    with pytest.raises(InvalidInput) as caught:
        gibs.matrix_choose(layer, sets, km_per_pixel=0.1)
    assert "km_per_pixel" in caught.value.fields


def test_pixel_window_snaps_outwards_and_keeps_exact_edges(gibs_service: FakeGibs) -> None:
    matrix = gibs.tile_matrix_sets()["EPSG4326_250m"].matrices[5]
    exact = gibs.pixel_window(matrix, [-90, 36, -81, 45])  # tile row 5, col 10 exactly
    assert exact == gibs.PixelWindow(col_off=5120, row_off=2560, width=512, height=512)
    assert exact.tiles(matrix) == [(5, 10)]
    window = gibs.pixel_window(matrix, BBOX)
    assert window == gibs.PixelWindow(col_off=5420, row_off=2570, width=313, height=391)
    assert window.tiles(matrix) == [(5, 10), (5, 11)]


def test_fetch_mosaics_and_cuts_exactly_to_the_bbox(tiles: FakeTiles, tmp_path: Path) -> None:
    calls: list[tuple[float, str]] = []

    items = gibs.fetch(_request(tmp_path), progress=lambda f, m="": calls.append((f, m)))

    assert len(items) == 1
    item = items[0]
    assert item["date"] == "2013-07-01"
    with rasterio.open(item["path"]) as out:
        assert out.crs.to_epsg() == 4326
        assert (out.width, out.height) == (313, 391)
        assert tuple(out.transform) == (
            RES,
            0.0,
            -90 + 300 * RES,
            0.0,
            -RES,
            45 - 10 * RES,
            0,
            0,
            1,
        )
        assert out.descriptions == ("red", "green", "blue")
        assert out.tags()["GIBS_DATE"] == "2013-07-01"
        pixels = out.read()
        assert (out.dataset_mask() == 255).all()
    expected = _source_pixels()[:, 10:401, 300:613]
    assert np.array_equal(pixels, expected)
    assert {p.split("/default/")[1] for p in tiles.paths} == {
        "2013-07-01/EPSG4326_250m/5/5/10.jpg",
        "2013-07-01/EPSG4326_250m/5/5/11.jpg",
    }
    provenance = item["provenance"]
    assert provenance["layer"] == LAYER and provenance["bbox"] == BBOX
    assert (provenance["tile_matrix_set"], provenance["tile_matrix"]) == ("EPSG4326_250m", "5")
    assert [f for f, _ in calls] == sorted(f for f, _ in calls)
    assert calls[-1][0] == 1.0 and len(calls) >= 3


def test_tiles_come_only_from_the_configured_service(tiles: FakeTiles, tmp_path: Path) -> None:
    layer = next(item for item in gibs.layer_catalogue() if item.identifier == LAYER)
    assert layer.tile_url_template.startswith("http://map1.vis.earthdata.nasa.gov/")
    template = gibs.service_template(layer)
    assert template == (
        f"{tiles_service_url(tiles)}/{LAYER}/default/{{Time}}/{{TileMatrixSet}}/"
        "{TileMatrix}/{TileRow}/{TileCol}.jpg"
    )
    gibs.fetch(_request(tmp_path), progress=lambda f, m="": None)
    assert len(tiles.paths) == 2  # and the fake saw them: nothing went to map1.vis


def tiles_service_url(tiles: FakeTiles) -> str:
    from django.conf import settings

    return str(settings.GIBS_WMTS_URL)


def test_missing_tiles_are_transparent(tiles: FakeTiles, tmp_path: Path) -> None:
    # Reaches into row 4 (the fake has no tile there: 404): masked, not a failure.
    bbox = [-89.0, 44.0, -88.0, 46.0]
    (item,) = gibs.fetch(_request(tmp_path, bbox=bbox), progress=lambda f, m="": None)
    with rasterio.open(item["path"]) as out:
        mask = out.dataset_mask()
        rows_in_tile_row_4 = round((46.0 - 45.0) / RES)
        assert (mask[:rows_in_tile_row_4] == 0).all()
        assert (mask[rows_in_tile_row_4:] == 255).all()
    assert (item["provenance"]["tiles"], item["provenance"]["tiles_empty"]) == (2, 1)


def test_every_tile_missing_fails_that_date(tiles: FakeTiles, tmp_path: Path) -> None:
    request = _request(tmp_path, km_per_pixel=None, resolution="250m")  # matrix 8: all 404
    items = gibs.fetch(request, progress=lambda f, m="": None)
    assert [set(item) for item in items] == [{"date", "error"}]
    assert items[0]["date"] == "2013-07-01" and "every tile empty" in items[0]["error"]
    assert not list(tmp_path.iterdir())


def test_a_500_is_retried(tiles: FakeTiles, tmp_path: Path) -> None:
    request = _request(tmp_path)
    tiles.failures[f"{tiles_path(tiles)}/{LAYER}/default/2013-07-01/EPSG4326_250m/5/5/11.jpg"] = 1

    (item,) = gibs.fetch(request, progress=lambda f, m="": None)

    assert "path" in item
    assert sum(p.endswith("/5/5/11.jpg") for p in tiles.paths) == 2


def test_a_tile_failing_every_attempt_fails_the_date(tiles: FakeTiles, tmp_path: Path) -> None:
    request = _request(tmp_path)
    path = f"{tiles_path(tiles)}/{LAYER}/default/2013-07-01/EPSG4326_250m/5/5/11.jpg"
    tiles.failures[path] = gibs.TILE_ATTEMPTS

    (item,) = gibs.fetch(request, progress=lambda f, m="": None)

    assert "HTTP 500 after 3 attempts" in item["error"] and "col 11" in item["error"]


def tiles_path(tiles: FakeTiles) -> str:
    from urllib.parse import urlsplit

    return urlsplit(tiles_service_url(tiles)).path


@pytest.fixture
def threaded_gibs(settings) -> Iterator[FakeGibs]:  # type: ignore[no-untyped-def]
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    fake = FakeGibs(server)
    settings.GIBS_WMTS_URL = fake.url
    yield fake
    server.clear()
    server.stop()
    from django.core.cache import cache

    cache.delete(gibs.cache_key(fake.url))
    cache.delete(f"{gibs.cache_key(fake.url)}:tile-matrix-sets")


def test_parallel_downloads_are_bounded(threaded_gibs: FakeGibs, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.GIBS_MAX_PARALLEL = 3
    tiles = FakeTiles(threaded_gibs, delay=0.1)
    # 3 rows x 4 cols of tiles of matrix 7 (2.25 degrees a tile), all 404 but all asked for.
    bbox = [-90.0, 40.0, -82.0, 45.0 - 0.01]
    request = _request(tmp_path, bbox=bbox, km_per_pixel=0.5)
    assert request["tile_matrix"] == "7"

    gibs.fetch(request, progress=lambda f, m="": None)

    assert len(tiles.paths) == 12
    assert tiles.most_active == 3


# --- the extract job ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_extract_job_ingests_one_image_per_date(
    tiles: FakeTiles, tmp_path: Path, settings, event, member
) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    user = member("manager")
    planned = gibs.plan(
        layer=LAYER,
        bbox=BBOX,
        dates=[dt.date(2013, 7, 1) + dt.timedelta(days=n) for n in range(3)],
        km_per_pixel=2.0,
    )
    params = {**planned, "request": {"km_per_pixel": 2.0}}
    calls: list[tuple[float, str]] = []

    result = extractions.extract(
        event_id=event.pk,
        user_id=user.pk,
        source="gibs",
        params=params,
        progress=lambda f, m="": calls.append((f, m)),
    )

    assert len(result["images"]) == 3 and result["duplicates"] == [] and result["failed"] == []
    images = Image.objects.filter(pk__in=result["images"]).order_by("acquired_at")
    assert [i.acquired_at for i in images] == [
        dt.datetime(2013, 7, d, tzinfo=dt.UTC) for d in (1, 2, 3)
    ]
    for image, day in zip(images, ("2013-07-01", "2013-07-02", "2013-07-03"), strict=True):
        assert image.source == Image.Source.GIBS
        assert (image.width, image.height) == (313, 391)
        assert image.provenance["date"] == day
        assert image.provenance["layer"] == LAYER
        assert image.provenance["bbox"] == BBOX
        assert image.provenance["tile_matrix"] == "5"
        assert image.provenance["request"] == {"km_per_pixel": 2.0}
    assert any("image 3 of 3" in m for _, m in calls)
    assert calls[-1][0] == pytest.approx(1.0)
    assert not list(Path(tmp_path).glob("labeler-extract-*"))

    again = extractions.extract(
        event_id=event.pk, user_id=user.pk, source="gibs", params=params, progress=print
    )
    assert again["images"] == [] and len(again["duplicates"]) == 3


@pytest.mark.django_db
def test_extract_job_reports_failed_dates_and_fails_when_nothing_came(
    tiles: FakeTiles, tmp_path: Path, settings, event, member, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    user = member("manager")
    params = gibs.plan(
        layer=LAYER, bbox=BBOX, dates=[dt.date(2013, 7, 1), dt.date(2013, 7, 2)], km_per_pixel=2.0
    )
    path = f"{tiles_path(tiles)}/{LAYER}/default/2013-07-02/EPSG4326_250m/5/5/10.jpg"
    tiles.failures[path] = gibs.TILE_ATTEMPTS
    made: list[str] = []
    real = extractions.tempfile.TemporaryDirectory

    def recording(*args: Any, **kwargs: Any) -> Any:
        folder = real(*args, **kwargs)
        made.append(folder.name)
        return folder

    monkeypatch.setattr(extractions.tempfile, "TemporaryDirectory", recording)

    result = extractions.extract(
        event_id=event.pk, user_id=user.pk, source="gibs", params=params, progress=print
    )

    assert len(result["images"]) == 1
    assert [f["date"] for f in result["failed"]] == ["2013-07-02"]
    assert "HTTP 500" in result["failed"][0]["error"]

    nothing = gibs.plan(layer=LAYER, bbox=BBOX, dates=[dt.date(2013, 7, 5)], resolution="250m")
    with pytest.raises(JobError, match=r"2013-07-05: .*every tile empty"):
        extractions.extract(
            event_id=event.pk, user_id=user.pk, source="gibs", params=nothing, progress=print
        )
    assert made and not any(Path(folder).exists() for folder in made)
