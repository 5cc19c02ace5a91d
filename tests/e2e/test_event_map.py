"""The event map (/events/<id>/) in Chromium with the real worker: an uploaded GeoTIFF's
footprint drawn where rasterio puts it, a box drawn on the map extracted from the fake GIBS
(tests/gibs.py, tests/gibs_tiles.py) with its new footprint appearing, and map shapes drawn,
labelled, reloaded, exported and imported as GeoJSON. No basemap: the page works offline."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import rasterio
from django.contrib.gis.geos import MultiPolygon, Polygon
from playwright.sync_api import Page, expect
from pytest_httpserver import HTTPServer
from rasterio.warp import transform_bounds
from rest_framework.test import APIClient

from events.models import Image, LabelClass, MapShape
from tests.factories import (
    AnnotationFactory,
    EventFactory,
    ImageFactory,
    LabelClassFactory,
    MapShapeFactory,
    MembershipFactory,
)
from tests.gibs import FakeGibs
from tests.gibs_tiles import LAYER, TILE_FILES, FakeTiles
from workers.models import Job

pytestmark = pytest.mark.django_db(transaction=True)

RGB = Path("/work/shared/data/rasterio/RGB.byte.tif")
JOB_WAIT = 120.0  # seconds a worker job may take before the test gives up waiting


@pytest.fixture(scope="module")
def fake_gibs() -> Iterator[tuple[FakeGibs, FakeTiles]]:
    """A fake GIBS for the whole module: the worker process is started once per module and
    is given its URL (worker_env) before any test runs."""
    server = HTTPServer(host="127.0.0.1")
    server.start()
    fake = FakeGibs(server)
    yield fake, FakeTiles(fake)
    server.stop()


@pytest.fixture(scope="module")
def worker_env(fake_gibs: tuple[FakeGibs, FakeTiles]) -> dict[str, str]:
    return {"GIBS_WMTS_URL": fake_gibs[0].url}


@pytest.fixture(autouse=True)
def offline(settings, fake_gibs: tuple[FakeGibs, FakeTiles]) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The live server's GIBS catalogue from the fake (no basemap: tests/e2e/conftest.py)."""
    from django.core.cache import cache

    from workers.sources import gibs

    settings.GIBS_WMTS_URL = fake_gibs[0].url
    yield
    cache.delete(gibs.cache_key(fake_gibs[0].url))


def _box(west: float, south: float, east: float, north: float) -> MultiPolygon:
    return MultiPolygon(Polygon.from_bbox((west, south, east, north)), srid=4326)


def _wait_job(job_id: int) -> Job:
    deadline = time.monotonic() + JOB_WAIT
    while True:
        job = Job.objects.get(pk=job_id)
        if job.status in (Job.Status.SUCCEEDED, Job.Status.FAILED):
            return job
        if time.monotonic() > deadline:
            pytest.fail(f"Job {job_id} still {job.status} after {JOB_WAIT} s: {job.message}")
        time.sleep(0.2)


def _map_ready(page: Page) -> None:
    page.wait_for_function("() => window.__eventMap && window.__eventMap.ready")


def _screen_point(page: Page, lat: float, lon: float) -> tuple[float, float]:
    """Page coordinates of a point of the map (Leaflet's container point + the map's box)."""
    point: dict[str, float] = page.evaluate(
        """([lat, lon]) => {
            const map = window.__eventMap.map;
            const p = map.latLngToContainerPoint([lat, lon]);
            const box = map.getContainer().getBoundingClientRect();
            return {x: box.left + p.x, y: box.top + p.y};
        }""",
        [lat, lon],
    )
    return point["x"], point["y"]


def _draw_box(page: Page, west: float, south: float, east: float, north: float) -> None:
    x1, y1 = _screen_point(page, north, west)
    x2, y2 = _screen_point(page, south, east)
    page.mouse.click(x1, y1)
    page.mouse.move((x1 + x2) / 2, (y1 + y2) / 2)
    page.mouse.move(x2, y2)
    page.mouse.click(x2, y2)


def test_an_uploaded_geotiff_is_drawn_where_it_belongs_with_its_overlay(  # type: ignore[no-untyped-def]
    page, sign_in, screenshot, console_errors, worker
) -> None:
    membership = MembershipFactory(role="manager")
    event = EventFactory(team=membership.team, name="Sahel dunes")
    tag = LabelClassFactory(event=event, name="Dunes", kind=LabelClass.Kind.TAG)
    client = APIClient()
    client.force_authenticate(membership.user)
    with RGB.open("rb") as file:
        response = client.post(
            f"/api/v1/events/{event.pk}/uploads/", {"files": [file]}, format="multipart"
        )
    assert response.status_code == 202, response.content
    job = _wait_job(response.json()["id"])
    assert job.status == Job.Status.SUCCEEDED, job.error
    image = Image.objects.get(event=event)
    tagged = client.post(
        f"/api/v1/images/{image.pk}/tags/",
        {"label_class": tag.pk, "state": "positive"},
        format="json",
    )
    assert tagged.status_code in (200, 201), tagged.content
    with rasterio.open(RGB) as dataset:
        west, south, east, north = transform_bounds(dataset.crs, "EPSG:4326", *dataset.bounds)

    url = sign_in(membership.user)
    page.goto(f"{url}/events/{event.pk}/")
    _map_ready(page)
    page.wait_for_function(f"() => window.__eventMap.footprintBounds({image.pk}) !== null")

    # The Leaflet layer's bounds are rasterio's footprint of the file (EPSG:4326).
    (s, w), (n, e) = page.evaluate(f"() => window.__eventMap.footprintBounds({image.pk})")
    assert (w, s, e, n) == pytest.approx((west, south, east, north), abs=2e-3)
    # The drawn path covers the pixels of that footprint on screen.
    path = page.locator(f"path.footprint-{image.pk}")
    expect(path).to_be_visible()
    drawn = path.bounding_box()
    assert drawn is not None
    left, top = _screen_point(page, north, west)
    right, bottom = _screen_point(page, south, east)
    assert drawn["x"] == pytest.approx(left, abs=3)
    assert drawn["y"] == pytest.approx(top, abs=3)
    assert drawn["x"] + drawn["width"] == pytest.approx(right, abs=3)
    assert drawn["y"] + drawn["height"] == pytest.approx(bottom, abs=3)
    # Coloured as "has a positive tag", as the legend says.
    assert path.get_attribute("stroke") == "#1a7f37"
    expect(page.get_by_role("list", name="Footprint colours")).to_contain_text(
        "Has a positive tag (1)"
    )

    # The popup names the image and links to the gallery.
    path.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("RGB.byte.tif")
    expect(popup).to_contain_text("geotiff")
    assert popup.get_by_role("link", name="Open in the gallery").get_attribute("href") == (
        f"/events/{event.pk}/gallery/?image={image.pk}"
    )
    page.keyboard.press("Escape")

    # The COG overlay with a stretch: tiles of the image load with the chosen parameters.
    row = page.locator(f'[data-image-id="{image.pk}"]')
    row.get_by_role("checkbox").check()
    row.get_by_label("Min").fill("0")
    row.get_by_label("Max").fill("200")
    row.get_by_label("Gamma").fill("1.5")
    page.wait_for_function(
        f"""() => [...document.querySelectorAll('img.leaflet-tile')].some(t =>
            t.src.includes('/images/{image.pk}/tiles/') && t.src.includes('rescale=0,200')
            && t.src.includes('gamma=1.5') && t.complete && t.naturalWidth === 256)"""
    )
    screenshot("event-map")
    # Tiles over the nodata frame round the tilted scene are transparent, not missing: the
    # browser logged no error.
    assert console_errors == []


def test_a_box_drawn_on_the_map_is_extracted_from_gibs(  # type: ignore[no-untyped-def]
    page, sign_in, screenshot, console_errors, worker, fake_gibs
) -> None:
    membership = MembershipFactory(role="manager")
    # The fake serves two tiles: lon -90..-72, lat 36..45 (matrix 5 of EPSG4326_250m).
    event = EventFactory(
        team=membership.team, name="Great Lakes smoke", area_of_interest=_box(-89, 37, -73, 44)
    )
    url = sign_in(membership.user)
    page.goto(f"{url}/events/{event.pk}/")
    _map_ready(page)
    expect(page.get_by_text("No image yet")).to_be_visible()

    # The catalogue's layer shown by date. Its template (the 2014 capabilities document)
    # is on GIBS's old host, out of reach here: the browser's requests to its Web Mercator
    # twin are answered with the real GIBS tile of the fixtures, and recorded.
    shown: list[str] = []

    def gibs_tile(route: Any) -> None:
        shown.append(route.request.url)
        route.fulfill(body=TILE_FILES[(5, 10)].read_bytes(), content_type="image/jpeg")

    page.route("http://map1.vis.earthdata.nasa.gov/wmts-webmerc/**", gibs_tile)
    page.get_by_label("Date", exact=True).fill("2013-07-01")
    side = page.get_by_role("complementary", name="Map controls")
    side.get_by_label("Search", exact=True).fill("CorrectedReflectance_TrueColor")
    expect(side.locator(f'option[value="{LAYER}"]')).to_have_count(1)
    side.get_by_label("Layer shown").select_option(LAYER)
    page.wait_for_function(
        """() => [...document.querySelectorAll('img.leaflet-tile')].some(t =>
            t.src.includes('/GoogleMapsCompatible_Level9/') && t.complete && t.naturalWidth > 0)"""
    )
    zoom = page.evaluate("() => window.__eventMap.map.getZoom()")
    prefix = (
        f"http://map1.vis.earthdata.nasa.gov/wmts-webmerc/{LAYER}/default/2013-07-01/"
        f"GoogleMapsCompatible_Level9/{zoom}/"
    )
    assert shown and all(url.startswith(prefix) for url in shown), shown

    page.get_by_role("button", name="Draw a box to extract").click()
    expect(page.get_by_role("status").filter(has_text="Draw the box")).to_be_visible()
    _draw_box(page, -87.5, 38.5, -76.5, 43.5)
    dialog = page.get_by_role("dialog", name="Extract imagery")
    expect(dialog).to_be_visible()
    west = float(dialog.get_by_label("West").input_value())
    north = float(dialog.get_by_label("North").input_value())
    # The box is where it was drawn (to a pixel or so at this zoom).
    assert west == pytest.approx(-87.5, abs=0.2) and north == pytest.approx(43.5, abs=0.2)

    dialog.get_by_label("Search layers").fill("Terra_CorrectedReflectance_True")
    layer = dialog.get_by_label("Layer", exact=True)
    expect(layer.locator(f'option[value="{LAYER}"]')).to_have_count(1)
    layer.select_option(LAYER)
    dialog.get_by_label("Date (or first date)").fill("2013-07-01")
    dialog.get_by_label("Resolution", exact=True).select_option("km")
    dialog.get_by_label("Km per pixel").fill("2")
    screenshot("event-map-extraction-dialog")
    dialog.get_by_role("button", name="Extract").click()

    done = dialog.locator("[data-job-status=succeeded]")
    expect(done).to_be_visible(timeout=int(JOB_WAIT * 1000))
    image = Image.objects.get(event=event)
    assert image.source == "gibs" and image.acquired_at.date().isoformat() == "2013-07-01"
    assert any(path.endswith("/5/5/10.jpg") for path in fake_gibs[1].paths)
    # The new image's footprint is on the map (reloaded when the job succeeded).
    page.wait_for_function(f"() => window.__eventMap.footprintBounds({image.pk}) !== null")
    (s, w), (n, e) = page.evaluate(f"() => window.__eventMap.footprintBounds({image.pk})")
    assert w == pytest.approx(west, abs=0.05) and n == pytest.approx(north, abs=0.05)
    assert s < n and w < e
    dialog.get_by_role("button", name="Close").click()
    expect(page.locator(f"path.footprint-{image.pk}")).to_be_visible()
    expect(page.locator(f'[data-image-id="{image.pk}"]')).to_contain_text("2013-07-01")
    page.get_by_label("Layer shown").select_option("")
    screenshot("event-map-extracted")
    assert console_errors == []


def test_map_shapes_are_drawn_labelled_reloaded_exported_and_imported(  # type: ignore[no-untyped-def]
    page, sign_in, screenshot, console_errors, tmp_path
) -> None:
    membership = MembershipFactory(role="annotator")
    event = EventFactory(
        team=membership.team, name="Debris flows", area_of_interest=_box(10, 45, 12, 47)
    )
    debris = LabelClassFactory(event=event, name="Debris", kind=LabelClass.Kind.OBJECT)
    url = sign_in(membership.user)
    page.goto(f"{url}/events/{event.pk}/")
    _map_ready(page)
    # An annotator draws shapes but does not extract imagery.
    expect(page.get_by_role("button", name="Draw a box to extract")).to_have_count(0)

    page.get_by_role("group", name="Draw a shape").get_by_role("button", name="Box").click()
    _draw_box(page, 10.5, 45.5, 11.2, 46.2)
    editor = page.get_by_role("form", name="New polygon")
    editor.get_by_label("Label class").select_option(label="Debris")
    editor.get_by_role("button", name="Add attribute").click()
    editor.get_by_label("Attribute 1 name").fill("depth")
    editor.get_by_label("Attribute 1 value").fill("2 m")
    editor.get_by_role("button", name="Save shape").click()
    expect(page.get_by_role("status").filter(has_text="Shape saved.")).to_be_visible()
    shape = MapShape.objects.get(event=event)
    assert shape.label_class_id == debris.pk and shape.properties == {"depth": "2 m"}
    extent = shape.geometry.extent
    assert extent == pytest.approx((10.5, 45.5, 11.2, 46.2), abs=0.05)

    page.reload()
    _map_ready(page)
    listed = page.locator(f'[data-shape-id="{shape.pk}"]')
    expect(listed).to_contain_text("Debris")
    page.wait_for_function(f"() => window.__eventMap.shapes.has({shape.pk})")
    listed.get_by_role("button").click()
    expect(page.get_by_role("form", name=f"Shape #{shape.pk}")).to_be_visible()
    expect(page.get_by_label("Attribute 1 value")).to_have_value("2 m")
    screenshot("event-map-shapes")

    # Editing the geometry: drag the box's north-east corner further north-east.
    form = page.get_by_role("form", name=f"Shape #{shape.pk}")
    form.get_by_role("button", name="Edit geometry").click()
    corner = page.locator(".leaflet-marker-icon.marker-icon").filter(
        has_not=page.locator(".marker-icon-middle")
    )
    expect(corner.first).to_be_visible()
    # Grab the vertex handle itself once the map stands still (picking the shape may have
    # started a pan): the handle nearest the box's north-east corner.
    page.wait_for_function(
        "() => { const m = window.__eventMap.map;"
        " return !m._animatingZoom && !(m._panAnim && m._panAnim._inProgress); }"
    )
    want = _screen_point(page, 46.2, 11.2)
    boxes = [b for b in (c.bounding_box() for c in corner.all()) if b is not None]
    handle = min(
        boxes,
        key=lambda b: (
            (b["x"] + b["width"] / 2 - want[0]) ** 2 + (b["y"] + b["height"] / 2 - want[1]) ** 2
        ),
    )
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    assert abs(x - want[0]) < 3 and abs(y - want[1]) < 3, (x, y, want)
    page.mouse.move(x, y)
    page.mouse.down()
    tx, ty = _screen_point(page, 46.4, 11.5)
    page.mouse.move((x + tx) / 2, (y + ty) / 2)
    page.mouse.move(tx, ty)
    page.mouse.up()
    form.get_by_role("button", name="Save shape").click()
    expect(page.get_by_role("status").filter(has_text="Shape updated.")).to_be_visible()
    shape.refresh_from_db()
    assert shape.geometry.extent == pytest.approx((10.5, 45.5, 11.5, 46.4), abs=0.05)
    assert shape.properties == {"depth": "2 m"} and shape.label_class_id == debris.pk

    with page.expect_download() as info:
        page.get_by_role("button", name="Export GeoJSON").click()
    download = info.value
    assert download.suggested_filename == "debris-flows-shapes.geojson"
    exported: dict[str, Any] = json.loads(Path(download.path()).read_text())
    assert exported["type"] == "FeatureCollection"
    [feature] = exported["features"]
    assert feature["id"] == shape.pk and feature["geometry"]["type"] == "Polygon"
    assert feature["properties"]["label"] == "Debris"
    assert feature["properties"]["depth"] == "2 m"

    upload = tmp_path / "gauges.geojson"
    upload.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [11.5, 46.5]},
                        "properties": {"label_class": "Debris", "gauge": "G-7"},
                    },
                    {
                        "type": "Feature",
                        "geometry": {"type": "LineString", "coordinates": [[10, 45], [11, 46]]},
                        "properties": {},
                    },
                ],
            }
        )
    )
    page.get_by_label("Import GeoJSON").set_input_files(str(upload))
    expect(page.get_by_role("status").filter(has_text="Imported 2 shapes")).to_be_visible()
    assert MapShape.objects.filter(event=event).count() == 3
    point = MapShape.objects.get(event=event, properties__gauge="G-7")
    assert point.label_class_id == debris.pk and point.geometry.geom_type == "Point"
    expect(page.locator("[data-shape-id]")).to_have_count(3)

    # A file that is not GeoJSON is refused in words.
    bad = tmp_path / "notes.geojson"
    bad.write_text("field notes")
    page.get_by_label("Import GeoJSON").set_input_files(str(bad))
    expect(page.get_by_role("alert")).to_contain_text("notes.geojson: The file is not JSON.")

    # Deleting a shape.
    page.locator(f'[data-shape-id="{point.pk}"]').get_by_role("button").click()
    page.get_by_role("form", name=f"Shape #{point.pk}").get_by_role("button", name="Delete").click()
    expect(page.get_by_role("status").filter(has_text="Shape deleted.")).to_be_visible()
    assert not MapShape.objects.filter(pk=point.pk).exists()
    assert console_errors == []


def test_sentinel_hub_acquisitions_are_searched_and_picked_in_the_dialog(  # type: ignore[no-untyped-def]
    page, sign_in, screenshot, console_errors, sentinelhub_service
) -> None:
    membership = MembershipFactory(role="manager")
    event = EventFactory(
        team=membership.team, name="Yukon fires", area_of_interest=_box(-141, 59, -123, 69)
    )
    client = APIClient()
    client.force_authenticate(membership.user)
    saved = client.put(
        f"/api/v1/teams/{membership.team.pk}/sentinelhub-credential/",
        {"client_id": "team-client", "client_secret": "s3cret", "endpoint": "sentinelhub"},
        format="json",
    )
    assert saved.status_code == 200, saved.content
    url = sign_in(membership.user)
    page.goto(f"{url}/events/{event.pk}/")
    _map_ready(page)

    page.get_by_role("button", name="Draw a box to extract").click()
    _draw_box(page, -138, 61, -126, 67)
    dialog = page.get_by_role("dialog", name="Extract imagery")
    dialog.get_by_label("Sentinel Hub (Sentinel-2)").check()
    dialog.get_by_label("From").fill("2024-09-01")
    dialog.get_by_label("To", exact=True).fill("2024-09-02")
    dialog.get_by_label("Max cloud %").fill("30")
    dialog.get_by_role("button", name="Search acquisitions").click()

    table = dialog.get_by_role("table")
    expect(table).to_contain_text("51 acquisitions, 51 picked to extract")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(51)
    # Sorted by date, each with its cloud cover (the recorded pages' first acquisition).
    first = rows.first.get_by_role("cell")
    expect(first.nth(1)).to_have_text("2020-04-30 10:09:22")
    expect(first.nth(2)).to_have_text("6.8 %")
    dialog.get_by_label("Extract 2020-04-30T10:09:22Z").uncheck()
    expect(table).to_contain_text("51 acquisitions, 50 picked to extract")
    sent = sentinelhub_service.search_bodies[0]
    assert sent["filter"] == "eo:cloud_cover <= 30.0"
    assert sent["datetime"] == "2024-09-01T00:00:00Z/2024-09-02T23:59:59Z"
    west, south, east, north = sent["bbox"]
    assert (west, north) == pytest.approx((-138, 67), abs=0.2)
    assert (east, south) == pytest.approx((-126, 61), abs=0.2)
    screenshot("event-map-sentinelhub-acquisitions")
    assert console_errors == []


def test_a_viewer_sees_the_map_without_drawing_tools_and_footprints_by_state(  # type: ignore[no-untyped-def]
    page, sign_in, screenshot, console_errors
) -> None:
    membership = MembershipFactory(role="viewer")
    event = EventFactory(team=membership.team)  # no area of interest: fitted to the images
    plain = ImageFactory(event=event, name="plain.tif")
    annotated = ImageFactory(event=event, name="annotated.tif")
    AnnotationFactory(image=annotated)
    shape = MapShapeFactory(event=event)
    url = sign_in(membership.user)
    page.goto(f"{url}/events/{event.pk}/")
    _map_ready(page)
    expect(page.get_by_text("1 shape (view only).")).to_be_visible()
    expect(page.get_by_role("group", name="Draw a shape")).to_have_count(0)
    expect(page.get_by_role("button", name="Draw a box to extract")).to_have_count(0)
    expect(page.get_by_role("button", name="Import GeoJSON")).to_have_count(0)

    # Footprints by label state: annotated (no tags) apart from untouched, as the legend says.
    expect(page.locator(f"path.footprint-{annotated.pk}")).to_have_attribute("stroke", "#7a3fc2")
    expect(page.locator(f"path.footprint-{plain.pk}")).to_have_attribute("stroke", "#6b7785")
    legend = page.get_by_role("list", name="Footprint colours")
    expect(legend).to_contain_text("Annotated, no tags (1)")
    expect(legend).to_contain_text("No tags (1)")
    # The view holds both footprints and the shape.
    view = page.evaluate(
        "() => { const b = window.__eventMap.map.getBounds();"
        " return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"
    )
    for geometry in (plain.footprint, annotated.footprint, shape.geometry):
        west, south, east, north = geometry.extent
        assert view[0] <= west and view[1] <= south and view[2] >= east and view[3] >= north
    screenshot("event-map-viewer")
    assert console_errors == []
