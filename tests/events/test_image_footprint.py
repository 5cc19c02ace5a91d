"""events.services.images.image_footprint: densified outlines, UTM zones, the antimeridian."""

from __future__ import annotations

import pytest
import shapely
from pyproj import Transformer

from events.services.images import image_footprint


def _shape(geos):  # type: ignore[no-untyped-def]
    return shapely.from_wkb(bytes(geos.wkb))


def _reference(width, height, transform, crs, points=400):  # type: ignore[no-untyped-def]
    """The outline's points taken to lon/lat by pyproj alone, ``points`` an edge."""
    a, b, c, d, e, f = transform
    to_wgs84 = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    ring = shapely.segmentize(shapely.box(0, 0, width, height), max(width, height) / points)
    xs, ys = zip(*ring.exterior.coords, strict=True)
    lon, lat = to_wgs84.transform(
        [a * x + b * y + c for x, y in zip(xs, ys, strict=True)],
        [d * x + e * y + f for x, y in zip(xs, ys, strict=True)],
    )
    return list(zip(lon, lat, strict=True))


def test_a_utm_image_is_one_polygon_with_densified_edges() -> None:
    transform = [30.0, 0.0, 101985.0, 0.0, -30.0, 2826915.0]
    footprint = _shape(image_footprint(width=100, height=80, transform=transform, crs="EPSG:32618"))

    assert footprint.geom_type == "Polygon"
    assert len(footprint.exterior.coords) > 100  # 32 points an edge, not 4 corners
    lons, lats = zip(*_reference(100, 80, transform, "EPSG:32618"), strict=True)
    assert footprint.bounds == pytest.approx((min(lons), min(lats), max(lons), max(lats)))


@pytest.mark.parametrize(
    ("crs", "west", "east_part", "west_part"),
    [
        # Zone 60 (central meridian 177 E): from 600 km east to 900 km, past 180.
        ("EPSG:32660", 600_000, (177.9, 180.0), (-180.0, -179.4)),
        # Zone 1 (central meridian 177 W): from 100 km to 400 km, starting west of -180.
        ("EPSG:32601", 100_000, (179.4, 180.0), (-180.0, -177.9)),
    ],
)
def test_an_image_across_the_antimeridian_is_split_in_two(  # type: ignore[no-untyped-def]
    crs, west, east_part, west_part
) -> None:
    transform = [3000.0, 0.0, west, 0.0, -3000.0, 400_000.0]

    footprint = _shape(image_footprint(width=100, height=100, transform=transform, crs=crs))

    assert footprint.geom_type == "MultiPolygon" and footprint.is_valid
    east, west_poly = sorted(footprint.geoms, key=lambda p: -p.bounds[0])
    assert east.bounds[0] == pytest.approx(east_part[0], abs=0.01)
    assert east.bounds[2] == 180.0
    assert west_poly.bounds[0] == -180.0
    assert west_poly.bounds[2] == pytest.approx(west_part[1], abs=0.01)
    # Together they cover what pyproj says, the long way round excluded: ~3 x 2.7 degrees,
    # not a band of 357 degrees round the globe.
    assert footprint.area == pytest.approx(2.7 * 2.7, rel=0.15)
    for lon, lat in _reference(100, 100, transform, crs, points=50):
        assert footprint.buffer(1e-6).contains(shapely.Point(lon, lat)), (lon, lat)


def test_an_image_over_the_pole_is_closed_at_the_pole() -> None:
    transform = [20_000.0, 0.0, -1_000_000.0, 0.0, -20_000.0, 1_000_000.0]

    footprint = _shape(image_footprint(width=100, height=100, transform=transform, crs="EPSG:3413"))

    assert footprint.is_valid and footprint.geom_type == "Polygon"
    assert footprint.bounds[0] == -180.0 and footprint.bounds[2] == 180.0
    assert footprint.bounds[3] == 90.0
    assert footprint.contains(shapely.Point(0, 89))
