"""workers/ingest.py: every real file of ../shared/data ingested end to end, and every bad
input refused with nothing left behind (no row, no file in storage)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
import shapely
from django.core.files.storage import default_storage

from events.errors import InvalidInput
from events.models import Image, ImageTag, LabelClass, Role
from tests.workers import imagery
from workers import ingest, rasters
from workers.errors import (
    CorruptRaster,
    DuplicateImage,
    RasterTooLarge,
    UnsupportedFormat,
    UnsupportedGeoreference,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> imagery.Media:  # type: ignore[no-untyped-def]
    return imagery.isolate_storage(settings, tmp_path)


@pytest.fixture
def manager(member):  # type: ignore[no-untyped-def]
    return member(Role.MANAGER)


def _ingest(event, manager, path: Path, **kwargs: Any) -> Image:  # type: ignore[no-untyped-def]
    return ingest.ingest_file(
        event=event, path=path, name=kwargs.pop("name", path.name), user=manager, **kwargs
    )


def _footprint(image: Image) -> Any:
    return shapely.from_wkb(bytes(image.footprint.wkb))


def assert_footprint(image: Image, path: Path) -> None:
    """The stored footprint against the file's bounds taken to EPSG:4326 by rasterio."""
    got = _footprint(image)
    expected = imagery.expected_footprint(path)
    assert got.is_valid
    assert got.bounds == pytest.approx(imagery.expected_bounds(path), abs=1e-6)
    # Within a metre everywhere (1e-5 degree): the edges are densified, not straight chords.
    assert shapely.hausdorff_distance(got, expected) < 1e-5
    assert shapely.symmetric_difference(got, expected).area < 1e-5 * expected.area


def assert_cog(image: Image, path: Path) -> None:
    """The stored COG is a COG, tiled with overviews when large, with the original's grid,
    nodata, band names and pixels."""
    with rasterio.open(default_storage.path(image.file.name)) as out, rasterio.open(path) as src:
        assert out.driver == "GTiff"
        assert out.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
        assert out.compression.name == "zstd"
        assert out.block_shapes[0] == (256, 256)
        if max(out.width, out.height) > 256:
            assert out.profile["tiled"] and out.overviews(1)
        assert (out.width, out.height, out.count) == (src.width, src.height, src.count)
        assert out.transform == src.transform
        assert (out.crs is None) == (src.crs is None)
        if src.crs:
            assert out.crs.to_wkt() == src.crs.to_wkt() or out.crs == src.crs
        assert out.nodata == src.nodata
        assert list(out.descriptions) == image.band_names
        assert np.array_equal(out.read(), src.read())


def assert_previews(image: Image) -> None:
    for field, size in ((image.preview, 1024), (image.thumbnail, 256)):
        with field.open("rb") as handle:
            png = handle.read()
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        with rasterio.MemoryFile(png) as memory, memory.open() as preview:
            assert (preview.width, preview.height) == rasters.preview_size(
                image.width, image.height, size
            )


def assert_stats(image: Image, path: Path) -> None:
    assert len(image.stats) == image.band_count
    for band, (p2, p98) in zip(image.stats, imagery.numpy_percentiles(path), strict=True):
        assert band["p2"] == pytest.approx(p2)
        assert band["p98"] == pytest.approx(p98)


REAL_FILES = [
    # path, (width, height, count, dtype, nodata, crs), band names, source, reflectance scale
    (
        imagery.RGB_BYTE,
        (791, 718, 3, "uint8", 0.0, "EPSG:32618"),
        ["red", "green", "blue"],
        "geotiff",
        None,
    ),
    (
        imagery.RGB_TENTH,
        (79, 71, 3, "uint8", 0.0, 'PROJCS["UTM Zone 18, Northern Hemisphere"'),
        ["red", "green", "blue"],
        "geotiff",
        None,
    ),
    *[
        (path, (64, 64, 13, "uint16", None, crs), rasters.S2_EUROSAT, "geotiff", 1e-4)
        for path, crs in zip(
            imagery.EUROSAT, ["EPSG:32635", "EPSG:32632", "EPSG:32635"], strict=True
        )
    ],
    (imagery.S2_L2A, (256, 256, 12, "uint16", 0.0, "EPSG:32629"), rasters.S2_L2A, "geotiff", 1e-4),
    (imagery.S2_SCL, (256, 256, 1, "uint8", 0.0, "EPSG:32629"), ["SCL"], "geotiff", None),
    (
        imagery.EO_FLOAT,
        (11, 17, 5, "float32", None, "EPSG:4326"),
        [f"band{i}" for i in range(1, 6)],
        "geotiff",
        1.0,
    ),
    *[
        (tile, (512, 512, 3, "uint8", None, "EPSG:4326"), ["red", "green", "blue"], "upload", None)
        for tile in imagery.GIBS_TILES
    ],
]


@pytest.mark.parametrize(
    ("path", "grid", "names", "source", "scale"), REAL_FILES, ids=lambda v: getattr(v, "name", "")
)
def test_real_files_are_ingested_end_to_end(  # type: ignore[no-untyped-def]
    event, manager, media, path, grid, names, source, scale
) -> None:
    image = _ingest(event, manager, path, provenance={"note": "test"})

    width, height, count, dtype, nodata, crs = grid
    image.refresh_from_db()
    assert (image.width, image.height, image.band_count, image.dtype) == (
        width,
        height,
        count,
        dtype,
    )
    assert image.nodata == nodata
    assert image.crs.startswith(crs)
    assert image.band_names == names
    assert (image.source, image.status) == (source, Image.Status.READY)
    assert image.reflectance_scale == scale and image.reflectance_offset == 0.0
    assert image.checksum == ingest.file_sha256(path) and len(image.checksum) == 64
    assert image.created_by == manager
    assert image.provenance["note"] == "test"
    assert image.provenance["original"]["name"] == path.name
    with rasterio.open(path) as src:
        assert image.transform == pytest.approx(list(src.transform)[:6])
    assert_footprint(image, path)
    assert_cog(image, path)
    assert_previews(image)
    assert_stats(image, path)
    assert len(media.files()) == 3  # the COG, the preview, the thumbnail: nothing else


def test_the_scl_mask_is_a_one_band_byte_image_with_nearest_overviews(  # type: ignore[no-untyped-def]
    event, manager, tmp_path
) -> None:
    path = imagery.scl_without_overviews(tmp_path / "SCL.tif")

    image = _ingest(event, manager, path)

    assert (image.band_count, image.dtype, image.nodata) == (1, "uint8", 0.0)
    assert image.band_names == ["gray"]  # the plain copy has no description
    assert image.reflectance_scale is None
    with rasterio.open(default_storage.path(image.file.name)) as out:
        assert out.overviews(1) == [2, 4]  # down to one 256 px block
        overview = out.read(1, out_shape=(out.height // 2, out.width // 2))
    # Averaged overviews would invent classes (e.g. 7 between 5 and 9): nearest keeps them.
    assert set(np.unique(overview).tolist()) <= {0, 2, 5, 7, 8, 9, 10}


def test_a_gibs_jpeg_is_placed_by_its_world_file(event, manager) -> None:  # type: ignore[no-untyped-def]
    tile = imagery.GIBS_TILES[1]
    image = _ingest(event, manager, tile)

    assert image.crs == "EPSG:4326"
    west, south, east, north = imagery.world_file_bounds(tile.with_suffix(".wld"), 512, 512)
    assert (west, south, east, north) == (-81.0, 36.0, -72.0, 45.0)
    assert _footprint(image).bounds == pytest.approx((west, south, east, north))


def test_the_jpeg_without_its_sidecars_is_pixel_space_only(event, manager, tmp_path) -> None:  # type: ignore[no-untyped-def]
    alone = tmp_path / "alone.jpg"
    shutil.copy(imagery.GIBS_TILES[0], alone)

    image = _ingest(event, manager, alone)

    assert (image.crs, image.transform, image.footprint) == ("", None, None)
    assert image.source == "upload"
    assert_previews(image)


def test_a_plain_jpeg_and_a_png(event, manager, tmp_path) -> None:  # type: ignore[no-untyped-def]
    jpeg = _ingest(event, manager, imagery.EUROSAT_RGB)
    png_path = tmp_path / "patch.png"
    png_path.write_bytes(imagery.png_bytes(np.full((4, 30, 40), 120, dtype="uint8")))
    png = _ingest(event, manager, png_path)

    assert (jpeg.width, jpeg.height, jpeg.crs, jpeg.footprint) == (64, 64, "", None)
    assert (png.width, png.height, png.band_names) == (40, 30, ["red", "green", "blue", "alpha"])
    assert_cog(png, png_path)
    assert_previews(png)


@pytest.mark.parametrize(("zone", "west"), [(60, 600_000), (1, 100_000)])
def test_an_image_across_the_antimeridian_gets_a_multipolygon(  # type: ignore[no-untyped-def]
    event, manager, tmp_path, zone, west
) -> None:
    path = imagery.utm_tiff(tmp_path / f"zone{zone}.tif", zone=zone, west=west)

    image = _ingest(event, manager, path)

    footprint = _footprint(image)
    assert footprint.geom_type == "MultiPolygon"
    east_part, west_part = sorted(footprint.geoms, key=lambda p: -p.bounds[0])
    assert east_part.bounds[2] == pytest.approx(180) and east_part.bounds[0] > 177
    assert west_part.bounds[0] == pytest.approx(-180) and west_part.bounds[2] < -177
    expected = imagery.expected_footprint(path)  # OGR's own antimeridian cut
    assert expected.geom_type == "MultiPolygon"
    assert shapely.hausdorff_distance(footprint, expected) < 1e-5


# --- duplicates, tags ------------------------------------------------------------------------


def test_the_same_bytes_twice_are_a_duplicate_naming_the_first(event, manager, media) -> None:  # type: ignore[no-untyped-def]
    first = _ingest(event, manager, imagery.RGB_TENTH)
    files = media.files()

    with pytest.raises(
        DuplicateImage, match=rf"is already in this event as image {first.pk}"
    ) as exc:
        _ingest(event, manager, imagery.RGB_TENTH, name="again.tif")

    assert exc.value.existing_image == first.pk
    assert Image.objects.count() == 1
    assert media.files() == files


def test_the_same_bytes_in_another_event_are_not_a_duplicate(event, manager) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import EventFactory

    _ingest(event, manager, imagery.RGB_TENTH)
    other = EventFactory(team=event.team)
    assert _ingest(other, manager, imagery.RGB_TENTH).event == other


def test_tags_are_set_positive_and_classes_made_when_missing(event, manager) -> None:  # type: ignore[no-untyped-def]
    existing = LabelClass.objects.create(event=event, name="dry", kind=LabelClass.Kind.TAG)

    image = _ingest(event, manager, imagery.RGB_TENTH, tags=("flood", "dry"))

    flood = LabelClass.objects.get(event=event, name="flood")
    assert flood.kind == LabelClass.Kind.TAG
    tags = {t.label_class_id: t for t in ImageTag.objects.filter(image=image)}
    assert set(tags) == {flood.pk, existing.pk}
    assert {t.state for t in tags.values()} == {"positive"}
    assert {t.author for t in tags.values()} == {manager}


def test_a_tag_clashing_with_an_object_class_fails_leaving_nothing(event, manager, media) -> None:  # type: ignore[no-untyped-def]
    LabelClass.objects.create(event=event, name="water", kind=LabelClass.Kind.OBJECT)

    with pytest.raises(InvalidInput, match="'water' is a label class of kind object"):
        _ingest(event, manager, imagery.RGB_TENTH, tags=("water",))

    assert not Image.objects.exists()
    assert media.files() == []


# --- bad input ---------------------------------------------------------------------------------


def _bad_files(tmp: Path) -> dict[str, tuple[Path, type[Exception], str]]:
    text = tmp / "notes.tif"
    text.write_text("not an image\n")
    empty = tmp / "empty.tif"
    empty.write_bytes(b"")
    bomb = tmp / "bomb.png"
    bomb.write_bytes(imagery.png_bomb())
    broken = tmp / "broken.tif"
    broken.write_bytes(imagery.RGB_BYTE.read_bytes()[:4000])
    return {
        "truncated png": (
            imagery.truncated_png(tmp / "cut.png"),
            CorruptRaster,
            r"cut\.png is corrupt or truncated",
        ),
        "truncated jpeg": (
            imagery.truncated_jpeg(tmp / "cut.jpg"),
            CorruptRaster,
            r"cut\.jpg is corrupt or truncated",
        ),
        "text renamed .tif": (text, UnsupportedFormat, r"notes\.tif is not a supported image"),
        "zero size": (empty, CorruptRaster, r"empty\.tif is empty"),
        "decompression bomb": (bomb, RasterTooLarge, r"bomb\.png declares 100000 x 100000"),
        "truncated data": (
            imagery.truncated_cog(imagery.RGB_BYTE, tmp / "cut.tif"),
            CorruptRaster,
            r"cut\.tif is corrupt or truncated",
        ),
        "corrupt tiff": (broken, CorruptRaster, r"broken\.tif"),
        "rotated transform": (
            imagery.rotated_tiff(tmp / "rotated.tif"),
            UnsupportedGeoreference,
            "rotated transforms are not supported",
        ),
        "crs without transform": (
            imagery.crs_without_transform_tiff(tmp / "lost.tif"),
            UnsupportedGeoreference,
            "has a CRS but no usable geotransform",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "truncated png",
        "truncated jpeg",
        "text renamed .tif",
        "zero size",
        "decompression bomb",
        "truncated data",
        "corrupt tiff",
        "rotated transform",
        "crs without transform",
    ],
)
def test_bad_files_are_refused_naming_the_problem_and_leave_nothing(  # type: ignore[no-untyped-def]
    event, manager, media, tmp_path, case
) -> None:
    path, error, message = _bad_files(tmp_path)[case]

    with pytest.raises(error, match=message):
        _ingest(event, manager, path)

    assert not Image.objects.exists()
    assert media.files() == []


def test_truncated_data_missed_by_a_sampled_read_is_caught_by_the_cog(  # type: ignore[no-untyped-def]
    event, manager, media, tmp_path, monkeypatch
) -> None:
    """Statistics of a big image read a sample; the COG conversion reads every pixel."""
    path = imagery.truncated_cog(imagery.RGB_BYTE, tmp_path / "cut.tif", keep=0.9)
    full = rasters.band_statistics(imagery.RGB_BYTE)
    monkeypatch.setattr(rasters, "band_statistics", lambda path, name=None: full)

    with pytest.raises(CorruptRaster, match=r"cut\.tif is corrupt or truncated: .*failed"):
        _ingest(event, manager, path)

    assert not Image.objects.exists()
    assert media.files() == []


def test_a_failure_after_the_files_are_written_deletes_them(  # type: ignore[no-untyped-def]
    event, manager, media, monkeypatch
) -> None:
    def broken_create(**kwargs: Any) -> Image:
        assert len(media.files()) == 3  # the COG, preview and thumbnail are in storage
        raise RuntimeError("database went away")

    monkeypatch.setattr(ingest, "image_create", broken_create)

    with pytest.raises(RuntimeError, match="database went away"):
        _ingest(event, manager, imagery.RGB_TENTH)

    assert not Image.objects.exists()
    assert media.files() == []


def test_images_remove_deletes_rows_and_files(event, manager, media) -> None:  # type: ignore[no-untyped-def]
    image = _ingest(event, manager, imagery.RGB_TENTH)
    assert len(media.files()) == 3

    ingest.images_remove([image])

    assert not Image.objects.exists()
    assert media.files() == []


def test_deleting_an_ingested_image_deletes_its_three_files(  # type: ignore[no-untyped-def]
    event, manager, media, django_capture_on_commit_callbacks
) -> None:
    from events.services.images import image_delete

    image = _ingest(event, manager, imagery.RGB_TENTH)
    assert len(media.files()) == 3

    with django_capture_on_commit_callbacks(execute=True):
        image_delete(user=manager, image=image)

    assert media.files() == []


def test_a_long_file_name_and_an_acquisition_time_are_kept(event, manager, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    name = "S2A_MSIL2A_20200219T110931_N0214_R137_T29RKH_20200219T122233_" + "x" * 60 + ".png"
    path = tmp_path / "patch.png"
    path.write_bytes(imagery.png_bytes(np.full((3, 20, 20), 90, dtype="uint8")))
    when = dt.datetime(2020, 2, 19, 11, 9, 31, tzinfo=dt.UTC)

    image = _ingest(event, manager, path, name=name, acquired_at=when)

    image.refresh_from_db()
    assert image.name == name and image.acquired_at == when
    assert len(image.file.name) > 100  # storage names keep up to 80 characters of the name
    assert default_storage.exists(image.file.name)
