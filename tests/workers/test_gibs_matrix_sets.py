"""The tile grid our GIBS client reads from the 2014 capabilities, checked against two other
real documents: OnEarth's own TileMatrixSet definitions and a real tile's world file."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from tests.gibs import DATA
from workers.sources import gibs

OWS = "{http://www.opengis.net/ows/1.1}"
# OGC WMTS 1.0.0 §6.1: scale denominators assume 0.28 mm pixels; EPSG:4326 has
# 2*pi*6378137/360 metres per degree at the equator.
METRES_PER_DEGREE = 2 * math.pi * 6378137 / 360


def onearth_sets() -> dict[str, dict[str, tuple[float, tuple[float, float], int, int]]]:
    """EPSG:4326 sets of onearth/tilematrixsets.xml: {set: {matrix: (deg/px, top-left, w, h)}}."""
    root = ET.parse(DATA / "onearth" / "tilematrixsets.xml").getroot()
    projection = next(p for p in root.iter("Projection") if p.get("id") == "EPSG:4326")
    sets = {}
    for matrix_set in projection.iter("TileMatrixSet"):
        matrices = {}
        for matrix in matrix_set.iter("TileMatrix"):
            scale = float(matrix.findtext("ScaleDenominator", ""))
            left, top = (float(v) for v in matrix.findtext("TopLeftCorner", "").split())
            matrices[matrix.findtext(f"{OWS}Identifier", "")] = (
                scale * 0.00028 / METRES_PER_DEGREE,
                (left, top),
                int(matrix.findtext("MatrixWidth", "0")),
                int(matrix.findtext("MatrixHeight", "0")),
            )
        sets[matrix_set.findtext(f"{OWS}Identifier", "")] = matrices
    return sets


@pytest.fixture(scope="module")
def capability_sets() -> dict[str, gibs.GibsMatrixSet]:
    xml = (DATA / "gibs" / "worldview-wmts-geo-getCapabilities.xml").read_bytes()
    return gibs.parse_tile_matrix_sets(xml, service_url="http://127.0.0.1:1/wmts")


@pytest.mark.parametrize("name", ["250m", "500m", "1km", "2km"])
def test_capability_matrices_match_onearths_definitions(capability_sets, name) -> None:  # type: ignore[no-untyped-def]
    ours = capability_sets[f"EPSG4326_{name}"]
    theirs = onearth_sets()[name]
    assert ours.matrices, name
    for matrix in ours.matrices:
        resolution, top_left, width, height = theirs[matrix.identifier]
        assert matrix.resolution == pytest.approx(resolution, rel=1e-9)
        assert (matrix.left, matrix.top) == top_left == (-180.0, 90.0)
        assert (matrix.matrix_width, matrix.matrix_height) == (width, height)
        assert (matrix.tile_width, matrix.tile_height) == (512, 512)


def test_level_5_of_the_250m_set_is_the_real_tiles_pixel_size(capability_sets) -> None:  # type: ignore[no-untyped-def]
    # onearth/MODIS_..._0.wld: 0.017578125 deg/px, upper-left pixel centre (-89.99121, 44.99121)
    world = [
        float(v)
        for v in (DATA / "onearth" / "MODIS_Terra_CorrectedReflectance_TrueColor_0.wld")
        .read_text()
        .split()
    ]
    level5 = next(m for m in capability_sets["EPSG4326_250m"].matrices if m.identifier == "5")
    assert level5.resolution == world[0] == -world[3] == 0.017578125
    # Row 5, col 10 of that matrix: its top-left corner is the world file's, half a pixel out.
    assert level5.left + 10 * 512 * level5.resolution == world[4] - world[0] / 2
    assert level5.top - 5 * 512 * level5.resolution == world[5] - world[3] / 2
