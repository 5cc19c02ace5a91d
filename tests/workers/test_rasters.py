"""workers/rasters.py on the real files of ../shared/data and on rasters built here."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from affine import Affine

from tests.workers import imagery
from workers import rasters
from workers.errors import (
    CorruptRaster,
    RasterTooLarge,
    UnsupportedFormat,
    UnsupportedGeoreference,
)

# --- sniffing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        (imagery.RGB_BYTE, "tiff"),
        (imagery.GIBS_TILES[0], "jpeg"),
        (imagery.EO_FLOAT, "tiff"),
        (imagery.DATA / "README.md", None),
    ],
)
def test_sniff_file_reads_magic_bytes(path, kind) -> None:  # type: ignore[no-untyped-def]
    assert rasters.sniff_file(path) == kind


def test_sniff_format_knows_png_bigtiff_and_zip() -> None:
    assert rasters.sniff_format(imagery.small_png()) == "png"
    assert rasters.sniff_format(b"II+\x00\x08\x00\x00\x00") == "tiff"  # BigTIFF
    assert rasters.sniff_format(b"MM\x00*") == "tiff"
    assert rasters.sniff_format(imagery.zip_bytes({"a.png": b"x"})) == "zip"
    assert rasters.describe_content(b"hello world\n") == "its content is text"
    assert rasters.describe_content(b"") == "it is empty"


# --- inspect_raster: the real files ----------------------------------------------------------


def test_inspect_rgb_byte() -> None:
    info = rasters.inspect_raster(imagery.RGB_BYTE)

    assert (info.driver, info.width, info.height, info.count, info.dtype) == (
        "GTiff",
        791,
        718,
        3,
        "uint8",
    )
    assert info.crs == "EPSG:32618"
    assert info.nodata == 0.0
    with rasterio.open(imagery.RGB_BYTE) as src:
        assert info.transform == list(src.transform)[:6]
    assert info.georeferenced


def test_a_crs_without_epsg_code_keeps_its_wkt() -> None:
    info = rasters.inspect_raster(imagery.RGB_TENTH)

    with rasterio.open(imagery.RGB_TENTH) as src:
        assert src.crs.to_epsg() is None  # the edge case this file is here for
        assert info.crs == src.crs.to_wkt()
    assert info.crs.startswith('PROJCS["UTM Zone 18, Northern Hemisphere"')
    assert info.georeferenced


def test_a_jpeg_with_world_file_and_aux_xml_is_georeferenced() -> None:
    tile = imagery.GIBS_TILES[0]
    info = rasters.inspect_raster(tile)

    assert (info.driver, info.crs, info.count, info.dtype) == ("JPEG", "EPSG:4326", 3, "uint8")
    west, south, east, north = imagery.world_file_bounds(tile.with_suffix(".wld"), 512, 512)
    assert info.transform == pytest.approx(
        [(east - west) / 512, 0, west, 0, -(north - south) / 512, north]
    )
    assert (west, north) == (-90.0, 45.0)


def test_a_plain_jpeg_keeps_pixel_space_only() -> None:
    info = rasters.inspect_raster(imagery.EUROSAT_RGB)

    assert (info.crs, info.transform, info.georeferenced) == ("", None, False)
    assert (info.width, info.height, info.count) == (64, 64, 3)


# --- inspect_raster: refusals ----------------------------------------------------------------


def test_an_empty_file_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "empty.tif"
    path.write_bytes(b"")
    with pytest.raises(CorruptRaster, match=r"empty\.tif is empty \(0 bytes\)"):
        rasters.inspect_raster(path)


def test_text_renamed_tif_is_refused_as_text(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "notes.tif"
    path.write_text("these are my field notes, not an image\n")
    with pytest.raises(
        UnsupportedFormat, match=r"notes\.tif is not a supported image: its content is text"
    ):
        rasters.inspect_raster(path)


def test_a_zip_is_not_an_image(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "scene.tif"
    path.write_bytes(imagery.zip_bytes({"a.png": imagery.small_png()}))
    with pytest.raises(UnsupportedFormat, match="its content is ZIP"):
        rasters.inspect_raster(path)


def test_a_corrupt_tiff_header_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "broken.tif"
    path.write_bytes(b"II*\x00" + b"\xff" * 200)
    with pytest.raises(CorruptRaster, match=r"broken\.tif could not be read as TIFF"):
        rasters.inspect_raster(path)


def test_truncated_pixel_data_is_caught_by_reading_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = imagery.truncated_cog(imagery.RGB_BYTE, tmp_path / "cut.tif")

    header_only = rasters.inspect_raster(path, read_data=False)  # the header is intact
    assert (header_only.width, header_only.height) == (791, 718)
    with pytest.raises(CorruptRaster, match=r"cut\.tif is corrupt or truncated"):
        rasters.inspect_raster(path)


@pytest.mark.parametrize("make", [imagery.truncated_png, imagery.truncated_jpeg])
def test_truncated_png_and_jpeg_are_caught(make, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path / ("cut.png" if make is imagery.truncated_png else "cut.jpg"))

    with pytest.raises(CorruptRaster, match=rf"{path.name} is corrupt or truncated: .*"):
        rasters.inspect_raster(path)
    with pytest.raises(CorruptRaster, match="is corrupt or truncated"):
        rasters.band_statistics(path)
    with pytest.raises(CorruptRaster, match="is corrupt or truncated"):
        rasters.write_cog(path, tmp_path / "cog.tif")


def test_read_errors_say_what_gdal_said(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = imagery.truncated_cog(imagery.RGB_BYTE, tmp_path / "cut.tif")

    with pytest.raises(CorruptRaster) as exc:
        rasters.band_statistics(path, name="upload.zip/cut.tif")

    assert exc.value.detail.startswith("upload.zip/cut.tif is corrupt or truncated: ")
    assert "Read error" in exc.value.detail  # libtiff's words, the root of GDAL's chain
    assert "See previous exception" not in exc.value.detail


def test_a_decompression_bomb_is_refused_from_its_header(tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bomb.png"
    path.write_bytes(imagery.png_bomb(100_000, 100_000))
    assert path.stat().st_size < 200

    with pytest.raises(RasterTooLarge, match=r"bomb\.png declares 100000 x 100000 pixels"):
        rasters.inspect_raster(path)


def test_the_pixel_limit_is_the_setting(tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    settings.LABELER_MAX_IMAGE_PIXELS = 64 * 64 - 1
    with pytest.raises(RasterTooLarge, match="LABELER_MAX_IMAGE_PIXELS"):
        rasters.inspect_raster(imagery.EUROSAT[0])
    settings.LABELER_MAX_IMAGE_PIXELS = 64 * 64
    assert rasters.inspect_raster(imagery.EUROSAT[0]).width == 64


def test_a_rotated_transform_is_refused_with_a_way_out(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = imagery.rotated_tiff(tmp_path / "rotated.tif")
    with pytest.raises(
        UnsupportedGeoreference,
        match=r"rotated\.tif: rotated transforms are not supported; "
        r"warp to north-up first, e\.g\. gdalwarp",
    ):
        rasters.inspect_raster(path)


def test_a_crs_without_a_transform_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = imagery.crs_without_transform_tiff(tmp_path / "lost.tif")
    with pytest.raises(
        UnsupportedGeoreference, match=r"lost\.tif has a CRS but no usable geotransform"
    ):
        rasters.inspect_raster(path)


def test_gcps_only_are_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from rasterio.control import GroundControlPoint

    path = tmp_path / "gcps.tif"
    gcps = [
        GroundControlPoint(row=0, col=0, x=10.0, y=50.0),
        GroundControlPoint(row=0, col=20, x=10.2, y=50.0),
        GroundControlPoint(row=20, col=0, x=10.0, y=49.8),
    ]
    with rasterio.open(
        path, "w", driver="GTiff", width=20, height=20, count=1, dtype="uint8",
        gcps=gcps, crs="EPSG:4326",
    ) as dst:  # fmt: skip
        dst.write(np.ones((1, 20, 20), dtype="uint8"))
    with pytest.raises(UnsupportedGeoreference, match="ground control points only"):
        rasters.inspect_raster(path)


def test_an_unsupported_data_type_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = imagery.write_tiff(tmp_path / "complex.tif", np.ones((1, 8, 8), dtype="complex64"))
    with pytest.raises(UnsupportedFormat, match=r"complex\.tif has data type complex64"):
        rasters.inspect_raster(path)


def test_a_transform_without_crs_is_kept_but_not_georeferenced(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = imagery.write_tiff(
        tmp_path / "local.tif",
        np.ones((1, 8, 8), dtype="uint8"),
        transform=Affine(2, 0, 100, 0, -2, 200),
    )
    info = rasters.inspect_raster(path)
    assert info.crs == ""
    assert info.transform == [2, 0, 100, 0, -2, 200]
    assert not info.georeferenced


# --- band names --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", imagery.EUROSAT, ids=lambda p: p.stem)
def test_eurosat_patches_are_recognised_in_their_own_band_order(path) -> None:  # type: ignore[no-untyped-def]
    info = rasters.inspect_raster(path)
    assert info.descriptions == [None] * 13  # nothing in the file says so

    assert rasters.band_names(info, path) == rasters.S2_EUROSAT
    assert rasters.band_names(info, path)[-1] == "B8A"


@pytest.mark.parametrize("path", imagery.EUROSAT, ids=lambda p: p.stem)
def test_the_same_patch_in_standard_l1c_order_is_told_apart(path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Reorder a EuroSAT patch into ESA's order (B8A after B08): it must read as L1C."""
    with rasterio.open(path) as src:
        data, profile = src.read(), src.profile
    standard = [rasters.S2_EUROSAT.index(band) for band in rasters.S2_L1C]
    reordered = tmp_path / "standard.tif"
    with rasterio.open(reordered, "w", **profile) as dst:
        dst.write(data[standard])
    info = rasters.inspect_raster(reordered)

    assert rasters.band_names(info, reordered) == rasters.S2_L1C


def test_the_eurosat_rule_is_a_clear_margin() -> None:
    """Position 10 (B10 in EuroSAT's order) is many times darker than position 11 (B11)."""
    for path in imagery.EUROSAT:
        at10, at11 = rasters._band_means(path, [10, 11])
        assert at10 * 4 < at11, (path.name, at10, at11)


@pytest.mark.parametrize("path", imagery.EUROSAT, ids=lambda p: p.stem)
def test_statistics_tell_the_orders_apart_without_another_read(path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    info = rasters.inspect_raster(path)
    stats = rasters.band_statistics(path)
    monkeypatch.setattr(rasters, "_band_means", lambda *a: pytest.fail("read again"))

    assert rasters.band_names(info, path, stats=stats) == rasters.S2_EUROSAT


def test_descriptions_win_over_recognition() -> None:
    info = rasters.inspect_raster(imagery.S2_L2A)
    assert rasters.band_names(info, imagery.S2_L2A) == rasters.S2_L2A
    scl = rasters.inspect_raster(imagery.S2_SCL)
    assert rasters.band_names(scl, imagery.S2_SCL) == ["SCL"]


def test_twelve_bands_without_descriptions_are_l2a(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = imagery.write_tiff(tmp_path / "l2a.tif", np.ones((12, 8, 8), dtype="uint16"))
    assert rasters.band_names(rasters.inspect_raster(path), path) == rasters.S2_L2A


def test_a_declared_band_order_wins_and_must_fit() -> None:
    path = imagery.EUROSAT[0]
    info = rasters.inspect_raster(path)

    assert rasters.band_names(info, path, declared="l1c") == rasters.S2_L1C
    with pytest.raises(Exception, match="Band order 'l2a' is for 12 bands; the image has 13"):
        rasters.band_names(info, path, declared="l2a")


@pytest.mark.parametrize(
    ("data", "photometric", "expected"),
    [
        (np.ones((3, 8, 8), "uint8"), None, ["red", "green", "blue"]),
        (np.ones((1, 8, 8), "uint16"), None, ["gray"]),
        # GDAL marks band 4 of a 4-band byte TIFF as alpha unless told otherwise.
        (np.ones((4, 8, 8), "uint8"), None, ["red", "green", "blue", "alpha"]),
        (np.ones((4, 8, 8), "uint8"), "MINISBLACK", ["red", "green", "blue", "nir"]),
        (np.ones((4, 8, 8), "uint8"), "RGB", ["red", "green", "blue", "nir"]),
        (np.ones((5, 8, 8), "float32"), None, ["band1", "band2", "band3", "band4", "band5"]),
    ],
)
def test_band_names_by_count(data, photometric, expected, tmp_path) -> None:  # type: ignore[no-untyped-def]
    extra = {"photometric": photometric, "alpha": "UNSPECIFIED"} if photometric else {}
    path = imagery.write_tiff(tmp_path / "x.tif", data, **extra)
    assert rasters.band_names(rasters.inspect_raster(path), path) == expected


def test_an_rgba_png_has_an_alpha_band(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "rgba.png"
    path.write_bytes(imagery.png_bytes(np.full((4, 8, 8), 200, dtype="uint8")))
    assert rasters.band_names(rasters.inspect_raster(path), path) == [
        "red",
        "green",
        "blue",
        "alpha",
    ]


def test_the_float_eo_learn_file_has_generic_names() -> None:
    info = rasters.inspect_raster(imagery.EO_FLOAT)
    assert (info.dtype, info.count, info.crs) == ("float32", 5, "EPSG:4326")
    assert rasters.band_names(info, imagery.EO_FLOAT) == [f"band{i}" for i in range(1, 6)]


# --- statistics and reflectance -------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [imagery.RGB_BYTE, imagery.S2_L2A, imagery.EO_FLOAT, *imagery.EUROSAT],
    ids=lambda p: p.name,
)
def test_band_statistics_match_numpy_on_the_original(path) -> None:  # type: ignore[no-untyped-def]
    stats = rasters.band_statistics(path)
    expected = imagery.numpy_percentiles(path)

    assert len(stats) == len(expected)
    for band, (p2, p98) in zip(stats, expected, strict=True):
        assert set(band) == {"min", "max", "mean", "std", "p2", "p98"}
        assert band["p2"] == pytest.approx(p2)
        assert band["p98"] == pytest.approx(p98)
        assert band["min"] <= band["p2"] <= band["p98"] <= band["max"]


@pytest.mark.parametrize("dtype", ["int16", "uint16", "uint8", "float32", "int32"])
def test_statistics_read_in_chunks_are_numpys(dtype, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Histograms (8/16-bit) and value samples (others), over many row chunks, give numpy's
    figures on the whole array, negative values and nodata included."""
    monkeypatch.setattr(rasters, "_STATS_CHUNK_SAMPLES", 2 * 97 * 10)  # ~10 rows a chunk
    rng = np.random.default_rng(7)
    data = rng.normal(20, 40, (2, 101, 97)).astype(dtype)
    data[:, :5, :5] = 7  # the nodata value, left out
    path = imagery.write_tiff(tmp_path / "x.tif", data, nodata=7)

    stats = rasters.band_statistics(path)

    for band, figures in zip(data, stats, strict=True):
        valid = band[band != 7].astype(np.float64)
        assert figures["min"] == valid.min() and figures["max"] == valid.max()
        assert figures["mean"] == pytest.approx(valid.mean())
        assert figures["std"] == pytest.approx(valid.std())
        assert [figures["p2"], figures["p98"]] == pytest.approx(np.percentile(valid, [2, 98]))


def test_nodata_is_left_out_of_the_statistics() -> None:
    # RGB.byte.tif has nodata 0 in its rotated corners: no band's minimum is 0.
    stats = rasters.band_statistics(imagery.RGB_BYTE)
    assert all(band["min"] > 0 for band in stats)


def test_an_all_nodata_band_has_no_statistics(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = imagery.write_tiff(tmp_path / "empty.tif", np.zeros((1, 8, 8), "uint8"), nodata=0)
    assert rasters.band_statistics(path) == [
        dict.fromkeys(("min", "max", "mean", "std", "p2", "p98"))
    ]


def test_big_images_are_measured_on_a_sample(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    data = imagery.smooth((1, 400, 400), seed=3).astype("uint16")
    path = imagery.write_tiff(tmp_path / "big.tif", data)
    monkeypatch.setattr(rasters, "STATS_MAX_PIXELS", 100 * 100)

    stats = rasters.band_statistics(path)[0]

    p2, p98 = np.percentile(data, [2, 98])
    assert stats["p2"] == pytest.approx(p2, rel=0.05)
    assert stats["p98"] == pytest.approx(p98, rel=0.05)


def test_reflectance_scale() -> None:
    l2a = rasters.band_statistics(imagery.S2_L2A)
    assert rasters.reflectance_scale("uint16", rasters.S2_L2A, l2a) == 1e-4
    floats = rasters.band_statistics(imagery.EO_FLOAT)
    assert rasters.reflectance_scale("float32", ["band1"] * 5, floats) == 1.0
    assert rasters.reflectance_scale("float32", ["band1"], [{"p98": 250.0}]) is None
    assert rasters.reflectance_scale("uint8", ["red", "green", "blue"], []) is None


# --- COG and previews ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [imagery.RGB_BYTE, imagery.EO_FLOAT, imagery.GIBS_TILES[0], imagery.EUROSAT_RGB],
    ids=lambda p: p.name,
)
def test_write_cog_is_a_lossless_cog_with_the_band_names(path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    info = rasters.inspect_raster(path)
    names = rasters.band_names(info, path)
    cog = tmp_path / "cog.tif"

    rasters.write_cog(path, cog, descriptions=names)

    with rasterio.open(cog) as out, rasterio.open(path) as src:
        assert out.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
        assert out.block_shapes[0] == (256, 256)  # tiled (the COG driver always tiles)
        assert out.compression.name == "zstd"
        assert out.descriptions == tuple(names)
        assert out.crs == src.crs and out.transform == src.transform
        assert out.nodata == src.nodata
        if max(out.width, out.height) > 256:  # overviews down to one tile
            assert out.profile["tiled"] and out.overviews(1)
        assert np.array_equal(out.read(), src.read())


def test_categorical_images_get_nearest_overviews(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = imagery.scl_without_overviews(tmp_path / "SCL.tif")
    info = rasters.inspect_raster(path)
    assert rasters.overview_resampling(info, path) == "nearest"
    assert (
        rasters.overview_resampling(rasters.inspect_raster(imagery.RGB_BYTE), imagery.RGB_BYTE)
        == "average"
    )
    cog = tmp_path / "scl.tif"

    rasters.write_cog(path, cog, resampling="nearest")

    with rasterio.open(cog) as out, rasterio.open(path) as src:
        classes = set(np.unique(src.read(1)).tolist())
        assert out.overviews(1) == [2, 4]  # down to one 256 px block
        overview = out.read(1, out_shape=(out.height // 2, out.width // 2))
        assert set(np.unique(overview).tolist()) <= classes  # no averaged class codes
    rasters.write_cog(path, cog, resampling="average")
    with rasterio.open(cog) as out:  # the check can fail: averaging invents classes
        overview = out.read(1, out_shape=(out.height // 2, out.width // 2))
        assert not set(np.unique(overview).tolist()) <= classes


@pytest.mark.parametrize(("max_size", "expected"), [(256, (256, 232)), (1024, (791, 718))])
def test_render_preview_is_a_png_of_the_right_size(max_size, expected, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cog = tmp_path / "cog.tif"
    rasters.write_cog(imagery.RGB_BYTE, cog)
    stats = rasters.band_statistics(imagery.RGB_BYTE)

    png = rasters.render_preview(cog, max_size, names=["red", "green", "blue"], stats=stats)

    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "p.png").write_bytes(png)
    with rasterio.open(tmp_path / "p.png") as out:
        assert (out.width, out.height) == expected
        assert out.count == 4  # RGB + alpha: nodata is transparent
        alpha = out.read(4)
        assert alpha[0, 0] == 0 and alpha[out.height // 2, out.width // 2] == 255


def test_sentinel2_previews_are_true_colour() -> None:
    assert rasters.preview_bands(rasters.S2_L2A, 12) == [4, 3, 2]
    assert rasters.preview_bands(rasters.S2_EUROSAT, 13) == [4, 3, 2]
    assert rasters.preview_bands(["gray"], 1) == [1]
    assert rasters.preview_bands(["band1", "band2", "band3", "band4", "band5"], 5) == [1, 2, 3]
