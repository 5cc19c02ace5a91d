"""The editor's workflow in Chromium: locks seen by a second user, previous / next through
the gallery's filter (opened from the gallery's "Open in editor" link), the skip options,
labelling time reported by the page, and the perceived difficulty.

Two users, two browser contexts: Bob opens scene-b first; Alice, arriving from the gallery
filtered on the tag "flooded" and sorted by name, skips scene-b while "Skip images open by
others" is on, and sees "Also open by bob" when she goes there with the option off.
The page's 30 s time report is shortened with window.__workReportMs (read at start).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from events.models import Image, ImageTag, LabelClass, Membership, Role, WorkLog
from tests import rasters
from tests.factories import EventFactory, LabelClassFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _session_cookie(user: Any, url: str, settings: Any) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    return {"name": cookie.key, "value": cookie.value, "url": url}


def _wait_for(predicate: Any, page: Page, what: str) -> None:
    """Waits (polling the database between browser turns) until ``predicate()`` holds."""
    for _ in range(100):
        if predicate():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never happened: {what}")


def test_locks_navigation_time_and_difficulty(  # type: ignore[no-untyped-def]
    page, browser, sign_in, screenshot, console_errors, settings
) -> None:
    team = TeamFactory()
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    for user in (alice, bob):
        Membership.objects.create(team=team, user=user, role=Role.ANNOTATOR)
    event = EventFactory(team=team, name="Delta floods")
    LabelClassFactory(event=event, name="water", hotkey="")
    flooded = LabelClassFactory(event=event, name="flooded", kind=LabelClass.Kind.TAG, hotkey="")
    scenes = {
        name: rasters.image_with_raster(event, rasters.RGB, name=f"scene-{name}")
        for name in ("d", "b", "x", "a", "c")  # ids out of name order
    }
    for name in "abcd":
        ImageTag.objects.create(image=scenes[name], label_class=flooded, state="positive")
    query = f"label_class={flooded.pk}&tag_state=positive&ordering=name"

    url = sign_in(alice)
    # Bob has scene-b open in his own browser context.
    bob_context = browser.new_context(viewport={"width": 1280, "height": 800})
    bob_context.add_cookies([_session_cookie(bob, url, settings)])
    bob_page = bob_context.new_page()
    bob_page.add_init_script("window.__workReportMs = 3600000;")  # only the report on leave
    bob_page.goto(f"{url}/images/{scenes['b'].pk}/edit/")
    expect(bob_page.get_by_test_id("lock-state")).to_contain_text("Reserved for you until")
    assert Image.objects.get(pk=scenes["b"].pk).locked_by == bob

    # Alice filters the gallery (the URL carries the filters) and opens scene-a in the editor.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.add_init_script("window.__workReportMs = 1000;")
    page.goto(f"{url}/events/{event.pk}/gallery/?{query}")
    expect(page.get_by_test_id("image-count")).to_have_text("4 images")
    expect(page.get_by_label("Sort")).to_have_value("name")
    screenshot("workflow-gallery-open-in-editor")
    page.get_by_role("link", name="Open scene-a in the editor").click()
    expect(page).to_have_url(re.compile(rf"/images/{scenes['a'].pk}/edit/\?"))
    assert query in page.url
    nav = page.get_by_role("navigation", name="Images of the gallery")
    expect(nav.get_by_test_id("nav-position")).to_have_text("1 of 4 (filtered)")
    expect(nav.get_by_role("button", name="Previous")).to_be_disabled()
    expect(page.get_by_test_id("lock-state")).to_contain_text("Reserved for you")
    skip_open = nav.get_by_label("Skip open by others")
    expect(skip_open).to_be_checked()

    # Labelling time: the page reports active time (shortened interval) while Alice works.
    page.mouse.move(600, 400)
    page.mouse.move(650, 420, steps=5)
    expect(page.get_by_test_id("work-time")).not_to_have_attribute("data-seconds", "0")
    reported = WorkLog.objects.get(user=alice, image=scenes["a"])
    assert reported.seconds >= 1

    # Perceived difficulty: a click, then the keyboard (arrow keys move a radio group).
    panel = page.get_by_role("complementary", name="Editor panels")
    panel.get_by_label("Difficulty 4: hard").check()
    expect(page.locator(".editor-status")).to_have_text("Difficulty 4 of 5 saved.")
    assert WorkLog.objects.get(user=alice, image=scenes["a"]).difficulty == 4
    panel.get_by_label("Difficulty 4: hard").focus()
    page.keyboard.press("ArrowRight")
    expect(panel.get_by_label("Difficulty 5: very hard")).to_be_checked()
    expect(page.locator(".editor-status")).to_have_text("Difficulty 5 of 5 saved.")
    assert WorkLog.objects.get(user=alice, image=scenes["a"]).difficulty == 5
    screenshot("workflow-editor-work-panel")

    # Next skips scene-b (Bob has it open) and keeps the query string; leaving scene-a
    # releases Alice's lock on it.
    nav.get_by_role("button", name="Next").click()
    expect(page).to_have_url(re.compile(rf"/images/{scenes['c'].pk}/edit/\?"))
    assert query in page.url
    expect(nav.get_by_test_id("nav-position")).to_have_text("3 of 4 (filtered)")
    _wait_for(
        lambda: Image.objects.get(pk=scenes["a"].pk).locked_by_id is None,
        page,
        "scene-a's lock released on leave",
    )
    assert WorkLog.objects.get(user=alice, image=scenes["a"]).seconds >= reported.seconds

    # Without the skip, "[" goes back to scene-b, where Alice sees that Bob has it open.
    skip_open.uncheck()
    expect(nav.get_by_role("button", name="Previous")).to_have_attribute(
        "data-target", str(scenes["b"].pk)
    )
    page.locator("body").press("[")
    expect(page).to_have_url(re.compile(rf"/images/{scenes['b'].pk}/edit/\?"))
    expect(page.get_by_test_id("lock-warning")).to_contain_text("Also open by bob until")
    expect(nav.get_by_test_id("nav-lock-warning")).to_contain_text("Also open by bob")
    expect(skip_open).not_to_be_checked()  # remembered (localStorage)
    expect(nav.get_by_test_id("nav-position")).to_have_text("2 of 4 (filtered)")
    assert Image.objects.get(pk=scenes["b"].pk).locked_by == bob
    fits = page.evaluate("() => document.scrollingElement.scrollHeight <= window.innerHeight + 1")
    assert fits, "the editor with the navigator bar is taller than the window"
    screenshot("workflow-editor-also-open-by")

    # "]" twice: scene-c, scene-d (the last: Next is disabled); scene-x is outside the filter.
    expect(nav.get_by_role("button", name="Next")).to_have_attribute(
        "data-target", str(scenes["c"].pk)
    )
    page.locator("body").press("]")
    expect(page).to_have_url(re.compile(rf"/images/{scenes['c'].pk}/edit/\?"))
    expect(nav.get_by_role("button", name="Next")).to_have_attribute(
        "data-target", str(scenes["d"].pk)
    )
    page.locator("body").press("]")
    expect(page).to_have_url(re.compile(rf"/images/{scenes['d'].pk}/edit/\?"))
    expect(nav.get_by_test_id("nav-position")).to_have_text("4 of 4 (filtered)")
    expect(nav.get_by_role("button", name="Next")).to_be_disabled()

    # Back to the gallery, with the same filters.
    nav.get_by_role("link", name="Gallery").click()
    expect(page).to_have_url(re.compile(rf"/events/{event.pk}/gallery/\?"))
    expect(page.get_by_test_id("image-count")).to_have_text("4 images")
    expect(page.get_by_label("Sort")).to_have_value("name")
    expected_href = f"/images/{scenes['c'].pk}/edit/?{query}"
    page.get_by_role("button", name="Details of scene-c").click()
    dialog = page.get_by_role("dialog", name="scene-c")
    expect(dialog.get_by_role("link", name="Open in editor")).to_have_attribute(
        "href", expected_href
    )
    dialog.get_by_role("button", name="Close").click()
    page.get_by_role("button", name="Table").click()
    expect(page.get_by_role("link", name="Open scene-c in the editor")).to_have_attribute(
        "href", expected_href
    )
    screenshot("workflow-gallery-table-edit-links")

    # Bob's page reports only hourly: the time he spent is sent as he leaves
    # (pagehide, fetch keepalive), and his lock is released with it.
    bob_page.mouse.move(500, 400)
    bob_page.mouse.move(520, 420, steps=3)
    expect(bob_page.get_by_test_id("work-time")).to_have_attribute("data-seconds", "0")
    expect(bob_page.get_by_test_id("work-time")).not_to_have_text(re.compile(r"^[01] s$"))
    bob_page.goto(f"{url}/events/{event.pk}/gallery/")
    _wait_for(
        lambda: WorkLog.objects.filter(user=bob, image=scenes["b"], seconds__gte=2).exists(),
        page,
        "Bob's time reported on leave",
    )
    _wait_for(
        lambda: Image.objects.get(pk=scenes["b"].pk).locked_by_id is None,
        page,
        "Bob's lock released on leave",
    )
    bob_context.close()
    # The lock conflict is an expected 409 the browser logs as a failed resource.
    unexpected = [e for e in console_errors if "status of 409" not in e]
    assert unexpected == []
