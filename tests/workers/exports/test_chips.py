"""Image chips (workers/exports/chips.py) on the real georeferenced RGB.byte.tif: the grid,
transforms, clipped annotations, masks, geographic geometry, splits and written pixels."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import Transformer
from rasterio.errors import NotGeoreferencedWarning
from rasterio.windows import transform as window_transform

from events.errors import InvalidInput
from events.geometry import rle_decode
from tests.exports_data import MASK_COLS, MASK_ROWS, sample_snapshot
from tests.rasters import JPEG, RGB
from workers.exports.base import ImageRecord, Snapshot
from workers.exports.chips import (
    chip_offsets,
    chip_options,
    chip_window,
    chipped,
    source_image_id,
    write_chip_image,
)

# RGB.byte.tif is 791 x 718: 256-px chips start at columns 0, 256, 512 and 535 (shifted
# inward to end on the edge) and rows 0, 256 and 462.
COLS_256, ROWS_256 = [0, 256, 512, 535], [0, 256, 462]


def _chips(size: int = 256, overlap: int = 0, keep_empty: bool = True) -> list[ImageRecord]:
    return list(
        chipped(sample_snapshot(), size=size, overlap=overlap, keep_empty=keep_empty).images()
    )


def _by_name(chips: list[ImageRecord]) -> dict[str, ImageRecord]:
    return {c.name: c for c in chips}


def _bbox(record: ImageRecord, annotation_kind: str = "bbox") -> list[list[float]]:
    boxes = []
    for a in record.annotations:
        if a.kind == annotation_kind:
            ring = a.geometry["coordinates"][0]
            xs, ys = [p[0] for p in ring], [p[1] for p in ring]
            boxes.append([min(xs), min(ys), max(xs), max(ys)])
    return boxes


def test_the_grid_shifts_the_last_chip_inward() -> None:
    assert chip_offsets(791, 256) == COLS_256
    assert chip_offsets(718, 256) == ROWS_256
    assert chip_offsets(512, 256) == [0, 256]  # exact fit: nothing shifted
    assert chip_offsets(791, 256, 64) == [0, 192, 384, 535]  # stride 192
    assert chip_offsets(64, 256) == [0]  # smaller than a chip: one (padded) chip
    with pytest.raises(ValueError):
        chip_offsets(791, 256, 256)


def test_chip_count_sizes_names_ids_and_transforms() -> None:
    chips = _chips()
    rgb = [c for c in chips if source_image_id(c) == 1]
    assert len(rgb) == len(COLS_256) * len(ROWS_256) == 12
    assert [c.name for c in rgb] == [f"1_{r}_{c}" for r in ROWS_256 for c in COLS_256]
    assert [c.id for c in rgb] == list(range(1_000_000, 1_000_012))
    # The 64 x 64 JPEG and the 32 x 16 image: one padded chip each.
    assert [c.name for c in chips[12:]] == ["2_0_0", "3_0_0"]
    assert all((c.width, c.height) == (256, 256) for c in chips)
    assert len({c.id for c in chips}) == len(chips)
    with rasterio.open(RGB) as src:
        for chip in rgb:
            window = chip_window(chip)
            assert (window.width, window.height) == (256, 256)
            # Every chip is inside the image.
            assert window.col_off + 256 <= src.width and window.row_off + 256 <= src.height
            expected = window_transform(window, src.transform)
            assert Affine(*chip.transform).almost_equals(expected, precision=1e-9)
            assert chip.crs == src.crs.to_string()
            assert chip.checksum == "" and chip.file == str(RGB)
            # The footprint is the window's, in EPSG:4326.
            to_wgs84 = Transformer.from_crs(src.crs, "EPSG:4326", always_xy=True)
            corner = to_wgs84.transform(*(expected @ (0, 0)))
            assert chip.footprint is not None
            assert np.allclose(chip.footprint["coordinates"][0][0], corner, atol=1e-9)
    # A chip of an image without a georeference has none.
    jpeg = chips[12]
    assert jpeg.transform is None and jpeg.footprint is None


def test_a_box_across_chip_edges_is_clipped_into_each_chip() -> None:
    # The box (10, 20)-(110, 70) crosses column 64 and row 64 of a 64-px grid.
    chips = _by_name(_chips(size=64))
    assert _bbox(chips["1_0_0"]) == [[10, 20, 64, 64]]
    assert _bbox(chips["1_0_64"]) == [[0, 20, 46, 64]]
    assert _bbox(chips["1_64_0"]) == [[10, 0, 64, 6]]
    assert _bbox(chips["1_64_64"]) == [[0, 0, 46, 6]]
    assert all(not _bbox(c) for name, c in chips.items() if name.startswith("1_128_"))
    # Boxes stay boxes: a closed five-position ring; the class and attributes are kept.
    piece = next(a for a in chips["1_0_64"].annotations if a.kind == "bbox")
    assert len(piece.geometry["coordinates"][0]) == 5
    assert piece.class_id == 0 and piece.attributes == {"severity": "high"}
    assert piece.author == "ana"
    # Annotation ids are renumbered, unique in the version.
    ids = [a.id for c in chips.values() for a in c.annotations]
    assert len(ids) == len(set(ids))


def test_polygons_lines_and_points_are_clipped_to_their_chips() -> None:
    chips = _by_name(_chips())
    # The polygon with a hole (300..500) lies in the chip at (256, 256), hole included.
    polygon = next(a for a in chips["1_256_256"].annotations if a.kind == "polygon")
    assert polygon.geometry["coordinates"][0][0] == [44.0, 44.0]
    assert len(polygon.geometry["coordinates"]) == 2
    # Its bottom part (rows 462..500) is also in the shifted chip at row 462.
    bottom = next(a for a in chips["1_462_256"].annotations if a.kind == "polygon")
    ring = bottom.geometry["coordinates"][0]
    assert (min(p[1] for p in ring), max(p[1] for p in ring)) == (0, 38)
    # The line (50, 600)-(150, 650)-(250, 600) is in chip (462, 0) only.
    line = next(a for a in chips["1_462_0"].annotations if a.kind == "polyline")
    assert line.geometry == {
        "type": "LineString",
        "coordinates": [[50.0, 138.0], [150.0, 188.0], [250.0, 138.0]],
    }
    assert sum(a.kind == "polyline" for c in chips.values() for a in c.annotations) == 1
    # The point (400.5, 100.5) is in chip (0, 256) only.
    points = [
        (c.name, a.geometry) for c in chips.values() for a in c.annotations if a.kind == "point"
    ]
    assert points == [("1_0_256", {"type": "Point", "coordinates": [144.5, 100.5]})]
    # With overlap 64 (chips at columns 192 and 384 both hold x = 400.5) it is in two.
    overlapping = _chips(overlap=64)
    assert [c.name for c in overlapping for a in c.annotations if a.kind == "point"] == [
        "1_0_192",
        "1_0_384",
    ]


def test_mask_pixels_land_in_the_right_chips() -> None:
    full = np.zeros((718, 791), dtype=bool)
    full[MASK_ROWS, MASK_COLS] = True
    chips = [c for c in _chips() if source_image_id(c) == 1]
    holders = {}
    for chip in chips:
        window = chip_window(chip)
        expected = full[window.toslices()]
        masks = [a for a in chip.annotations if a.kind == "mask"]
        if not expected.any():
            assert not masks
            continue
        (mask,) = masks
        pixels = rle_decode(mask.mask, width=256, height=256)
        assert (pixels == expected).all()
        holders[chip.name] = int(pixels.sum())
        # The outline is clipped with the pixels; confidence and source are kept.
        ring = mask.geometry["coordinates"][0]
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        rows, cols = np.nonzero(pixels)
        assert (min(xs), max(xs)) == (cols.min(), cols.max() + 1)
        assert (min(ys), max(ys)) == (rows.min(), rows.max() + 1)
        assert mask.confidence == 0.87 and mask.source == "predicted"
    # Columns 200..255 in the first chip, 256..259 in the second: 2400 pixels in all.
    assert holders == {"1_0_0": 40 * 56, "1_0_256": 40 * 4}


def test_geo_geometry_of_a_clipped_box_matches_an_independent_transform() -> None:
    chips = _by_name(_chips(size=64))
    piece = next(a for a in chips["1_64_64"].annotations if a.kind == "bbox")
    with rasterio.open(RGB) as src:
        to_wgs84 = Transformer.from_crs(src.crs, "EPSG:4326", always_xy=True)
        # The clipped box in the source image's pixels: columns 64..110, rows 64..70.
        for lon_lat in piece.geo_geometry["coordinates"][0]:
            assert any(
                np.allclose(lon_lat, to_wgs84.transform(*(src.transform @ corner)), atol=1e-9)
                for corner in [(64, 64), (110, 64), (110, 70), (64, 70)]
            )
    assert len(piece.geo_geometry["coordinates"][0]) == 5


def test_chips_keep_their_image_split_and_tags() -> None:
    for chip in _chips(size=64):
        parent = source_image_id(chip)
        assert chip.split == {1: "train", 2: "validation", 3: "test"}[parent]
        expected_tags = {1: [(3, "negative")], 2: [(3, "positive")], 3: []}[parent]
        assert [(t.class_id, t.state) for t in chip.tags] == expected_tags


def test_keep_empty_false_drops_chips_without_annotations() -> None:
    kept = _chips(keep_empty=False)
    assert [c.name for c in kept] == [
        "1_0_0",  # box, mask
        "1_0_256",  # point, mask
        "1_256_256",  # polygon
        "1_462_0",  # line
        "1_462_256",  # polygon's bottom
        "2_0_0",  # the JPEG's box
    ]
    assert all(c.annotations for c in kept)
    # The annotations are numbered 1..n over the kept chips only.
    assert [a.id for c in kept for a in c.annotations] == list(range(1, 9))


def test_chips_stream_one_image_at_a_time_and_repeat() -> None:
    base = sample_snapshot()
    pulled: list[int] = []

    def images():  # type: ignore[no-untyped-def]
        for record in base.images():
            pulled.append(record.id)
            yield record

    source = Snapshot(
        event=base.event,
        version=base.version,
        created_at=base.created_at,
        classes=base.classes,
        images=images,
        options=dict(base.options),
    )
    snapshot = chipped(source, size=256, overlap=0, keep_empty=True)
    assert snapshot.options["chip_size"] == 256 and snapshot.options["keep_empty_chips"]
    stream = snapshot.images()
    next(stream)
    assert pulled == [1]  # only the first image read so far
    first = [(c.id, c.name, [a.id for a in c.annotations]) for c in snapshot.images()]
    second = [(c.id, c.name, [a.id for a in c.annotations]) for c in snapshot.images()]
    assert first == second


def test_written_chip_pixels_are_the_window_of_the_source(tmp_path: Path) -> None:
    chips = _by_name(_chips())
    with rasterio.open(RGB) as src:
        for name in ("1_256_256", "1_462_535"):
            target = tmp_path / f"{name}.tif"
            write_chip_image(chips[name], target, source=str(RGB))
            window = chip_window(chips[name])
            with rasterio.open(target) as chip:
                assert (chip.width, chip.height, chip.count) == (256, 256, 3)
                assert chip.crs == src.crs and chip.nodata == src.nodata
                assert chip.transform.almost_equals(window_transform(window, src.transform))
                assert (chip.read() == src.read(window=window)).all()
    # The 64 x 64 JPEG is padded to 256 x 256 with zeros (it has no nodata).
    target = tmp_path / "jpeg.tif"
    write_chip_image(chips["2_0_0"], target, source=str(JPEG))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        src, chip = rasterio.open(JPEG), rasterio.open(target)
    with src, chip:
        data = chip.read()
        assert data.shape == (3, 256, 256)
        assert (data[:, :64, :64] == src.read()).all()
        assert not data[:, 64:, :].any() and not data[:, :, 64:].any()


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"chip_size": "256"}, "chip_size"),
        ({"chip_size": True}, "chip_size"),
        ({"chip_size": 8}, "chip_size"),
        ({"chip_size": 100_000}, "chip_size"),
        ({"chip_size": 256, "chip_overlap": 200}, "chip_overlap"),
        ({"chip_size": 256, "chip_overlap": -1}, "chip_overlap"),
        ({"chip_size": 256, "keep_empty_chips": "no"}, "keep_empty_chips"),
        ({"chip_overlap": 16}, "chip_overlap"),
    ],
)
def test_bad_chip_options_name_the_option(options: dict, named: str) -> None:
    with pytest.raises(InvalidInput) as error:
        chip_options(options)
    assert named in str(error.value)


def test_chip_options_defaults() -> None:
    assert chip_options({}) == {}
    assert chip_options({"chip_size": 512}) == {
        "chip_size": 512,
        "chip_overlap": 0,
        "keep_empty_chips": True,
    }
    assert chip_options({"chip_size": 256, "chip_overlap": 128, "keep_empty_chips": False}) == {
        "chip_size": 256,
        "chip_overlap": 128,
        "keep_empty_chips": False,
    }
