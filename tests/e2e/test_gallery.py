"""The gallery page (/events/<id>/gallery/) in real Chromium: filter, select with the mouse
and the keyboard, bulk tag by ids and by "all matching", table view, the detail dialog."""

from __future__ import annotations

import datetime as dt
import warnings

import pytest
import rasterio
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from playwright.sync_api import expect
from rasterio.errors import NotGeoreferencedWarning

from events.models import Image, ImageTag, LabelClass, Membership, Role
from tests.factories import EventFactory, ImageFactory, LabelClassFactory, UserFactory
from tests.rasters import attach_raster
from tests.workers.imagery import DATA

pytestmark = pytest.mark.django_db(transaction=True)

SCENES = 30
RGB = [
    DATA / "eurosat" / "EuroSAT_RGB" / kind / f"{kind}_{n}.jpg"
    for kind, n in (("AnnualCrop", 1), ("Pasture", 300), ("SeaLake", 3000))
]


def _png_of(jpeg) -> bytes:  # type: ignore[no-untyped-def]
    """A EuroSAT RGB patch as PNG bytes: real pictures for the thumbnails."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(jpeg) as src:
            data = src.read()
        with rasterio.MemoryFile() as memory:
            with memory.open(
                driver="PNG", width=data.shape[2], height=data.shape[1], count=3, dtype="uint8"
            ) as png:
                png.write(data)
            return memory.read()


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    """An annotator's event with SCENES images (a real COG each; three real thumbnails)."""
    user = UserFactory(username="gallery-annotator")
    event = EventFactory(name="Gallery flood")
    Membership.objects.create(team=event.team, user=user, role=Role.ANNOTATOR)
    flooded = LabelClassFactory(event=event, name="flooded", kind=LabelClass.Kind.TAG)
    LabelClassFactory(event=event, name="water")  # an object class: not offered for tags
    at = dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC)
    images = [
        ImageFactory(
            event=event,
            name=f"scene-{n:02d}.tif",
            cloud_cover=float(n * 3),
            acquired_at=at + dt.timedelta(hours=n),
            source="sentinelhub" if n % 2 else "upload",
        )
        for n in range(SCENES)
    ]
    first = attach_raster(images[0])
    thumbnails = []
    for jpeg in RGB:
        name = f"tests/gallery/{jpeg.stem}-thumbnail.png"
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(_png_of(jpeg)))
        thumbnails.append(name)
    fields = {
        key: getattr(first, key)
        for key in ("width", "height", "band_count", "band_names", "dtype", "crs", "transform")
    }
    fields.update(stats=first.stats, checksum=first.checksum, footprint=first.footprint)
    for n, image in enumerate(images):
        Image.objects.filter(pk=image.pk).update(
            file=first.file.name,
            preview=first.preview.name,
            thumbnail=thumbnails[n % len(thumbnails)],
            **fields,
        )
    return {"user": user, "event": event, "flooded": flooded, "images": images}


def _tile(page, index: int):  # type: ignore[no-untyped-def]
    return page.locator(f'[role=listbox] [data-index="{index}"]')


def test_gallery_filter_select_bulk_tag_and_detail(  # type: ignore[no-untyped-def]
    page, sign_in, screenshot, console_errors, world
) -> None:
    event, flooded, images = world["event"], world["flooded"], world["images"]
    url = sign_in(world["user"])
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{url}/events/{event.pk}/gallery/")

    count = page.get_by_test_id("image-count")
    expect(count).to_have_text(f"{SCENES} images")
    expect(_tile(page, 0).locator("img")).to_have_js_property("complete", True)
    expect(page.get_by_role("link", name="Upload images")).to_have_attribute(
        "href", f"/events/{event.pk}/uploads/"
    )
    screenshot("gallery-grid")

    # Filter: cloud cover up to 30 % keeps scene-00 .. scene-10.
    page.get_by_label("max", exact=True).fill("30")
    expect(count).to_have_text("11 images")
    expect(page.locator("[role=listbox] [role=option]")).to_have_count(11)

    # Click the first, shift-click the fifth: five selected. Bulk tag them positive.
    _tile(page, 0).click()
    _tile(page, 4).click(modifiers=["Shift"])
    selected = page.get_by_test_id("selected-count")
    expect(selected).to_have_text("5 selected")
    # Ctrl-click adds one more, and takes it off again.
    _tile(page, 7).click(modifiers=["Control"])
    expect(selected).to_have_text("6 selected")
    _tile(page, 7).click(modifiers=["Control"])
    expect(selected).to_have_text("5 selected")
    page.get_by_role("button", name="Mark positive").click()
    expect(page.get_by_role("status")).to_have_text("Tagged positive: flooded on 5 images.")
    tagged = ImageTag.objects.filter(label_class=flooded, state="positive")
    assert sorted(tagged.values_list("image__name", flat=True)) == [
        f"scene-{n:02d}.tif" for n in range(5)
    ]
    assert set(tagged.values_list("author", flat=True)) == {world["user"].pk}
    for index in range(5):
        expect(_tile(page, index).locator("[data-tag-state=positive]")).to_have_text("✓ flooded")
    expect(_tile(page, 5).locator("[data-tag-state]")).to_have_count(0)

    # The tag filter now finds exactly those five.
    page.get_by_role("form", name="Filters").get_by_label("Tag class").select_option(
        label="flooded"
    )
    page.get_by_label("Tag state").select_option("positive")
    expect(count).to_have_text("5 images")

    # Clear the filters, select all 30 matching, mark them negative, then clear every tag.
    page.get_by_role("button", name="Clear filters").click()
    expect(count).to_have_text(f"{SCENES} images")
    page.get_by_role("button", name=f"Select all {SCENES} matching").click()
    expect(selected).to_have_text(f"All {SCENES} matching selected")
    page.get_by_role("button", name="Mark negative").click()
    expect(page.get_by_role("status")).to_have_text(f"Tagged negative: flooded on {SCENES} images.")
    assert ImageTag.objects.filter(label_class=flooded, state="negative").count() == SCENES
    expect(_tile(page, 2).locator("[data-tag-state=negative]")).to_have_count(1)
    page.get_by_role("button", name="Clear tag").click()
    expect(page.get_by_role("status")).to_have_text(f"Cleared: flooded on {SCENES} images.")
    assert not ImageTag.objects.filter(label_class=flooded).exists()
    expect(page.locator("[role=listbox] [data-tag-state]")).to_have_count(0)

    # Keyboard: Space toggles the focused image, arrows move focus.
    page.get_by_role("button", name="Clear selection").click()
    _tile(page, 2).focus()
    page.keyboard.press("Space")
    expect(selected).to_have_text("1 selected")
    expect(_tile(page, 2)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowRight")
    expect(_tile(page, 3)).to_be_focused()
    page.keyboard.press("Space")
    expect(selected).to_have_text("2 selected")

    # Sort by most cloud: scene-29 comes first.
    page.get_by_label("Sort").select_option("-cloud_cover")
    expect(_tile(page, 0)).to_have_attribute("aria-label", "scene-29.tif")

    # Table view.
    page.get_by_role("button", name="Table").click()
    table = page.get_by_role("grid", name="Images")
    expect(table.locator("[role=row][data-index]").first).to_contain_text("scene-29.tif")
    expect(table.locator('[data-index="0"]')).to_contain_text("87%")
    screenshot("gallery-table")

    # Detail of one image: its metadata, a band preset and brightness on its tiles.
    table.get_by_role("button", name="Details of scene-28.tif").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text("scene-28.tif")
    assert images[28].name == "scene-28.tif"
    body = dialog.inner_text()
    assert "64 \u00d7 64 px" in body and "uint16" in body and "84%" in body, body
    assert "sentinelhub" not in body  # scene-28 is even: an upload
    dialog.get_by_label("Band preset").select_option("truecolor")
    dialog.get_by_label("Brightness").fill("0.2")
    tile = dialog.locator(".leaflet-tile-loaded").first
    expect(tile).to_have_attribute("src", _contains("preset=truecolor"))
    expect(tile).to_have_attribute("src", _contains("brightness=0.2"))
    # Tag it from the dialog: the grid shows it after closing.
    dialog.get_by_role("group", name="Tag flooded").get_by_role("button", name="Positive").click()
    expect(dialog.locator("[data-tag-state=positive]")).to_have_count(1)
    screenshot("gallery-detail")
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    expect(table.locator('[data-index="1"] [data-tag-state=positive]')).to_have_count(1)
    assert ImageTag.objects.get(label_class=flooded).image.name == "scene-28.tif"
    assert console_errors == []


def _contains(text: str):  # type: ignore[no-untyped-def]
    import re

    return re.compile(re.escape(text))


def test_gallery_for_a_viewer_offers_no_tagging(  # type: ignore[no-untyped-def]
    page, sign_in, console_errors, world
) -> None:
    viewer = UserFactory(username="gallery-viewer")
    Membership.objects.create(team=world["event"].team, user=viewer, role=Role.VIEWER)
    url = sign_in(viewer)
    page.goto(f"{url}/events/{world['event'].pk}/gallery/")

    expect(page.get_by_test_id("image-count")).to_have_text(f"{SCENES} images")
    _tile(page, 0).click()
    expect(page.get_by_test_id("selected-count")).to_have_text("1 selected")
    expect(page.get_by_role("button", name="Mark positive")).to_have_count(0)
    assert console_errors == []
