"""The editor's drawing tools in Chromium on the real RGB.byte.tif (791 x 718 px): a box (free
and with a fixed 1:1 aspect ratio), a polygon with a hole, a line and a point drawn by
mouse are stored at the image pixels under the mouse (within one screen pixel at the zoom
used); class hotkeys change the class; undo deletes what was drawn and redo re-creates it;
Delete deletes; two people editing the same object get the conflict dialog and both of its
choices work."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import Browser, Page, expect

from events.models import Annotation
from tests import rasters
from tests.e2e.editor import screen_point
from tests.factories import AnnotationFactory, EventFactory, LabelClassFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _setup() -> tuple[Any, Any, Any, Any]:
    membership = MembershipFactory(role="annotator")
    event = EventFactory(team=membership.team, name="Coast")
    water = LabelClassFactory(event=event, name="water", color="#1f78b4", hotkey="1")
    ship = LabelClassFactory(event=event, name="ship", color="#e31a1c", hotkey="2")
    image = rasters.image_with_raster(event, rasters.RGB)
    return membership, image, water, ship


def _open(page: Page, url: str, image: Any) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{url}/images/{image.pk}/edit/")
    page.wait_for_function("() => !!window.__editor")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.image-tiles img.leaflet-tile')]"
        ".some((i) => i.complete && i.naturalWidth > 0)"
    )


def _image_px_per_screen_px(page: Page) -> float:
    (x0, _), (x1, _) = screen_point(page, 0, 0), screen_point(page, 100, 0)
    return 100.0 / (x1 - x0)


def _pixel_at(page: Page, sx: float, sy: float) -> tuple[float, float]:
    """The image pixel position the editor computes for page point (sx, sy)."""
    x, y = page.evaluate(
        """([sx, sy]) => {
            const box = window.__editor.map.getContainer().getBoundingClientRect();
            const ll = window.__editor.map.containerPointToLatLng([sx - box.left, sy - box.top]);
            return window.__editor.toPixel(ll.lat, ll.lng);
        }""",
        [sx, sy],
    )
    return float(x), float(y)


def _count(page: Page, n: int) -> None:
    try:
        expect(page.get_by_role("heading", name=f"Objects ({n})")).to_be_visible()
    except AssertionError as e:
        status = page.get_by_role("status").last.text_content()
        raise AssertionError(f"expected {n} objects; status line: {status}") from e


def _close(actual: list[float], expected: tuple[float, float], tol: float) -> bool:
    return abs(actual[0] - expected[0]) <= tol and abs(actual[1] - expected[1]) <= tol


def _wait_version(page: Page, annotation: Annotation, version: int) -> None:
    """Waits until the stored annotation reaches `version` (writes are asynchronous) and
    the editor holds that version too (its shapes are re-drawn from it)."""
    for _ in range(200):
        annotation.refresh_from_db()
        if annotation.version >= version:
            page.wait_for_function(
                "([id, v]) => (window.__editor.annotation(id)?.version ?? 0) >= v",
                arg=[annotation.pk, version],
            )
            return
        page.wait_for_timeout(50)
    status = page.get_by_role("status").last.text_content()
    raise AssertionError(
        f"annotation {annotation.pk} stayed at version {annotation.version}: {status}"
    )


def _click(page: Page, x: float, y: float) -> tuple[float, float]:
    sx, sy = screen_point(page, x, y)
    page.mouse.click(sx, sy)
    return sx, sy


def test_draw_box_aspect_box_polygon_with_hole_line_and_point(  # type: ignore[no-untyped-def]
    page, sign_in, screenshot, console_errors
) -> None:
    membership, image, water, ship = _setup()
    _open(page, sign_in(membership.user), image)
    tol = _image_px_per_screen_px(page) + 0.01  # one screen pixel, in image pixels
    assert tol < 2

    # A free box, dragged by mouse, with the active class (the first: water).
    page.keyboard.press("b")
    expect(page.get_by_role("button", name="Box")).to_have_attribute("aria-pressed", "true")
    a, b = screen_point(page, 100.4, 80.2), screen_point(page, 260.7, 150.9)
    page.mouse.move(*a)
    page.mouse.down()
    page.mouse.move((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    page.mouse.move(*b, steps=4)
    page.mouse.up()
    _count(page, 1)
    box = Annotation.objects.get(image=image, kind="bbox")
    assert box.label_class_id == water.pk
    ring = box.geometry["coordinates"][0]
    pa, pb = _pixel_at(page, *a), _pixel_at(page, *b)
    assert _close(ring[0], (100.4, 80.2), tol) and _close(ring[2], (260.7, 150.9), tol), ring
    assert _close(ring[0], pa, 0.002) and _close(ring[2], pb, 0.002)

    # A 1:1 box: dragging 60 x 30 px makes a 60 x 60 px square.
    page.get_by_role("combobox", name="Box aspect ratio").select_option("1:1")
    a, b = screen_point(page, 400, 100), screen_point(page, 460, 130)
    page.mouse.move(*a)
    page.mouse.down()
    page.mouse.move(*b, steps=4)
    page.mouse.up()
    _count(page, 2)
    square = Annotation.objects.filter(image=image, kind="bbox").order_by("-id")[0]
    (x0, y0), _, (x1, y1) = square.geometry["coordinates"][0][:3]
    assert abs((x1 - x0) - (y1 - y0)) < 0.01, square.geometry
    assert _close([x0, y0], (400, 100), tol) and abs((x1 - x0) - 60) <= 2 * tol

    # A polygon: click the vertices, click the first one to close.
    page.keyboard.press("p")
    outer = [(100, 300), (300, 300), (300, 500), (100, 500)]
    for x, y in outer:
        _click(page, x, y)
    _click(page, *outer[0])
    _count(page, 3)
    polygon = Annotation.objects.get(image=image, kind="polygon")
    stored = polygon.geometry["coordinates"][0]
    assert len(stored) == 5
    for got, want in zip(stored, outer, strict=False):
        assert _close(got, want, tol), (got, want)

    # A hole in it: select it, "Draw hole", draw inside.
    page.keyboard.press("v")
    _click(page, 120, 320)
    expect(page.get_by_role("button", name=f"Delete polygon #{polygon.pk}")).to_be_visible()
    page.get_by_role("button", name="Draw hole").click()
    expect(page.get_by_role("radio", name="Hole in selected")).to_have_attribute(
        "aria-checked", "true"
    )
    hole = [(150, 350), (250, 350), (250, 450), (150, 450)]
    for x, y in hole:
        _click(page, x, y)
    _click(page, *hole[0])
    _wait_version(page, polygon, 2)
    rings = polygon.geometry["coordinates"]
    assert len(rings) == 2, polygon.geometry
    for got, want in zip(rings[1], hole, strict=False):
        assert _close(got, want, tol), (got, want)

    # A line: click the vertices, click the last one again to finish.
    page.get_by_role("radio", name="New object").click()
    page.keyboard.press("l")
    line = [(500, 300), (600, 350), (700, 320)]
    for x, y in line:
        _click(page, x, y)
    _click(page, *line[-1])
    _count(page, 4)
    stored_line = Annotation.objects.get(image=image, kind="polyline").geometry["coordinates"]
    assert len(stored_line) == 3
    for got, want in zip(stored_line, line, strict=False):
        assert _close(got, want, tol), (got, want)

    # A point, in the second class (hotkey 2 picks it first; Esc clears the selection so
    # that "2" does not also change the selected polygon's class).
    page.keyboard.press("o")
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name=f"Delete polygon #{polygon.pk}")).to_be_hidden()
    page.keyboard.press("2")
    expect(page.get_by_role("button", name="ship 2")).to_have_attribute("aria-pressed", "true")
    _click(page, 520.5, 540.25)
    _count(page, 5)
    point = Annotation.objects.get(image=image, kind="point")
    assert point.label_class_id == ship.pk
    assert _close(point.geometry["coordinates"], (520.5, 540.25), tol)
    polygon.refresh_from_db()
    assert polygon.label_class_id == water.pk  # Esc cleared the selection before "2"

    page.keyboard.press("v")
    page.get_by_role("button", name=f"water · polygon #{polygon.pk}").click()
    screenshot("editor-tools-drawn")
    assert console_errors == []


def test_hotkeys_undo_redo_delete_and_help(  # type: ignore[no-untyped-def]
    page, sign_in, screenshot, console_errors
) -> None:
    membership, image, water, ship = _setup()
    existing = AnnotationFactory(image=image, label_class=water)
    _open(page, sign_in(membership.user), image)
    _count(page, 1)

    # Zoomed in far from the box, picking it in the list brings the map to it.
    page.evaluate(
        """() => {
          const e = window.__editor;
          e.map.setView(e.toLatLng(700, 600), e.map.getMaxZoom(), {animate: false});
        }"""
    )
    inside = """([x, y]) => {
      const [sx, sy] = window.__editor.screenOf(x, y);
      const size = window.__editor.map.getSize();
      return sx > 0 && sy > 0 && sx < size.x && sy < size.y;
    }"""
    assert not page.evaluate(inside, [25, 20])
    # Select the box; "2" changes its class.
    page.get_by_role("button", name=f"water · bbox #{existing.pk}").click()
    page.wait_for_function(inside, arg=[25, 20])
    page.evaluate(
        """() => {
          const e = window.__editor;
          e.map.fitBounds([e.toLatLng(0, 718), e.toLatLng(791, 0)], {animate: false});
        }"""
    )
    page.keyboard.press("2")
    expect(page.get_by_role("button", name=f"ship · bbox #{existing.pk}")).to_be_visible()
    existing.refresh_from_db()
    assert existing.label_class_id == ship.pk and existing.version == 2

    # Undo the class change, then redo it.
    page.keyboard.press("Control+z")
    expect(page.get_by_role("button", name=f"water · bbox #{existing.pk}")).to_be_visible()
    existing.refresh_from_db()
    assert existing.label_class_id == water.pk
    page.keyboard.press("Control+Shift+z")
    expect(page.get_by_role("button", name=f"ship · bbox #{existing.pk}")).to_be_visible()
    existing.refresh_from_db()
    assert existing.label_class_id == ship.pk

    # Draw a point; undo deletes it, redo re-creates it (a new id).
    page.keyboard.press("o")
    _click(page, 300, 200)
    _count(page, 2)
    first = Annotation.objects.get(image=image, kind="point")
    page.keyboard.press("Control+z")
    _count(page, 1)
    assert not Annotation.objects.filter(pk=first.pk).exists()
    page.keyboard.press("Control+y")
    _count(page, 2)
    again = Annotation.objects.get(image=image, kind="point")
    assert again.pk != first.pk and again.geometry == first.geometry
    assert again.label_class_id == first.label_class_id

    # Delete the selected object with the Delete key; undo brings it back.
    page.keyboard.press("v")
    page.get_by_role("button", name=f"ship · point #{again.pk}").click()
    page.keyboard.press("Delete")
    _count(page, 1)
    assert not Annotation.objects.filter(kind="point").exists()
    page.keyboard.press("Control+z")
    _count(page, 2)
    assert Annotation.objects.filter(kind="point").count() == 1

    # Keys typed into an input are left alone; `?` opens the help with every shortcut.
    page.keyboard.press("?")
    help_body = page.locator("#editor-help-body")
    expect(help_body).to_contain_text("Ctrl/⌘ + Z")
    expect(help_body).to_contain_text("ship")
    depth = page.get_by_role("spinbutton", name="Undo steps kept")
    depth.fill("25")
    depth.press("Backspace")  # typing: not a delete of anything
    _count(page, 2)
    assert page.evaluate("localStorage.getItem('labeler.editor.historyDepth')") == "2"
    screenshot("editor-tools-help")
    assert console_errors == []


def _second_page(browser: Browser, url: str, user: Any) -> Page:
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": url}])
    return context.new_page()


def test_two_people_editing_one_object_get_the_conflict_dialog(  # type: ignore[no-untyped-def]
    page, browser, sign_in, screenshot, console_errors
) -> None:
    membership, image, water, _ship = _setup()
    lake = LabelClassFactory(event=image.event, name="lake", color="#33a02c", hotkey="3")
    other = MembershipFactory(team=membership.team, role="annotator", user__username="bea")
    target = AnnotationFactory(image=image, label_class=water)
    url = sign_in(membership.user)
    _open(page, url, image)
    page_b = _second_page(browser, url, other.user)
    _open(page_b, url, image)

    # Bea changes the class first (version 2).
    page_b.get_by_role("button", name=f"water · bbox #{target.pk}").click()
    page_b.keyboard.press("2")
    expect(page_b.get_by_role("button", name=f"ship · bbox #{target.pk}")).to_be_visible()

    # This browser still has version 1: its change answers 409 and the dialog says who.
    page.get_by_role("button", name=f"water · bbox #{target.pk}").click()
    page.keyboard.press("3")
    dialog = page.get_by_role("alertdialog", name="Someone else changed this object")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("bea")
    expect(dialog).to_contain_text("class: water → ship")
    expect(dialog).to_contain_text("label_class")
    screenshot("editor-tools-conflict")
    dialog.get_by_role("button", name="Overwrite with mine").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name=f"lake · bbox #{target.pk}")).to_be_visible()
    target.refresh_from_db()
    assert target.label_class_id == lake.pk and target.version == 3

    # Bea (version 2) moves on: her change is now stale; she reloads theirs.
    page_b.keyboard.press("1")
    dialog_b = page_b.get_by_role("alertdialog", name="Someone else changed this object")
    expect(dialog_b).to_contain_text("class: ship → lake")
    dialog_b.get_by_role("button", name="Reload theirs").click()
    expect(dialog_b).to_be_hidden()
    expect(page_b.get_by_role("button", name=f"lake · bbox #{target.pk}")).to_be_visible()
    target.refresh_from_db()
    assert target.label_class_id == lake.pk and target.version == 3
    page_b.goto("about:blank")
    page_b.context.close()
    # The two 409 answers are the conflicts themselves; nothing else may fail.
    assert [e for e in console_errors if "409" not in e] == []


def _drag(page: Page, start: tuple[float, float], end: tuple[float, float]) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move((start[0] + end[0]) / 2, (start[1] + end[1]) / 2, steps=3)
    page.mouse.move(*end, steps=3)
    page.mouse.up()


def test_edit_vertices_move_the_shape_add_a_part_and_cancel_drawing(  # type: ignore[no-untyped-def]
    page, sign_in, screenshot, console_errors
) -> None:
    membership, image, water, _ship = _setup()
    square = [[100, 100], [200, 100], [200, 200], [100, 200], [100, 100]]
    polygon = AnnotationFactory(
        image=image,
        label_class=water,
        kind="polygon",
        geometry={"type": "Polygon", "coordinates": [square]},
    )
    _open(page, sign_in(membership.user), image)
    tol = _image_px_per_screen_px(page) + 0.01

    # Select it by clicking inside; Geoman's vertex handles appear.
    _click(page, 150, 150)
    expect(page.get_by_role("button", name=f"Delete polygon #{polygon.pk}")).to_be_visible()
    expect(page.locator(".leaflet-marker-icon.marker-icon").first).to_be_visible()

    # Drag the vertex at (200, 200) to (230, 220).
    _drag(page, screen_point(page, 200, 200), screen_point(page, 230, 220))
    _wait_version(page, polygon, 2)
    ring = polygon.geometry["coordinates"][0]
    assert any(_close(p, (230, 220), tol) for p in ring), ring
    assert not any(_close(p, (200, 200), 1) for p in ring)

    # Drag the whole shape by (+50, +40) image pixels.
    before = [list(p) for p in polygon.geometry["coordinates"][0]]
    _drag(page, screen_point(page, 130, 130), screen_point(page, 180, 170))
    _wait_version(page, polygon, 3)
    after = polygon.geometry["coordinates"][0]
    assert len(after) == len(before)
    for (x0, y0), (x1, y1) in zip(before, after, strict=True):
        assert abs((x1 - x0) - 50) <= 2 * tol and abs((y1 - y0) - 40) <= 2 * tol, (before, after)

    # Right-click a vertex deletes it (5 ring positions -> 4: a triangle).
    px, py = after[0]
    page.mouse.click(*screen_point(page, px, py), button="right")
    _wait_version(page, polygon, 4)
    assert len(polygon.geometry["coordinates"][0]) == 4, polygon.geometry

    # Add a second part far away: the object becomes a MultiPolygon.
    page.get_by_role("button", name="Add part").click()
    part = [(450, 100), (550, 100), (550, 180), (450, 180)]
    for x, y in part:
        _click(page, x, y)
    _click(page, *part[0])
    _wait_version(page, polygon, 5)
    assert polygon.geometry["type"] == "MultiPolygon"
    assert len(polygon.geometry["coordinates"]) == 2
    for got, want in zip(polygon.geometry["coordinates"][1][0], part, strict=False):
        assert _close(got, want, tol), (got, want)

    # Esc cancels a polygon being drawn: nothing is created.
    page.get_by_role("radio", name="New object").click()
    _click(page, 300, 500)
    _click(page, 400, 500)
    page.keyboard.press("Escape")
    _click(page, 350, 600)  # a new drawing starts here; not closed, nothing saved
    page.keyboard.press("Escape")
    _count(page, 1)
    assert Annotation.objects.filter(image=image).count() == 1
    page.keyboard.press("v")
    page.get_by_role("button", name=f"water · polygon #{polygon.pk}").click()
    screenshot("editor-tools-multipart")
    assert console_errors == []
