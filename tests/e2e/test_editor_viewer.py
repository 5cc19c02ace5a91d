"""The editor's viewer in Chromium: the display panel (presets, custom bands, indexes,
stretch, gamma, contrast) changes the image tiles the browser loads; the pixel inspector
shows the band values and lon/lat that rasterio and pyproj give for the pixel under the
mouse; the geographic context map shows the image's footprint and follows the cursor."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import rasterio
from playwright.sync_api import Page, Response, expect
from pyproj import Transformer
from rasterio.warp import transform_bounds

from tests import rasters
from tests.e2e.editor import screen_point
from tests.factories import EventFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


class Tiles:
    """Every image tile response the page gets: URL and status."""

    def __init__(self, page: Page) -> None:
        self.responses: list[tuple[str, int]] = []
        page.on("response", self._record)

    def _record(self, response: Response) -> None:
        if "/image-tiles/" in response.url or "/tiles/" in response.url:
            self.responses.append((response.url, response.status))

    def with_query(self, text: str) -> list[tuple[str, int]]:
        return [(url, status) for url, status in self.responses if text in url]


def _open(page: Page, url: str, image: Any) -> None:
    page.goto(f"{url}/images/{image.pk}/edit/")
    page.wait_for_function("() => !!window.__editor")
    _tiles_loaded(page, "")


def _tiles_loaded(page: Page, fragment: str) -> list[str]:
    """Waits until the image layer's tiles carry `fragment` in their URL and have loaded;
    returns their URLs."""
    selector = (
        f'.image-tiles img.leaflet-tile[src*="{fragment}"]' if fragment else ".image-tiles img"
    )
    page.wait_for_function(
        """(selector) => {
            const imgs = [...document.querySelectorAll(selector)];
            const layer = document.querySelectorAll('.image-tiles img.leaflet-tile');
            return imgs.length > 0 && imgs.length === layer.length
                && imgs.every((img) => img.complete && img.naturalWidth > 0);
        }""",
        arg=selector,
    )
    return page.eval_on_selector_all(
        ".image-tiles img.leaflet-tile", "imgs => imgs.map(i => i.src)"
    )


def _hover_pixel(page: Page, x: int, y: int) -> None:
    """Moves the mouse over the centre of image pixel (x, y) and waits for its values."""
    sx, sy = screen_point(page, x + 0.5, y + 0.5)
    page.mouse.move(sx - 30, sy - 30)
    page.mouse.move(sx, sy)
    page.wait_for_selector(f'.pixel-table-wrap[data-col="{x}"][data-row="{y}"]')


def _inspector_values(page: Page) -> dict[str, str]:
    rows = page.eval_on_selector_all(
        ".pixel-table tbody tr",
        "rows => rows.map(r => [r.dataset.band, r.querySelector('td').textContent])",
    )
    return dict(rows)


def _lonlat(path: Any, x: int, y: int) -> tuple[float, float]:
    with rasterio.open(path) as src:
        east, north = src.transform * (x + 0.5, y + 0.5)
        lon, lat = Transformer.from_crs(src.crs, "EPSG:4326", always_xy=True).transform(east, north)
    return lon, lat


def test_display_panel_changes_the_tiles_and_the_inspector_reads_rasterio_values(  # type: ignore[no-untyped-def]
    page, sign_in, screenshot, console_errors
) -> None:
    membership = MembershipFactory(role="annotator")
    event = EventFactory(team=membership.team, name="Landsat coast")
    image = rasters.image_with_raster(event, rasters.RGB)
    tiles = Tiles(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    _open(page, sign_in(membership.user), image)
    panel = page.get_by_role("complementary", name="Editor panels")
    display = panel.locator("section.display-panel")

    # Defaults: no query; the stretch shows the image's own p2/p98 per band.
    assert all("?" not in url for url in _tiles_loaded(page, ""))
    p2, p98 = image.stats[0]["p2"], image.stats[0]["p98"]
    expect(display.get_by_label("Minimum of R: Band 1")).to_have_value(str(p2).removesuffix(".0"))
    expect(display.get_by_label("Maximum of R: Band 1")).to_have_value(str(p98).removesuffix(".0"))

    # Presets: true colour is offered (an unnamed 3-band image is red, green, blue); the
    # others need bands this image does not have and are not offered.
    preset = display.get_by_role("combobox", name="Preset")
    expect(preset.locator('option[value="falsecolor"]')).to_be_disabled()
    expect(preset.locator('option[value="falsecolor"]')).to_contain_text("needs B08")
    preset.select_option("truecolor")
    _tiles_loaded(page, "preset=truecolor")

    # Custom bands: one band with a colormap.
    display.get_by_role("combobox", name="Show").select_option("bands")
    display.get_by_label("One band").check()
    display.get_by_role("combobox", name="Band", exact=True).select_option("3")
    display.get_by_role("combobox", name="Colormap").select_option("viridis")
    _tiles_loaded(page, "bands=3&colormap=viridis")
    # ... and three bands in another order.
    display.get_by_label("Red, green, blue").check()
    display.get_by_role("combobox", name="Red", exact=True).select_option("3")
    display.get_by_role("combobox", name="Blue", exact=True).select_option("1")
    _tiles_loaded(page, "bands=3%2C2%2C1")

    # Stretch and gamma and brightness go to the server.
    display.get_by_label("Minimum of R: Band 3").fill("10")
    display.get_by_label("Maximum of R: Band 3").fill("120")
    urls = _tiles_loaded(page, "rescale=10%2C120%3B")
    assert all("bands=3%2C2%2C1" in url for url in urls)
    display.get_by_role("slider", name="Gamma").fill("1.5")
    display.get_by_role("slider", name="Brightness").fill("0.1")
    _tiles_loaded(page, "gamma=1.5&brightness=0.1")
    # Contrast and invert are the browser's.
    display.get_by_role("slider", name="Contrast").fill("1.5")
    display.get_by_label("Invert").check()
    pane_filter = page.evaluate("() => window.__editor.map.getPane('tilePane').style.filter")
    assert pane_filter == "contrast(1.5) invert(1)"
    screenshot("viewer-rgb-custom-bands")

    # An index the image cannot make: the API's refusal in words, the tiles unchanged.
    before = _tiles_loaded(page, "gamma=1.5")
    display.get_by_role("combobox", name="Show").select_option("index")
    alert = display.get_by_role("alert")
    expect(alert).to_contain_text("NDVI needs bands this image does not have")
    assert _tiles_loaded(page, "gamma=1.5") == before
    refused = [e for e in console_errors if "status of 400" in e]
    assert len(refused) == 1  # the TileJSON check, not any tile
    console_errors[:] = [e for e in console_errors if e not in refused]

    # Reset: back to the server's defaults.
    display.get_by_role("button", name="Reset display").click()
    assert all("?" not in url for url in _tiles_loaded(page, ""))
    assert page.evaluate("() => window.__editor.map.getPane('tilePane').style.filter") == "none"

    # Every tile the browser asked for loaded.
    assert tiles.responses and all(status == 200 for _, status in tiles.responses), [
        r for r in tiles.responses if r[1] != 200
    ]

    # The pixel inspector: the values rasterio reads, the lon/lat pyproj gives.
    with rasterio.open(rasters.RGB) as src:
        data = src.read()
    x, y = 400, 300
    _hover_pixel(page, x, y)
    inspector = page.get_by_role("region", name="Pixel inspector")
    expect(inspector.locator(".pixel-xy")).to_have_text(f"x {x}, y {y}")
    assert _inspector_values(page) == {str(b + 1): str(int(data[b, y, x])) for b in range(3)}
    lon, lat = _lonlat(rasters.RGB, x, y)
    lonlat = inspector.locator(".pixel-lonlat")
    assert math.isclose(float(lonlat.get_attribute("data-lon") or "nan"), lon, abs_tol=1e-9)
    assert math.isclose(float(lonlat.get_attribute("data-lat") or "nan"), lat, abs_tol=1e-9)
    expect(lonlat).to_have_text(f"{abs(lat):.6f}° N, {abs(lon):.6f}° W")
    screenshot("viewer-rgb-inspector")

    # The geographic context: the footprint where rasterio puts it, the cursor on it.
    geo = page.get_by_role("region", name="Geographic context")
    expect(geo.locator(".leaflet-overlay-pane path")).to_have_count(2)  # footprint + marker
    with rasterio.open(rasters.RGB) as src:
        west, south, east, north = transform_bounds(src.crs, "EPSG:4326", *src.bounds)
    box = page.evaluate(
        "() => { const b = window.__geoContext.footprint; "
        "return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"
    )
    assert np.allclose(box, [west, south, east, north], atol=0.01)
    cursor = page.evaluate(
        "() => { const c = window.__geoContext.cursor(); return [c.lng, c.lat]; }"
    )
    assert np.allclose(cursor, [lon, lat], atol=1e-9)
    expect(panel.locator(".geo-cursor")).to_contain_text(f"{abs(lat):.6f}° N")

    # The image's map tiles laid over the context map load.
    panel.get_by_label("Show the image on the map").check()
    page.wait_for_function(
        """() => {
            const imgs = [...document.querySelectorAll('.geo-context-tiles img')];
            return imgs.length > 0 && imgs.every((img) => img.complete && img.naturalWidth > 0);
        }"""
    )
    mercator = [(u, s) for u, s in tiles.responses if "/tiles/" in u and "/image-tiles/" not in u]
    assert mercator and all(status == 200 for _, status in mercator)

    # Nodata: the rotated scene's corner.
    _hover_pixel(page, 2, 2)
    expect(inspector.locator(".pixel-nodata")).to_be_visible()
    assert _inspector_values(page) == {"1": "0", "2": "0", "3": "0"}

    # Pin on click: a pixel's values stay beside the live ones.
    inspector.get_by_label("Pin on click").check()
    _hover_pixel(page, x, y)
    page.mouse.click(*screen_point(page, x + 0.5, y + 0.5))
    expect(inspector.get_by_role("button", name=f"Unpin x {x}, y {y}")).to_be_visible()
    expect(inspector.locator("th", has_text=f"Pinned ({x}, {y})")).to_be_visible()
    screenshot("viewer-rgb-pinned-overlay")
    assert console_errors == []


def test_a_sentinel2_image_offers_its_presets_and_indexes(  # type: ignore[no-untyped-def]
    page, sign_in, screenshot, console_errors
) -> None:
    membership = MembershipFactory(role="viewer")
    event = EventFactory(team=membership.team, name="EuroSAT crops")
    image = rasters.image_with_raster(
        event, rasters.EUROSAT, band_names=rasters.EUROSAT_BANDS, reflectance_scale=0.0001
    )
    tiles = Tiles(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    _open(page, sign_in(membership.user), image)
    display = page.locator("section.display-panel")

    preset = display.get_by_role("combobox", name="Preset")
    for name in ("truecolor", "falsecolor", "swir", "snow"):
        expect(preset.locator(f'option[value="{name}"]')).to_be_enabled()
    preset.select_option("falsecolor")
    _tiles_loaded(page, "preset=falsecolor")
    # The stretch rows follow the bands shown: B08, B04, B03 with their p2/p98.
    b08 = rasters.EUROSAT_BANDS.index("B08")
    expect(display.get_by_label("Minimum of R: B08")).to_have_value(
        str(image.stats[b08]["p2"]).removesuffix(".0")
    )

    # One band of the thirteen, named as the image names it.
    display.get_by_role("combobox", name="Show").select_option("bands")
    display.get_by_label("One band").check()
    display.get_by_role("combobox", name="Band", exact=True).select_option("B11")
    _tiles_loaded(page, "bands=B11")
    b11 = rasters.EUROSAT_BANDS.index("B11")
    expect(display.get_by_label("Minimum of B11")).to_have_value(
        str(image.stats[b11]["p2"]).removesuffix(".0")
    )

    display.get_by_role("combobox", name="Show").select_option("index")
    index = display.get_by_role("combobox", name="Index")
    for name in ("ndvi", "ndsi", "ndwi", "nbr"):
        expect(index.locator(f'option[value="{name}"]')).to_be_enabled()
    _tiles_loaded(page, "index=ndvi")
    index.select_option("ndsi")
    display.get_by_role("combobox", name="Colormap").select_option("magma")
    _tiles_loaded(page, "index=ndsi&colormap=magma")
    expect(display.get_by_label("Minimum of NDSI")).to_have_value("-1")
    display.get_by_role("button", name="Reset display").scroll_into_view_if_needed()
    screenshot("viewer-eurosat-ndsi")

    # The event's view is remembered (this browser): the next image opens with it.
    page.reload()
    page.wait_for_function("() => !!window.__editor")
    _tiles_loaded(page, "index=ndsi&colormap=magma")
    expect(display.get_by_role("combobox", name="Index")).to_have_value("ndsi")
    assert tiles.responses and all(status == 200 for _, status in tiles.responses)

    # All 13 bands under the cursor, with reflectance, as rasterio reads them.
    with rasterio.open(rasters.EUROSAT) as src:
        data = src.read()
    x, y = 17, 42
    _hover_pixel(page, x, y)
    expected = {band: str(int(data[i, y, x])) for i, band in enumerate(rasters.EUROSAT_BANDS)}
    assert _inspector_values(page) == expected
    reflectance = page.eval_on_selector_all(
        ".pixel-table tbody tr", "rows => rows.map(r => r.querySelectorAll('td')[1].textContent)"
    )
    assert [float(v) for v in reflectance] == pytest.approx(
        [float(data[i, y, x]) * 0.0001 for i in range(13)], rel=1e-5
    )
    lon, lat = _lonlat(rasters.EUROSAT, x, y)
    lonlat = page.locator(".pixel-lonlat")
    assert math.isclose(float(lonlat.get_attribute("data-lon") or "nan"), lon, abs_tol=1e-9)
    assert math.isclose(float(lonlat.get_attribute("data-lat") or "nan"), lat, abs_tol=1e-9)
    screenshot("viewer-eurosat-inspector")
    assert console_errors == []


def test_an_image_without_georeference_says_why_it_has_no_map(  # type: ignore[no-untyped-def]
    page, sign_in, screenshot, console_errors
) -> None:
    membership = MembershipFactory(role="annotator")
    event = EventFactory(team=membership.team)
    image = rasters.image_with_raster(event, rasters.JPEG, footprint=None)
    # The event's last view in this browser was a Sentinel-2 false colour: it does not fit.
    page.add_init_script(
        f"localStorage.setItem('labeler.editor.display.{event.pk}', "
        "JSON.stringify({mode: 'preset', preset: 'falsecolor', gamma: 1.4}))"
    )
    _open(page, sign_in(membership.user), image)
    expect(
        page.get_by_text("The event's last view does not fit this image's bands")
    ).to_be_visible()
    assert all("?" not in url for url in _tiles_loaded(page, ""))
    expect(page.get_by_text("This image has no georeference")).to_be_visible()
    expect(page.get_by_role("region", name="Geographic context")).to_have_count(0)
    _hover_pixel(page, 5, 7)
    expect(page.locator(".pixel-lonlat")).to_have_count(0)
    with rasterio.open(rasters.JPEG) as src:
        data = src.read()
    assert _inspector_values(page) == {str(b + 1): str(int(data[b, 7, 5])) for b in range(3)}

    # Keyboard: a pixel pinned by its coordinates.
    inspector = page.get_by_role("region", name="Pixel inspector")
    inspector.get_by_label("Pixel x to pin").fill("60")
    inspector.get_by_label("Pixel y to pin").fill("3")
    inspector.get_by_label("Pixel y to pin").press("Enter")
    expect(inspector.get_by_role("button", name="Unpin x 60, y 3")).to_be_visible()
    pinned = page.eval_on_selector_all(
        ".pixel-table tbody tr", "rows => rows.map(r => r.querySelectorAll('td')[1].textContent)"
    )
    assert pinned == [str(int(data[b, 3, 60])) for b in range(3)]
    inspector.get_by_label("Pixel x to pin").fill("64")
    inspector.get_by_role("button", name="Pin pixel").click()
    expect(inspector.get_by_role("alert")).to_contain_text("x 0..63, y 0..63")
    screenshot("viewer-jpeg-pinned")
    assert console_errors == []
