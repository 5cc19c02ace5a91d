"""Masks, tags and attributes in the editor, in Chromium on RGB.byte.tif (791 x 718 px).

A brush stroke drawn with the mouse becomes a mask annotation whose RLE covers exactly the
pixels along the screen path (mapped with the page's own pixel <-> latlng helper); the
eraser clears pixels again; a polygon with a hole converts to a mask and back; the tag
buttons and the T key set the image's tags (checked in the database); attributes are saved.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import Page, expect
from shapely.geometry import shape

from events.geometry import rle_decode, rle_encode
from events.models import Annotation, ImageTag, LabelClass
from events.services.annotations import annotation_create
from tests import rasters
from tests.e2e.editor import screen_point
from tests.factories import EventFactory, LabelClassFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)

HOLED = {
    "type": "Polygon",
    "coordinates": [
        [[400, 300], [500, 300], [500, 380], [400, 380], [400, 300]],
        [[430, 320], [430, 340], [460, 340], [460, 320], [430, 320]],
    ],
}


def _pixel_ofscreen_point(page: Page, sx: float, sy: float) -> tuple[float, float]:
    """The image pixel position under page point (sx, sy), by the page's own helpers."""
    x, y = page.evaluate(
        """([sx, sy]) => {
            const map = window.__editor.map;
            const box = map.getContainer().getBoundingClientRect();
            const ll = map.containerPointToLatLng([sx - box.left, sy - box.top]);
            return window.__editor.toPixel(ll.lat, ll.lng);
        }""",
        [sx, sy],
    )
    return float(x), float(y)


def _drag(page: Page, start: tuple[float, float], end: tuple[float, float]) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=25)
    page.mouse.up()


def _distance_to_segment(
    xs: np.ndarray, ys: np.ndarray, a: tuple[float, float], b: tuple[float, float]
) -> np.ndarray:
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    t = np.clip(((xs - ax) * dx + (ys - ay) * dy) / (dx * dx + dy * dy), 0, 1)
    return np.hypot(xs - (ax + t * dx), ys - (ay + t * dy))


def _mask_pixels(annotation: Annotation) -> np.ndarray:
    image = annotation.image
    return rle_decode(annotation.mask, width=image.width, height=image.height)


def _objects(page: Page) -> Any:
    return page.get_by_role("complementary", name="Editor panels")


def test_brush_erase_convert_tags_and_attributes(  # type: ignore[no-untyped-def]
    page, sign_in, screenshot, console_errors
) -> None:
    membership: Any = MembershipFactory(role="annotator")
    event: Any = EventFactory(team=membership.team, name="Delta floods")
    water: Any = LabelClassFactory(event=event, name="water", color="#1f77b4", hotkey="")
    flooded: Any = LabelClassFactory(
        event=event, name="flooded", kind=LabelClass.Kind.TAG, hotkey=""
    )
    cloudy: Any = LabelClassFactory(event=event, name="cloudy", kind=LabelClass.Kind.TAG, hotkey="")
    image = rasters.image_with_raster(event, rasters.RGB)
    polygon = annotation_create(
        user=membership.user, image=image, label_class=water, kind="polygon", geometry=HOLED
    )
    page.set_viewport_size({"width": 1280, "height": 800})
    url = sign_in(membership.user)
    page.goto(f"{url}/images/{image.pk}/edit/")
    page.wait_for_function("() => !!window.__editor")
    # Every panel has loaded what it shows (the bars above the map no longer move it).
    page.wait_for_load_state("networkidle")
    panels = _objects(page)
    mask_panel = panels.locator("section.mask-panel")

    # --- a brush stroke -------------------------------------------------------------------
    mask_panel.get_by_role("button", name="Paint").click()
    mask_panel.get_by_label("Brush", exact=True).fill("12")
    start, end = screen_point(page, 120.5, 150.5), screen_point(page, 300.5, 210.5)
    _drag(page, start, end)
    expect(panels.get_by_role("button", name="water · mask #")).to_be_visible()
    stroke = Annotation.objects.get(image=image, kind="mask")
    assert stroke.label_class_id == water.pk and stroke.author == membership.user
    pixels = _mask_pixels(stroke)
    a, b = _pixel_ofscreen_point(page, *start), _pixel_ofscreen_point(page, *end)
    rows, cols = np.mgrid[0 : image.height, 0 : image.width]
    distance = _distance_to_segment(cols + 0.5, rows + 0.5, a, b)
    # The brush's radius is 6 px; the mouse path's positions are rounded to screen pixels,
    # so allow each side a screen pixel's worth of image pixels.
    one_screen_px = _pixel_ofscreen_point(page, start[0] + 1, start[1])[0] - a[0]
    slack = 1.5 * one_screen_px + 1
    missing = np.argwhere((distance <= 6 - slack) & ~pixels)
    assert not len(missing), f"stroke pixels (row, col) missing: {missing[:5]}, a={a} b={b}"
    assert not pixels[distance > 6 + slack].any(), "pixels far from the stroke are painted"
    length = math.dist(a, b)
    assert pixels.sum() == pytest.approx(length * 12 + math.pi * 36, rel=0.15)
    screenshot("masks-brush-stroke")

    # --- the eraser, across the middle of the stroke -----------------------------------------
    mask_panel.get_by_role("button", name="Erase").click()
    mask_panel.get_by_label("Brush", exact=True).fill("20")
    mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    e_start, e_end = (
        screen_point(page, mid[0], mid[1] - 30),
        screen_point(page, mid[0], mid[1] + 30),
    )
    _drag(page, e_start, e_end)
    expect(panels.get_by_text(f"#{stroke.pk} · mask · v2")).to_be_visible()
    stroke.refresh_from_db()
    erased = _mask_pixels(stroke)
    ea, eb = _pixel_ofscreen_point(page, *e_start), _pixel_ofscreen_point(page, *e_end)
    near_eraser = _distance_to_segment(cols + 0.5, rows + 0.5, ea, eb) <= 10 - slack
    assert not erased[near_eraser].any(), "pixels under the eraser are left"
    assert erased.sum() < pixels.sum() - 150
    assert (erased <= pixels).all()  # the eraser only removes
    # The stroke is cut in two: the mask's outline is now two polygons.
    assert shape(stroke.geometry).geom_type == "MultiPolygon"
    screenshot("masks-erased")

    # --- a closed outline drawn in one stroke, then filled with a click -----------------------
    mask_panel.get_by_role("button", name="Paint").click()
    mask_panel.get_by_label("Brush", exact=True).fill("4")
    corners = [(600, 450), (680, 450), (680, 530), (600, 530), (600, 450)]
    page.mouse.move(*screen_point(page, *corners[0]))
    page.mouse.down()
    for corner in corners[1:]:
        page.mouse.move(*screen_point(page, *corner), steps=15)
    page.mouse.up()
    expect(panels.get_by_text(f"#{stroke.pk} · mask · v3")).to_be_visible()
    stroke.refresh_from_db()
    ring = _mask_pixels(stroke)
    assert not ring[470:510, 620:660].any() and ring[450, 640] and ring[490, 680]
    mask_panel.get_by_label("Fill on click").check()
    # A click outside any closed outline fills nothing (the region is open).
    page.mouse.click(*screen_point(page, 560.5, 600.5))
    expect(page.locator(".editor-status")).to_contain_text("not enclosed")
    page.mouse.click(*screen_point(page, 640.5, 490.5))
    expect(panels.get_by_text(f"#{stroke.pk} · mask · v4")).to_be_visible()
    stroke.refresh_from_db()
    filled = _mask_pixels(stroke)
    assert filled[455:525, 605:675].all(), "the enclosed region is filled"
    assert (filled[ring] == 1).all() and filled.sum() > ring.sum() + 60 * 60
    assert filled[:, :590].sum() == ring[:, :590].sum()  # nothing outside the ring changed
    mask_panel.get_by_label("Fill on click").uncheck()
    screenshot("masks-filled")

    # --- convert the polygon with a hole to a mask and back -----------------------------------
    page.get_by_role("button", name="Select and edit").click()
    panels.get_by_role("button", name=f"water · polygon #{polygon.pk}").click()
    mask_panel.get_by_role("button", name=f"Convert #{polygon.pk} to mask").click()
    expect(panels.get_by_role("button", name=f"water · mask #{polygon.pk}")).to_be_visible()
    polygon.refresh_from_db()
    assert polygon.kind == "mask" and polygon.version == 2
    assert _mask_pixels(polygon).sum() == 100 * 80 - 30 * 20
    screenshot("masks-converted-to-mask")
    mask_panel.get_by_label("Simplify").fill("0")
    mask_panel.get_by_role("button", name=f"Convert #{polygon.pk} to polygon").click()
    expect(panels.get_by_role("button", name=f"water · polygon #{polygon.pk}")).to_be_visible()
    polygon.refresh_from_db()
    assert polygon.kind == "polygon" and polygon.mask is None
    assert shape(polygon.geometry).equals(shape(HOLED))

    # --- tags: buttons, then the T key on the default class ----------------------------------
    tags = panels.locator("section.tags-panel")

    def tag_state(cls: Any) -> str | None:
        row = ImageTag.objects.filter(image=image, label_class=cls).first()
        return row.state if row else None

    tags.get_by_role("button", name="flooded: positive").click()
    expect(tags.get_by_role("button", name="flooded: positive")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert tag_state(flooded) == "positive"
    tags.get_by_role("button", name="flooded: negative").click()
    expect(tags.get_by_role("button", name="flooded: negative")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert tag_state(flooded) == "negative"
    tags.get_by_role("button", name="flooded: not labelled").click()
    expect(tags.get_by_role("button", name="flooded: not labelled")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert tag_state(flooded) is None

    # The default class is the first tag class (flooded); T cycles it.
    expect(tags.get_by_label("Default (T)")).to_have_value(str(flooded.pk))
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("t")
    expect(tags.get_by_role("button", name="flooded: positive")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert tag_state(flooded) == "positive"
    page.keyboard.press("t")
    expect(tags.get_by_role("button", name="flooded: negative")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert tag_state(flooded) == "negative"
    # Another default, remembered for the event across a reload.
    tags.get_by_label("Default (T)").select_option(str(cloudy.pk))
    page.reload()
    page.wait_for_function("() => !!window.__editor")
    tags = _objects(page).locator("section.tags-panel")
    expect(tags.get_by_label("Default (T)")).to_have_value(str(cloudy.pk))
    page.keyboard.press("t")
    expect(tags.get_by_role("button", name="cloudy: positive")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert tag_state(cloudy) == "positive"
    assert tag_state(flooded) == "negative"
    # T typed into a form field is text, not a command.
    panels = _objects(page)
    panels.get_by_role("button", name=f"water · mask #{stroke.pk}").click()
    attributes = panels.locator("section.attr-panel")
    attributes.get_by_role("button", name="Add attribute").click()
    attributes.get_by_label("Attribute 1 name").fill("depth")
    attributes.get_by_label("Attribute 1 value").fill("2.5")
    page.keyboard.press("t")  # focus is in the value field
    expect(attributes.get_by_label("Attribute 1 value")).to_have_value("2.5t")
    attributes.get_by_label("Attribute 1 value").fill("2.5")
    assert tag_state(cloudy) == "positive"
    screenshot("masks-tags")

    # --- attributes ---------------------------------------------------------------------------
    attributes.get_by_role("button", name="Add attribute").click()
    attributes.get_by_label("Attribute 2 name").fill("note")
    attributes.get_by_label("Attribute 2 value").fill("shallow water")
    expect(attributes.locator("dd", has_text=membership.user.username)).to_be_visible()
    attributes.get_by_role("button", name="Save attributes").click()
    expect(attributes.get_by_text(f"#{stroke.pk} · mask · v5")).to_be_visible()
    stroke.refresh_from_db()
    assert stroke.attributes == {"depth": 2.5, "note": "shallow water"}
    screenshot("masks-attributes")
    attributes.get_by_role("button", name="Delete attribute depth").click()
    attributes.get_by_role("button", name="Save attributes").click()
    expect(attributes.get_by_text(f"#{stroke.pk} · mask · v6")).to_be_visible()
    stroke.refresh_from_db()
    assert stroke.attributes == {"note": "shallow water"}
    assert console_errors == []


def test_a_viewer_sees_masks_from_their_rle_but_cannot_edit(  # type: ignore[no-untyped-def]
    page, sign_in, screenshot, console_errors
) -> None:
    owner: Any = MembershipFactory(role="annotator")
    viewer: Any = MembershipFactory(team=owner.team, role="viewer")
    event: Any = EventFactory(team=owner.team, name="Delta floods")
    water: Any = LabelClassFactory(event=event, name="water", color="#ff7f0e", hotkey="")
    LabelClassFactory(event=event, name="flooded", kind=LabelClass.Kind.TAG, hotkey="")
    image = rasters.image_with_raster(event, rasters.RGB)
    # An L-shaped mask: the server's RLE, decoded in the browser, must put the same pixels
    # on the overlay canvas (one canvas pixel per image pixel).
    pixels = np.zeros((image.height, image.width), dtype=bool)
    pixels[100:300, 200:240] = True
    pixels[260:300, 240:400] = True
    mask = annotation_create(
        user=owner.user, image=image, label_class=water, kind="mask", mask=rle_encode(pixels)
    )
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{sign_in(viewer.user)}/images/{image.pk}/edit/")
    page.wait_for_function("() => !!window.__editor")
    page.wait_for_function(
        """() => {
            const c = document.querySelector('canvas.mask-overlay');
            return c && c.getContext('2d').getImageData(210, 110, 1, 1).data[3] > 0;
        }"""
    )
    drawn = np.array(
        page.evaluate(
            """() => {
                const c = document.querySelector('canvas.mask-overlay');
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                const out = [];
                for (let i = 3; i < d.length; i += 4) out.push(d[i] > 0 ? 1 : 0);
                return [c.width, c.height, out];
            }"""
        )[2],
        dtype=bool,
    ).reshape((image.height, image.width))
    assert np.array_equal(drawn, pixels)
    screenshot("masks-viewer")

    panels = _objects(page)
    panels.get_by_role("button", name=f"water · mask #{mask.pk}").click()
    # The selected mask's outline is a layer of the map (drawn on the map's canvas).
    page.wait_for_function(
        """(name) => Object.values(window.__editor.map._layers)
            .some((l) => l.options && String(l.options.className || '').includes(name))""",
        arg=f"mask-outline-{mask.pk}",
    )
    mask_panel = panels.locator("section.mask-panel")
    expect(mask_panel.get_by_role("button", name="Paint")).to_be_disabled()
    expect(mask_panel.get_by_role("button", name=f"Convert #{mask.pk} to polygon")).to_be_disabled()
    expect(panels.get_by_role("button", name="flooded: positive")).to_be_disabled()
    expect(panels.get_by_role("button", name="Add attribute")).to_have_count(0)
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("t")
    expect(panels.get_by_role("button", name="flooded: not labelled")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert not ImageTag.objects.filter(image=image).exists()
    assert console_errors == []
