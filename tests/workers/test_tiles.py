"""workers/tiles.py on COGs of the real files: tiles against independent computations,
presets and indices by band name, bad parameters, bounds, and pixel band vectors."""

from __future__ import annotations

import warnings
from typing import Any

import morecantile
import numpy as np
import pytest
import rasterio
from pyproj import Transformer
from rasterio.errors import NotGeoreferencedWarning
from rasterio.warp import Resampling, reproject, transform_bounds
from rio_tiler.colormap import cmap

from tests import rasters
from workers import tiles

pytestmark = pytest.mark.django_db

WEB_MERCATOR = morecantile.tms.get("WebMercatorQuad")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    yield
    tiles.close_datasets()
    tiles.BLOCKS.clear()


def _info(event: Any, source: Any, **fields: Any) -> tiles.StoredRaster:
    return tiles.StoredRaster.from_image(rasters.image_with_raster(event, source, **fields))


def _decode(data: bytes) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.MemoryFile(data) as memory, memory.open() as image:
            return image.read()


def _rescale(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """rio-tiler's linear rescale to 0..255 (clipped, truncated to uint8)."""
    scaled = (values.astype("float64") - low) / (high - low) * 255.0
    return np.clip(scaled, 0, 255).astype("uint8")


def _source(source: Any, indexes: list[int]) -> tuple[np.ndarray, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(source) as src:
            return src.read(indexes), src


def _plan(info: tiles.StoredRaster, **params: Any) -> tiles.RenderPlan:
    return tiles.resolve(info, tiles.TileRequest(**params))


# --- mercator tiles -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "indexes", "past_maxzoom"),
    [(rasters.RGB, [1, 2, 3], 0), (rasters.EOLEARN, [3, 2, 1], 3)],  # eo-learn: 11 x 17 px
)
def test_a_mercator_tile_equals_an_independent_reprojection(event, source, indexes, past_maxzoom):
    info = _info(event, source)
    found = tiles.tile_range(info, space="mercator")
    zoom = found["maxzoom"] + past_maxzoom
    tile = WEB_MERCATOR.tile(found["center"][0], found["center"][1], zoom)
    ranges = [(info.stats[i - 1]["p2"], info.stats[i - 1]["p98"]) for i in indexes]
    plan = _plan(info, bands=tuple(str(i) for i in indexes))

    rendered = _decode(tiles.render_tile(info, tile.z, tile.x, tile.y, plan))

    data, _ = _source(source, indexes)
    with rasterio.open(source) as src:
        expected = np.zeros((len(indexes), 256, 256), dtype=data.dtype)
        valid = np.zeros((256, 256), dtype="uint8")
        bounds = WEB_MERCATOR.xy_bounds(tile)
        target = rasterio.transform.from_bounds(*bounds, 256, 256)
        common = {
            "src_transform": src.transform,
            "src_crs": src.crs,
            "dst_transform": target,
            "dst_crs": "EPSG:3857",
            "resampling": Resampling.nearest,
        }
        reproject(data, expected, **common)
        ok = np.ones(data.shape[1:], dtype="uint8")
        if src.nodata is not None:
            ok[(data == src.nodata).all(axis=0)] = 0
        reproject(ok, valid, **common)
    assert rendered.shape == (4, 256, 256)  # RGBA
    shown = (rendered[3] > 0) & (valid > 0)
    assert shown.sum() > 1000, "the tile should show the image"
    # Transparent exactly where the source has no valid pixel (a few edge pixels may differ).
    assert ((rendered[3] > 0) != (valid > 0)).mean() < 0.01
    for band, (low, high) in enumerate(ranges):
        want = _rescale(expected[band], low, high)
        diff = np.abs(rendered[band].astype(int) - want.astype(int))[shown]
        assert (diff > 1).mean() < 0.01, f"band {band}: {(diff > 1).mean():.3%} differ"


def test_a_tile_over_nodata_corners_is_transparent_there(event):
    info = _info(event, rasters.RGB)  # nodata 0 in the rotated scene's corners
    rendered = _decode(tiles.render_tile(info, 0, 0, 0, _plan(info), space="image"))
    # Zoom 0 of 791 x 718: a quarter resolution, 198 x 180 px of image in a 256 px tile.
    assert rendered[3, 0, 0] == 0 and rendered[3, 90, 100] == 255
    assert rendered[3, 200:, :].max() == 0 and rendered[3, :, 210:].max() == 0  # past the edge


def test_a_map_tile_inside_the_bounds_but_all_nodata_is_transparent_not_missing(event):
    info = _info(event, rasters.RGB)  # a tilted scene in a frame of nodata
    with rasterio.open(rasters.RGB) as src:
        west, _, _, north = transform_bounds(src.crs, "EPSG:4326", *src.bounds)
    # The north-west corner of the bounding box lies in the frame, outside the scene.
    tile = morecantile.tms.get("WebMercatorQuad").tile(west + 0.01, north - 0.01, 12)
    rendered = _decode(tiles.render_tile(info, tile.z, tile.x, tile.y, _plan(info)))
    assert rendered.shape == (4, 256, 256)
    assert rendered[3].max() == 0  # every pixel transparent


def test_tiles_outside_the_image_are_not_found(event):
    info = _info(event, rasters.RGB)
    plan = _plan(info)
    with pytest.raises(tiles.TileNotFound, match="outside"):
        tiles.render_tile(info, 9, 0, 0, plan)  # the other side of the world
    with pytest.raises(tiles.TileNotFound, match="outside"):
        tiles.render_tile(info, 2, 4, 0, plan, space="image")  # 791 px: tile columns 0..3
    with pytest.raises(tiles.TileNotFound, match="tile matrix"):
        tiles.render_tile(info, 3, 8, 0, plan)
    with pytest.raises(tiles.TileNotFound, match="past this image's range"):
        tiles.render_tile(info, 2 + tiles.OVERZOOM + 1, 0, 0, plan, space="image")


def test_an_image_without_georeference_has_image_tiles_only(event):
    info = _info(event, rasters.JPEG)
    assert not info.georeferenced
    with pytest.raises(tiles.TileNotFound, match="not georeferenced"):
        tiles.render_tile(info, 0, 0, 0, _plan(info))
    rendered = _decode(tiles.render_tile(info, 0, 0, 0, _plan(info), space="image"))
    assert rendered[3, :64, :64].min() == 255 and rendered[3, 64:, :].max() == 0


# --- image-space tiles -------------------------------------------------------------------


def test_an_image_tile_at_full_resolution_is_the_source_window_exactly(event):
    info = _info(event, rasters.RGB)
    assert tiles.image_maxzoom(info.width, info.height) == 2
    plan = _plan(info, bands=("1", "2", "3"), rescale=((0.0, 200.0),))

    rendered = _decode(tiles.render_tile(info, 2, 1, 1, plan, space="image"))

    data, _ = _source(rasters.RGB, [1, 2, 3])
    window = data[:, 256:512, 256:512]
    assert np.array_equal(rendered[:3], _rescale(window, 0, 200))
    assert np.array_equal(rendered[3] == 0, (window == 0).all(axis=0))


def test_a_512_tile_is_the_same_grid_at_twice_the_density(event):
    info = _info(event, rasters.S2)
    plan = _plan(info, preset="truecolor", rescale=((0.0, 5000.0),), tilesize=512)
    rendered = _decode(tiles.render_tile(info, 0, 0, 0, plan, space="image"))
    data, _ = _source(rasters.S2, [4, 3, 2])
    assert rendered.shape == (4, 512, 512)
    assert np.array_equal(rendered[:3, ::2, ::2], _rescale(data, 0, 5000))


# --- presets, indices, drawing --------------------------------------------------------------


@pytest.mark.parametrize(
    ("preset", "names"),
    [
        ("truecolor", ("B04", "B03", "B02")),
        ("falsecolor", ("B08", "B04", "B03")),
        ("swir", ("B12", "B8A", "B04")),
        ("snow", ("B11", "B04", "B03")),
    ],
)
def test_presets_pick_their_bands_by_name(event, preset, names):
    s2 = _info(event, rasters.S2)  # B01..B12 with B8A, no B10
    eurosat = _info(event, rasters.EUROSAT, band_names=rasters.EUROSAT_BANDS)  # B8A last
    for info in (s2, eurosat):
        plan = _plan(info, preset=preset)
        assert plan.band_names == names
        assert [info.band_names[i - 1] for i in plan.indexes] == list(names)
    # ... and draw exactly what the same bands chosen by name draw.
    by_preset = tiles.render_tile(s2, 0, 0, 0, _plan(s2, preset=preset), space="image")
    by_name = tiles.render_tile(s2, 0, 0, 0, _plan(s2, bands=names), space="image")
    assert by_preset == by_name


def test_a_preset_the_image_cannot_do_names_the_missing_bands(event):
    info = _info(event, rasters.RGB)  # three unnamed bands: red, green, blue
    assert _plan(info, preset="truecolor").indexes == (1, 2, 3)
    with pytest.raises(tiles.TileParameterError) as caught:
        _plan(info, preset="swir")
    assert set(caught.value.fields) == {"preset"}
    assert "swir22" in caught.value.detail and "nir08" in caught.value.detail


def test_an_ndvi_tile_is_the_normalized_difference_through_the_colormap(event):
    info = _info(event, rasters.S2)
    plan = _plan(info, index="ndvi")
    assert plan.colormap == "rdylgn" and plan.in_range == ((-1.0, 1.0),)

    rendered = _decode(tiles.render_tile(info, 0, 0, 0, plan, space="image"))

    (nir, red), _ = _source(rasters.S2, [8, 4])
    colors = cmap.get("rdylgn")
    for row, col in [(0, 0), (10, 200), (128, 128), (255, 3), (77, 190)]:
        ndvi = (float(nir[row, col]) - float(red[row, col])) / (
            float(nir[row, col]) + float(red[row, col])
        )
        value = int(np.clip((ndvi + 1) / 2 * 255, 0, 255))
        candidates = [colors[v][:3] for v in (value - 1, value, value + 1) if 0 <= v <= 255]
        assert tuple(rendered[:3, row, col]) in candidates, (row, col, ndvi)
        assert rendered[3, row, col] == 255


def test_indices_use_their_bands(event):
    info = _info(event, rasters.S2)
    names = {name: _plan(info, index=name).band_names for name in tiles.INDICES}
    assert names == {
        "ndvi": ("B08", "B04"),
        "ndsi": ("B03", "B11"),
        "ndwi": ("B03", "B08"),
        "nbr": ("B08", "B12"),
    }
    with pytest.raises(tiles.TileParameterError) as caught:
        _plan(_info(event, rasters.JPEG), index="ndvi")
    assert set(caught.value.fields) == {"index"}


def test_gamma_and_brightness_apply_to_the_rescaled_values(event):
    info = _info(event, rasters.S2)
    base = dict(preset="truecolor", rescale=((0.0, 5000.0),))
    plain = _decode(tiles.render_tile(info, 0, 0, 0, _plan(info, **base), space="image"))
    adjusted = _decode(
        tiles.render_tile(
            info, 0, 0, 0, _plan(info, **base, gamma=2.0, brightness=0.1), space="image"
        )
    )
    lut = np.round(np.clip((np.arange(256) / 255) ** 0.5 + 0.1, 0, 1) * 255).astype("uint8")
    assert np.array_equal(adjusted[:3], lut[plain[:3]])


def test_a_single_band_can_take_a_colormap(event):
    info = _info(event, rasters.S2)
    plan = _plan(info, bands=("B11",), colormap="viridis", rescale=((0.0, 6000.0),))
    rendered = _decode(tiles.render_tile(info, 0, 0, 0, plan, space="image"))
    (swir,), _ = _source(rasters.S2, [11])
    value = int(_rescale(swir[5:6, 7:8], 0, 6000)[0, 0])
    assert tuple(rendered[:3, 5, 7]) == cmap.get("viridis")[value][:3]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"bands": ("B99",)}, "bands"),
        ({"bands": ("13",)}, "bands"),
        ({"bands": ("B04", "B03")}, "bands"),
        ({"preset": "sunset"}, "preset"),
        ({"index": "evi"}, "index"),
        ({"colormap": "no-such-map", "index": "ndvi"}, "colormap"),
        ({"colormap": "viridis", "preset": "truecolor"}, "colormap"),
        ({"rescale": ((5.0, 1.0),)}, "rescale"),
        ({"rescale": ((0.0, 1.0), (0.0, 1.0))}, "rescale"),
        ({"gamma": 0.0}, "gamma"),
        ({"gamma": 6.0}, "gamma"),
        ({"brightness": 1.5}, "brightness"),
        ({"tilesize": 300}, "tilesize"),
        ({"bands": ("B04",), "index": "ndvi"}, "index"),
    ],
)
def test_bad_parameters_are_refused_naming_them(event, params, field):
    info = _info(event, rasters.S2)
    with pytest.raises(tiles.TileParameterError) as caught:
        tiles.resolve(info, tiles.TileRequest(**params))
    assert set(caught.value.fields) == {field}


def test_default_rescale_without_stats_comes_from_the_overview(event):
    info = _info(event, rasters.S2, stats=[])
    plan = _plan(info)
    data, _ = _source(rasters.S2, [4])
    values = data[data > 0]
    low, high = plan.in_range[0]
    assert abs(low - np.percentile(values, 2)) < 0.02 * np.ptp(values)
    assert abs(high - np.percentile(values, 98)) < 0.02 * np.ptp(values)


# --- pixel values -------------------------------------------------------------------------


# RGB's COG is 4 x 3 blocks of 256 px, the last column and row cut short: its points are read
# in runs of neighbouring blocks.
@pytest.mark.parametrize(
    "source", [rasters.EUROSAT, rasters.S2, rasters.EOLEARN, rasters.JPEG, rasters.RGB]
)
def test_band_vectors_equal_a_direct_read(event, source):
    info = _info(event, source)
    rng = np.random.default_rng(3)
    points = [
        (float(x), float(y))
        for x, y in zip(
            rng.uniform(0, info.width, 200), rng.uniform(0, info.height, 200), strict=True
        )
    ]

    vectors = tiles.band_vectors(info, points)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(source) as src:
            for (x, y), found in zip(points, vectors, strict=True):
                row, col = int(y), int(x)
                window = rasterio.windows.Window(col, row, 1, 1)
                assert (found["row"], found["col"]) == (row, col)
                assert found["values"] == src.read(window=window)[:, 0, 0].tolist()
                assert found["reflectance"] is None  # no scale known


def test_band_vectors_at_lonlat_points_match_pyproj_and_the_file(event):
    info = _info(event, rasters.S2, reflectance_scale=1e-4, reflectance_offset=-0.1)
    with rasterio.open(rasters.S2) as src:
        to_lonlat = Transformer.from_crs(src.crs, "EPSG:4326", always_xy=True)
        cells = [(0, 0), (17, 250), (128, 64), (255, 255)]
        lonlat = [to_lonlat.transform(*src.xy(row, col)) for row, col in cells]
        expected = [src.read(window=rasterio.windows.Window(c, r, 1, 1))[:, 0, 0] for r, c in cells]

    vectors = tiles.band_vectors(info, lonlat, crs="lonlat")

    for (row, col), (lon, lat), want, found in zip(cells, lonlat, expected, vectors, strict=True):
        assert (found["row"], found["col"]) == (row, col)
        assert found["lon"] == pytest.approx(lon, abs=1e-9)
        assert found["lat"] == pytest.approx(lat, abs=1e-9)
        assert found["values"] == want.tolist()
        assert found["reflectance"] == pytest.approx((want * 1e-4 - 0.1).tolist())
        assert found["nodata"] is False


def test_nodata_pixels_are_flagged(event):
    info = _info(event, rasters.RGB, reflectance_scale=0.01)
    corner, centre = tiles.band_vectors(info, [(0.5, 0.5), (400, 350)])
    assert corner["values"] == [0, 0, 0] and corner["nodata"] is True
    assert corner["reflectance"] is None
    assert centre["nodata"] is False and centre["reflectance"] == pytest.approx(
        [v * 0.01 for v in centre["values"]]
    )


@pytest.mark.parametrize(
    ("points", "crs", "message"),
    [
        ([(1, 1), (791, 10)], "pixel", "Point 1"),
        ([(-0.1, 3)], "pixel", "Point 0"),
        ([(1, 1), (2, 2), (0, 0)], "lonlat", "Point 0"),  # lon/lat 0,0: far from Florida
    ],
)
def test_points_outside_the_image_are_refused_by_index(event, points, crs, message):
    info = _info(event, rasters.RGB)
    with pytest.raises(tiles.TileParameterError) as caught:
        tiles.band_vectors(info, points, crs=crs)
    assert set(caught.value.fields) == {"points"}
    assert message in caught.value.detail


def test_lonlat_points_need_a_georeference(event):
    with pytest.raises(tiles.TileParameterError) as caught:
        tiles.band_vectors(_info(event, rasters.JPEG), [(1, 1)], crs="lonlat")
    assert set(caught.value.fields) == {"crs"}


def test_the_block_cache_stays_within_its_budget_and_values_stay_right(event, settings):
    settings.LABELER_PIXEL_CACHE_MB = 1  # RGB.byte's 791 x 512 x 3 block fits, two do not
    info = _info(event, rasters.RGB)
    points = [(10.0, 10.0), (700.0, 700.0), (10.0, 10.0)]
    first = tiles.band_vectors(info, points)
    again = tiles.band_vectors(info, points)
    assert first == again
    assert tiles.BLOCKS._bytes <= 1024 * 1024
    data, _ = _source(rasters.RGB, [1, 2, 3])
    assert first[1]["values"] == data[:, 700, 700].tolist()
