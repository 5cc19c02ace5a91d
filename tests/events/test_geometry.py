"""events.geometry: pixel <-> EPSG:4326 on real rasters, validation, RLE masks and outlines.

The transforms are checked against an independent computation (rasterio's ``src.xy`` and
``rasterio.warp.transform``, i.e. GDAL/PROJ), never against events.geometry itself.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
import rasterio.features
import rasterio.warp
import shapely
from pyproj import CRS
from shapely.geometry import box, shape

from events.errors import GeometryError
from events.geometry import (
    geographic_to_pixel,
    mask_outline,
    pixel_to_geographic,
    rle_decode,
    rle_encode,
    validate_geographic_geometry,
    validate_pixel_geometry,
)

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def _crs_of(src: Any) -> str:
    """The CRS as labeler stores it: ``EPSG:code`` when there is one, else WKT."""
    epsg = src.crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else src.crs.to_wkt()


# name -> (path, how the CRS is handed over)
RASTERS = {
    "RGB.byte (EPSG:32618)": DATA / "rasterio" / "RGB.byte.tif",
    "rgb-byte-tenth (WKT, no EPSG)": DATA / "rasterio" / "rgb-byte-tenth.tif",
    "EuroSAT Pasture_300 (EPSG:32632)": DATA
    / "eurosat"
    / "EuroSAT_MS"
    / "Pasture"
    / "Pasture_300.tif",
    "eo-learn test2 (EPSG:4326)": DATA / "eo-learn" / "import-tiff-test2.tiff",
}


@pytest.fixture(params=list(RASTERS), ids=list(RASTERS))
def raster(request: pytest.FixtureRequest) -> dict[str, Any]:
    with rasterio.open(RASTERS[request.param]) as src:
        return {
            "width": src.width,
            "height": src.height,
            "transform": list(src.transform)[:6],
            "crs": _crs_of(src),
            "rio_crs": src.crs,
            "src_xy": lambda row, col, src=src: src.xy(row, col, offset="ul"),
        }


def test_the_tenth_raster_really_has_no_epsg_code() -> None:
    # The edge case the WKT branch is there for; if the file changed, the test above lies.
    with rasterio.open(RASTERS["rgb-byte-tenth (WKT, no EPSG)"]) as src:
        assert src.crs.to_epsg() is None
    with rasterio.open(RASTERS["eo-learn test2 (EPSG:4326)"]) as src:
        assert src.crs.to_epsg() == 4326


def _sample_pixels(width: int, height: int, n: int = 200) -> np.ndarray:
    """Corners, edge midpoints and random points inside the image (pixel space)."""
    rng = np.random.default_rng(7)
    fixed = [
        (0, 0),
        (width, 0),
        (width, height),
        (0, height),
        (width / 2, 0),
        (0, height / 2),
        (0.5, 0.5),
    ]
    randoms = rng.uniform([0, 0], [width, height], size=(n, 2))
    return np.vstack([np.array(fixed, dtype=float), randoms])


def test_pixel_to_geographic_matches_rasterio_and_gdal(raster: dict[str, Any]) -> None:
    pixels = _sample_pixels(raster["width"], raster["height"])
    geometry = {"type": "MultiPoint", "coordinates": pixels.tolist()}

    out = pixel_to_geographic(geometry, transform=raster["transform"], crs=raster["crs"])

    # Independent: rasterio's dataset transform for pixel corners, then GDAL's warp.
    cols, rows = pixels[:, 0], pixels[:, 1]
    xs, ys = [], []
    for col, row in zip(cols, rows, strict=True):
        x, y = raster["src_xy"](row, col)
        xs.append(x)
        ys.append(y)
    lons, lats = rasterio.warp.transform(raster["rio_crs"], "EPSG:4326", xs, ys)
    assert out["type"] == "MultiPoint"
    got = np.array(out["coordinates"])
    assert got.shape == (len(pixels), 2)
    np.testing.assert_allclose(got[:, 0], lons, rtol=0, atol=1e-9)
    np.testing.assert_allclose(got[:, 1], lats, rtol=0, atol=1e-9)
    # lon, lat order: every value is a plausible longitude/latitude.
    assert np.all(np.abs(got[:, 0]) <= 180) and np.all(np.abs(got[:, 1]) <= 90)


def test_pixel_corners_of_rgb_byte_land_where_rasterio_says() -> None:
    # One concrete, hand-checkable value: the top-left corner of RGB.byte.tif, whose
    # transform origin is (101985, 2826915) in UTM 18N.
    with rasterio.open(RASTERS["RGB.byte (EPSG:32618)"]) as src:
        transform = list(src.transform)[:6]
        lon, lat = rasterio.warp.transform(src.crs, "EPSG:4326", [101985.0], [2826915.0])
    out = pixel_to_geographic(
        {"type": "Point", "coordinates": [0, 0]}, transform=transform, crs="EPSG:32618"
    )
    assert out["coordinates"] == pytest.approx([lon[0], lat[0]], abs=1e-9)
    assert -79.1 < out["coordinates"][0] < -78.9  # west of the central meridian -75
    assert 25.4 < out["coordinates"][1] < 25.6


def test_round_trip_pixel_geographic_pixel_is_exact_to_a_micro_pixel(
    raster: dict[str, Any],
) -> None:
    pixels = _sample_pixels(raster["width"], raster["height"], n=500)
    geometry = {"type": "MultiPoint", "coordinates": pixels.tolist()}

    geo = pixel_to_geographic(geometry, transform=raster["transform"], crs=raster["crs"])
    back = geographic_to_pixel(geo, transform=raster["transform"], crs=raster["crs"])

    assert back["type"] == "MultiPoint"
    error = np.abs(np.array(back["coordinates"]) - pixels)
    assert error.max() < 1e-6, f"round trip off by {error.max()} px"


def test_round_trip_accepts_a_pyproj_crs_object() -> None:
    with rasterio.open(RASTERS["rgb-byte-tenth (WKT, no EPSG)"]) as src:
        transform = list(src.transform)[:6]
        crs = CRS.from_wkt(src.crs.to_wkt())
    line = {"type": "LineString", "coordinates": [[0, 0], [79, 71], [10.25, 60.75]]}
    geo = pixel_to_geographic(line, transform=transform, crs=crs)
    by_wkt = pixel_to_geographic(line, transform=transform, crs=crs.to_wkt())
    assert geo == by_wkt
    back = geographic_to_pixel(geo, transform=transform, crs=crs)
    assert np.abs(np.array(back["coordinates"]) - np.array(line["coordinates"])).max() < 1e-6


def _ring_is_ccw(ring: list[list[float]]) -> bool:
    return shapely.LinearRing(ring).is_ccw


def _assert_same_vertices(
    expected: list[list[float]], got: list[list[float]], *, tol: float
) -> None:
    """Same ring up to start vertex and direction: same count, each vertex matched."""
    assert len(got) == len(expected)
    got_arr = np.array(got)[:, :2]
    for vertex in np.array(expected)[:, :2]:
        assert np.min(np.hypot(*(got_arr - vertex).T)) < tol, f"{vertex} lost"


# Pixel-space shapes: exterior clockwise *and* counter-clockwise (in numbers), with holes.
POLYGON_WITH_HOLE = {
    "type": "Polygon",
    "coordinates": [
        [[1, 1], [9, 1], [9, 8], [1, 8], [1, 1]],
        [[3, 3], [3, 5], [5, 5], [5, 3], [3, 3]],
    ],
}
MULTIPOLYGON = {
    "type": "MultiPolygon",
    "coordinates": [
        [
            [[1, 1], [1, 8], [9, 8], [9, 1], [1, 1]],
            [[3, 3], [5, 3], [5, 5], [3, 5], [3, 3]],
            [[6, 6], [7, 6], [7, 7], [6, 7], [6, 6]],
        ],
        [[[10, 2], [10.5, 2], [10.5, 3], [10, 3], [10, 2]]],
    ],
}


@pytest.mark.parametrize("geometry", [POLYGON_WITH_HOLE, MULTIPOLYGON], ids=["hole", "multi"])
def test_polygons_keep_holes_and_parts_and_follow_rfc7946(
    raster: dict[str, Any], geometry: dict[str, Any]
) -> None:
    geo = pixel_to_geographic(geometry, transform=raster["transform"], crs=raster["crs"])

    assert geo["type"] == geometry["type"]
    assert "crs" not in geo
    polygons_in = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    polygons_out = [geo["coordinates"]] if geo["type"] == "Polygon" else geo["coordinates"]
    assert len(polygons_out) == len(polygons_in)
    for rings_in, rings_out in zip(polygons_in, polygons_out, strict=True):
        assert len(rings_out) == len(rings_in)
        exterior, *holes = rings_out
        # RFC 7946 §3.1.6: exterior rings counter-clockwise, holes clockwise.
        assert _ring_is_ccw(exterior)
        for hole in holes:
            assert not _ring_is_ccw(hole)
        assert exterior[0] == exterior[-1]

    back = geographic_to_pixel(geo, transform=raster["transform"], crs=raster["crs"])
    polygons_back = [back["coordinates"]] if back["type"] == "Polygon" else back["coordinates"]
    for rings_in, rings_back in zip(polygons_in, polygons_back, strict=True):
        for ring_in, ring_back in zip(rings_in, rings_back, strict=True):
            _assert_same_vertices(ring_in, ring_back, tol=1e-6)
    assert shape(back).is_valid
    assert shape(back).area == pytest.approx(shape(geometry).area, abs=1e-6)


# --- validation --------------------------------------------------------------------------

W, H = 100, 80
SQUARE = [[10, 10], [20, 10], [20, 20], [10, 20], [10, 10]]
BOWTIE = {"type": "Polygon", "coordinates": [[[0, 0], [10, 10], [10, 0], [0, 10], [0, 0]]]}


def _poly(*rings: list[list[Any]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": list(rings)}


REFUSED = [
    ("unclosed ring", "polygon", _poly([[10, 10], [20, 10], [20, 20], [10, 20]]), "closed"),
    ("too few ring points", "polygon", _poly([[10, 10], [20, 10], [10, 10]]), "at least 4"),
    (
        "too few line points",
        "polyline",
        {"type": "LineString", "coordinates": [[1, 1]]},
        "at least 2 positions",
    ),
    ("no exterior ring", "polygon", _poly(), "exterior ring"),
    ("NaN", "polygon", _poly([[10, 10], [math.nan, 10], [20, 20], [10, 10]]), "NaN"),
    ("infinity", "point", {"type": "Point", "coordinates": [math.inf, 1]}, "infinity"),
    ("string coordinate", "point", {"type": "Point", "coordinates": ["5", 1]}, "not a number"),
    ("boolean coordinate", "point", {"type": "Point", "coordinates": [True, 1]}, "not a number"),
    ("short position", "point", {"type": "Point", "coordinates": [5]}, "at least two numbers"),
    (
        "too shallow",
        "polygon",
        {"type": "Polygon", "coordinates": [[1, 2], [3, 4]]},
        "at least two numbers",
    ),
    ("right of the image", "point", {"type": "Point", "coordinates": [100.5, 1]}, "outside"),
    ("below the image", "polygon", _poly([[1, 1], [5, 1], [5, 81], [1, 1]]), "outside"),
    ("negative", "polyline", {"type": "LineString", "coordinates": [[-1, 0], [5, 5]]}, "outside"),
    ("polygon as point", "point", _poly(SQUARE), "not allowed"),
    (
        "line as bbox",
        "bbox",
        {"type": "LineString", "coordinates": [[1, 1], [5, 5]]},
        "not allowed",
    ),
    (
        "multipolygon as bbox",
        "bbox",
        {"type": "MultiPolygon", "coordinates": [[SQUARE]]},
        "not allowed",
    ),
    (
        "rotated bbox",
        "bbox",
        _poly([[20, 10], [30, 20], [20, 30], [10, 20], [20, 10]]),
        "axis-aligned",
    ),
    (
        "bbox with 5 corners",
        "bbox",
        _poly([[10, 10], [20, 10], [20, 20], [15, 25], [10, 20], [10, 10]]),
        "4 corners",
    ),
    (
        "bbox with a hole",
        "bbox",
        _poly(SQUARE, [[12, 12], [14, 12], [14, 14], [12, 12]]),
        "one ring",
    ),
    ("flat bbox", "bbox", _poly([[10, 10], [20, 10], [20, 10], [10, 10], [10, 10]]), "non-zero"),
    ("bowtie", "polygon", BOWTIE, "Self-intersection"),
    (
        "asymmetric bowtie",
        "polygon",
        _poly([[0, 0], [10, 10], [10, 0], [0, 20], [0, 0]]),
        "Self-intersection",
    ),
    (
        "hole outside the shell",
        "polygon",
        _poly(SQUARE, [[30, 30], [40, 30], [40, 40], [30, 40], [30, 30]]),
        "Hole lies outside shell",
    ),
    ("zero-area polygon", "polygon", _poly([[0, 0], [10, 0], [20, 0], [0, 0]]), "zero area"),
    (
        "zero-length line",
        "polyline",
        {"type": "LineString", "coordinates": [[5, 5], [5, 5]]},
        "zero length",
    ),
    ("not an object", "point", [1, 2], "GeoJSON geometry object"),
    ("no type", "point", {"coordinates": [1, 2]}, "'type'"),
    ("no coordinates", "point", {"type": "Point"}, "no 'coordinates'"),
    ("empty multipoint", "point", {"type": "MultiPoint", "coordinates": []}, "at least one point"),
    ("empty multipolygon", "polygon", {"type": "MultiPolygon", "coordinates": []}, "at least one"),
    ("unknown kind", "circle", {"type": "Point", "coordinates": [1, 2]}, "Unknown annotation kind"),
]


@pytest.mark.parametrize(
    ("kind", "geometry", "message"),
    [case[1:] for case in REFUSED],
    ids=[case[0] for case in REFUSED],
)
def test_invalid_pixel_geometry_is_refused_naming_the_problem(
    kind: str, geometry: Any, message: str
) -> None:
    with pytest.raises(GeometryError) as caught:
        validate_pixel_geometry(kind, geometry, width=W, height=H)
    assert message in caught.value.detail
    assert caught.value.code == "invalid_geometry"


def test_too_many_vertices_is_refused_and_the_limit_itself_is_allowed() -> None:
    with pytest.raises(GeometryError, match="more than 4 vertices"):
        validate_pixel_geometry("polygon", _poly(SQUARE), width=W, height=H, max_vertices=4)
    line = {"type": "LineString", "coordinates": [[1, 1], [2, 3], [4, 1], [6, 7]]}
    assert validate_pixel_geometry("polyline", line, width=W, height=H, max_vertices=4) == line


@pytest.mark.parametrize(
    "bowtie",
    [BOWTIE, _poly([[0, 0], [10, 10], [10, 0], [0, 20], [0, 0]])],
    ids=["symmetric", "asymmetric"],
)
def test_self_intersection_is_repaired_only_when_asked(bowtie: dict[str, Any]) -> None:
    with pytest.raises(GeometryError, match="repair=true"):
        validate_pixel_geometry("polygon", bowtie, width=W, height=H)

    repaired = validate_pixel_geometry("polygon", bowtie, width=W, height=H, repair=True)

    geom = shape(repaired)
    assert repaired["type"] in ("Polygon", "MultiPolygon")
    assert geom.is_valid
    # make_valid keeps both lobes: the bowtie's two triangles, nothing more, nothing less.
    lobes = shapely.union_all(
        [shapely.Polygon(p) for p in shapely.get_parts(shapely.make_valid(shape(bowtie)))]
    )
    assert geom.area == pytest.approx(lobes.area)
    assert geom.area > 0
    assert geom.symmetric_difference(lobes).area == pytest.approx(0, abs=1e-9)


def test_symmetric_bowtie_lobes_are_the_two_triangles() -> None:
    repaired = shape(validate_pixel_geometry("polygon", BOWTIE, width=W, height=H, repair=True))
    expected = shapely.union_all(
        [shapely.Polygon([(0, 0), (5, 5), (0, 10)]), shapely.Polygon([(10, 0), (5, 5), (10, 10)])]
    )
    assert repaired.area == pytest.approx(50)
    assert repaired.symmetric_difference(expected).area == pytest.approx(0, abs=1e-9)


def test_repair_does_not_rescue_a_flat_polygon() -> None:
    flat = _poly([[0, 0], [10, 0], [20, 0], [0, 0]])
    with pytest.raises(GeometryError, match="zero area"):
        validate_pixel_geometry("polygon", flat, width=W, height=H, repair=True)


def test_repaired_polyline_stays_a_line() -> None:
    # One part has zero length: make_valid turns it into a point, which is no polyline.
    lines = {"type": "MultiLineString", "coordinates": [[[5, 5], [5, 5]], [[1, 1], [2, 2]]]}
    with pytest.raises(GeometryError, match="repair=true"):
        validate_pixel_geometry("polyline", lines, width=W, height=H)

    repaired = validate_pixel_geometry("polyline", lines, width=W, height=H, repair=True)

    assert repaired["type"] in ("LineString", "MultiLineString")
    assert shape(repaired).equals(shapely.LineString([(1, 1), (2, 2)]))


ACCEPTED = [
    ("polygon touching every edge", "polygon", _poly([[0, 0], [W, 0], [W, H], [0, H], [0, 0]])),
    ("polygon with hole", "polygon", POLYGON_WITH_HOLE),
    ("multipolygon", "polygon", MULTIPOLYGON),
    ("point on the far corner", "point", {"type": "Point", "coordinates": [W, H]}),
    ("multipoint", "point", {"type": "MultiPoint", "coordinates": [[0, 0], [3.5, 2.25]]}),
    (
        "self-crossing polyline",
        "polyline",
        {"type": "LineString", "coordinates": [[0, 0], [10, 10], [10, 0], [0, 10]]},
    ),
    (
        "multilinestring",
        "polyline",
        {"type": "MultiLineString", "coordinates": [[[0, 0], [1, 1]], [[2, 2], [3, 1]]]},
    ),
    ("mask outline", "mask", _poly(SQUARE)),
]


@pytest.mark.parametrize(
    ("kind", "geometry"), [c[1:] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED]
)
def test_valid_pixel_geometry_is_accepted_unchanged(kind: str, geometry: dict[str, Any]) -> None:
    out = validate_pixel_geometry(kind, geometry, width=W, height=H)
    assert out["type"] == geometry["type"]
    assert shape(out).equals_exact(shape(geometry), tolerance=0)


@pytest.mark.parametrize(
    "ring",
    [
        [[20, 20], [10, 20], [10, 10], [20, 10], [20, 20]],
        [[10, 20], [20, 20], [20, 10], [10, 10], [10, 20]],
        [[20, 10], [10, 10], [10, 20], [20, 20], [20, 10]],
    ],
)
def test_bbox_is_normalised_to_start_top_left(ring: list[list[float]]) -> None:
    out = validate_pixel_geometry("bbox", _poly(ring), width=W, height=H)
    assert out == {"type": "Polygon", "coordinates": [SQUARE]}


def test_geographic_geometry_rules() -> None:
    ok = {"type": "Polygon", "coordinates": [[[-80, 25], [-79, 25], [-79, 26], [-80, 25]]]}
    assert validate_geographic_geometry(ok).equals(shape(ok))
    with pytest.raises(GeometryError, match="crs"):
        validate_geographic_geometry({**ok, "crs": {"type": "name"}})
    swapped = {"type": "Polygon", "coordinates": [[[25, -80], [25, -179], [26, -179], [25, -80]]]}
    with pytest.raises(GeometryError, match="lon, lat"):
        validate_geographic_geometry(swapped)
    with pytest.raises(GeometryError, match="not allowed"):
        validate_geographic_geometry({"type": "Point", "coordinates": [0, 0]})


# --- RLE masks ---------------------------------------------------------------------------


def test_rle_encode_known_values_column_major() -> None:
    # Column-major (COCO/pycocotools): columns are read top to bottom, left to right.
    mask = np.array([[0, 1, 1], [0, 0, 1]], dtype=bool)  # flat F order: 0 0 1 0 1 1
    assert rle_encode(mask) == {"size": [2, 3], "counts": [2, 1, 1, 2]}
    first_set = np.array([[1, 0], [1, 0]], dtype=bool)  # 1 1 0 0
    assert rle_encode(first_set) == {"size": [2, 2], "counts": [0, 2, 2]}
    assert rle_encode(np.zeros((2, 2), dtype=bool)) == {"size": [2, 2], "counts": [4]}
    assert rle_encode(np.ones((2, 2), dtype=bool)) == {"size": [2, 2], "counts": [0, 4]}


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("density", [0.05, 0.5, 0.95])
def test_rle_round_trip_on_random_masks(seed: int, density: float) -> None:
    rng = np.random.default_rng(seed)
    height, width = rng.integers(1, 40, size=2)
    mask = rng.random((height, width)) < density
    mask[0, 0] = bool(seed % 2)  # both first-pixel cases

    rle = rle_encode(mask)

    assert rle["size"] == [height, width]
    assert sum(rle["counts"]) == height * width
    assert all(c > 0 for c in rle["counts"][1:])  # no empty runs after the first
    assert (rle["counts"][0] == 0) == bool(mask[0, 0])
    # Odd positions are runs of ones.
    assert sum(rle["counts"][1::2]) == int(mask.sum())
    decoded = rle_decode(rle, width=int(width), height=int(height))
    assert decoded.dtype == bool
    assert decoded.shape == (height, width)
    assert np.array_equal(decoded, mask)


RLE_REFUSED = [
    ("not a dict", [1, 2, 3], "must be RLE"),
    ("no counts", {"size": [2, 3]}, "must be RLE"),
    ("size mismatch", {"size": [3, 2], "counts": [6]}, "does not match the image"),
    ("size not a list", {"size": 6, "counts": [6]}, "does not match the image"),
    ("sum too small", {"size": [2, 3], "counts": [2, 3]}, "add up to 5"),
    ("sum too large", {"size": [2, 3], "counts": [2, 3, 2]}, "add up to 7"),
    ("negative count", {"size": [2, 3], "counts": [7, -1]}, "non-negative integers"),
    ("float count", {"size": [2, 3], "counts": [2.5, 3.5]}, "non-negative integers"),
    ("bool count", {"size": [2, 3], "counts": [True, 5]}, "non-negative integers"),
    ("compressed string counts", {"size": [2, 3], "counts": "06"}, "non-negative integers"),
]


@pytest.mark.parametrize(
    ("rle", "message"), [c[1:] for c in RLE_REFUSED], ids=[c[0] for c in RLE_REFUSED]
)
def test_rle_decode_refuses_bad_masks(rle: Any, message: str) -> None:
    with pytest.raises(GeometryError) as caught:
        rle_decode(rle, width=3, height=2)
    assert message in caught.value.detail


def test_mask_outline_follows_pixel_edges() -> None:
    mask = np.zeros((6, 8), dtype=bool)
    mask[1:3, 2:5] = True  # rows 1-2, cols 2-4

    outline = mask_outline(mask)

    assert outline.geom_type == "Polygon"
    assert outline.equals(box(2, 1, 5, 3))


def test_mask_outline_keeps_holes_and_separate_parts() -> None:
    mask = np.zeros((10, 12), dtype=bool)
    mask[1:6, 1:6] = True
    mask[3, 3] = False  # a one-pixel hole
    mask[7:9, 8:11] = True  # a second blob

    outline = mask_outline(mask)

    assert outline.geom_type == "MultiPolygon"
    parts = sorted(outline.geoms, key=lambda g: g.area)
    assert parts[0].equals(box(8, 7, 11, 9))
    assert len(parts[1].interiors) == 1
    assert shapely.Polygon(parts[1].interiors[0]).equals(box(3, 3, 4, 4))
    assert outline.area == mask.sum()


@pytest.mark.parametrize("seed", range(5))
def test_mask_outline_rasterises_back_to_the_mask(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    mask = rng.random((20, 30)) < 0.4

    outline = mask_outline(mask)

    assert outline.is_valid
    assert outline.area == pytest.approx(mask.sum())
    burned = rasterio.features.rasterize([outline], out_shape=mask.shape, fill=0, default_value=1)
    assert np.array_equal(burned.astype(bool), mask)
    # And it is a geometry the mask kind accepts as is.
    validate_pixel_geometry("mask", shapely.geometry.mapping(outline), width=30, height=20)


def test_empty_mask_has_no_outline() -> None:
    with pytest.raises(GeometryError, match="empty"):
        mask_outline(np.zeros((4, 4), dtype=bool))
