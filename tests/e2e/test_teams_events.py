"""Teams, events and event settings in real Chromium: create an event and its label
classes, draw its area of interest, invite and promote a member, and what a viewer sees."""

from __future__ import annotations

import re

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from playwright.sync_api import Page, expect

from events.models import Event, LabelClass, Membership, Role
from tests.factories import EventFactory, LabelClassFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def add_class(
    page: Page, name: str, *, kind: str = "object", hotkey: str = "", value: str = ""
) -> None:
    form = page.get_by_role("form", name="Add a label class")
    form.get_by_label("Class name").fill(name)
    form.get_by_label("Kind").select_option(kind)
    form.get_by_label("Hotkey").fill(hotkey)
    if value:
        form.get_by_label("Value", exact=True).fill(value)
    form.get_by_role("button", name="Add class").click()


def expected_refusals(console_errors: list[str], count: int) -> None:
    """The only console errors are the browser's notes of the ``count`` 400s provoked."""
    refusals = [e for e in console_errors if "status of 400 (Bad Request)" in e]
    assert len(refusals) == count
    assert [e for e in console_errors if e not in refusals] == []


def class_names(page: Page) -> list[str]:
    return [row.get_attribute("data-class") or "" for row in page.locator("tr[data-class]").all()]


def test_manager_creates_an_event_and_its_label_classes(  # type: ignore[no-untyped-def]
    page: Page, sign_in, screenshot, console_errors
) -> None:
    membership = MembershipFactory(role=Role.MANAGER, team__name="Flood watch")
    MembershipFactory(user=membership.user, role=Role.VIEWER, team__name="Dust (read only)")
    old = EventFactory(team=membership.team, name="Older flood", phenomenon="flood")
    url = sign_in(membership.user)

    page.goto(url + "/events/")
    row = page.locator(f"tr[data-event-id='{old.pk}']")
    expect(row).to_contain_text("Flood watch")
    assert row.get_by_role("link", name="Gallery of Older flood").get_attribute("href") == (
        f"/events/{old.pk}/gallery/"
    )
    # Only teams the user may manage are offered.
    team_choice = page.get_by_role("combobox", name="Team")
    assert team_choice.locator("option").all_text_contents() == ["Flood watch"]
    page.get_by_label("Name", exact=True).fill("Valencia DANA")
    page.get_by_label("Phenomenon", exact=True).fill("flood")
    page.get_by_label("Starts (UTC)").fill("2024-10-29")
    page.get_by_label("Ends (UTC)").fill("2024-11-02")
    page.get_by_label("Description", exact=True).fill("Flash floods around Valencia.")
    screenshot("teams-events")
    page.get_by_role("button", name="Create event").click()

    page.wait_for_url(re.compile(r"/events/\d+/settings/$"))
    event = Event.objects.get(name="Valencia DANA")
    assert page.url.endswith(f"/events/{event.pk}/settings/")
    assert event.team_id == membership.team_id
    assert event.phenomenon == "flood"
    assert (
        event.starts_at is not None and event.starts_at.isoformat() == "2024-10-29T00:00:00+00:00"
    )
    assert event.ends_at is not None and event.ends_at.isoformat() == "2024-11-02T23:59:59+00:00"
    expect(page.get_by_label("Name", exact=True)).to_have_value("Valencia DANA")

    add_class(page, "flood water", hotkey="f")
    expect(page.locator("tr[data-class='flood water']")).to_be_visible()
    add_class(page, "flooded", kind="tag", hotkey="t")
    expect(page.locator("tr[data-class='flooded']")).to_be_visible()
    add_class(page, "water depth", kind="value", value="2.5")
    expect(page.locator("tr[data-class='water depth']")).to_be_visible()
    classes = {c.name: c for c in LabelClass.objects.filter(event=event)}
    assert classes["flood water"].kind == "object" and classes["flood water"].hotkey == "f"
    assert classes["flooded"].kind == "tag"
    assert classes["water depth"].kind == "value" and classes["water depth"].value == 2.5
    assert [c.order for c in LabelClass.objects.filter(event=event)] == [0, 1, 2]

    # API refusals in words: a name and a hotkey already used.
    add_class(page, "flood water")
    form = page.get_by_role("form", name="Add a label class")
    expect(form.get_by_role("alert")).to_contain_text(
        "This event already has a label class named 'flood water'."
    )
    add_class(page, "cloud", hotkey="f")
    expect(form.get_by_role("alert")).to_contain_text("Hotkey 'f' is already used in this event.")
    screenshot("teams-label-class-error")
    # A two-character hotkey is refused before it is sent.
    add_class(page, "cloud", hotkey="cl")
    expect(form.get_by_role("alert")).to_have_text("Hotkey: A hotkey is one character.")
    assert LabelClass.objects.filter(event=event).count() == 3

    # Reorder: "water depth" up one step.
    page.get_by_role("button", name="Move water depth up").click()
    expect(page.locator("tr[data-class]").first).to_have_attribute("data-class", "flood water")
    expect(page.locator("tr[data-class]").nth(1)).to_have_attribute("data-class", "water depth")
    assert [c.name for c in LabelClass.objects.filter(event=event).order_by("order")] == [
        "flood water",
        "water depth",
        "flooded",
    ]

    # Edit: a new colour and name.
    page.get_by_role("button", name="Edit flooded").click()
    edit = page.get_by_role("form", name="Edit “flooded”")
    edit.get_by_label("Class name").fill("flooded scene")
    edit.get_by_label("Colour").fill("#1f77b4")
    edit.get_by_role("button", name="Save class").click()
    expect(page.locator("tr[data-class='flooded scene']")).to_be_visible()
    edited = LabelClass.objects.get(pk=classes["flooded"].pk)
    assert (edited.name, edited.color, edited.kind) == ("flooded scene", "#1f77b4", "tag")

    # Delete, after a confirmation (Cancel keeps it).
    page.get_by_role("button", name="Delete water depth").click()
    page.get_by_role("button", name="Cancel").click()
    assert LabelClass.objects.filter(pk=classes["water depth"].pk).exists()
    page.get_by_role("button", name="Delete water depth").click()
    page.get_by_role("button", name="Yes, delete").click()
    expect(page.locator("tr[data-class='water depth']")).to_have_count(0)
    assert class_names(page) == ["flood water", "flooded scene"]
    assert not LabelClass.objects.filter(pk=classes["water depth"].pk).exists()

    # Details: edit and save.
    page.get_by_label("Phenomenon", exact=True).fill("flash flood")
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_role("status").filter(has_text="Details saved.")).to_be_visible()
    event.refresh_from_db()
    assert event.phenomenon == "flash flood"
    screenshot("teams-event-settings")
    expected_refusals(console_errors, 2)


def test_area_of_interest_is_drawn_as_a_rectangle_and_saved(  # type: ignore[no-untyped-def]
    page: Page, sign_in, screenshot, console_errors
) -> None:
    membership = MembershipFactory(role=Role.OWNER)
    event = EventFactory(team=membership.team, area_of_interest=None)
    url = sign_in(membership.user)
    page.goto(f"{url}/events/{event.pk}/settings/")
    expect(page.get_by_test_id("aoi-summary")).to_have_text("No area of interest.")

    the_map = page.get_by_role("region", name="Area of interest map")
    page.get_by_role("button", name="Draw Rectangle").click()
    box = the_map.bounding_box()
    assert box is not None
    x0, y0 = box["x"] + box["width"] * 0.35, box["y"] + box["height"] * 0.35
    x1, y1 = box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.55
    page.mouse.click(x0, y0)
    page.mouse.move(x1, y1, steps=5)
    page.mouse.click(x1, y1)
    expect(page.get_by_test_id("aoi-summary")).to_contain_text("1 polygon within")
    expect(page.get_by_test_id("aoi-summary")).to_contain_text("(not saved)")
    # The drawn shape is where the mouse went.
    drawn = page.locator(".leaflet-overlay-pane path").first.bounding_box()
    assert drawn is not None
    assert abs(drawn["x"] - x0) < 3 and abs(drawn["y"] - y0) < 3
    assert abs(drawn["x"] + drawn["width"] - x1) < 3 and abs(drawn["y"] + drawn["height"] - y1) < 3

    page.get_by_role("button", name="Save area").click()
    expect(page.get_by_role("status").filter(has_text="Area saved.")).to_be_visible()
    event.refresh_from_db()
    area = event.area_of_interest
    assert isinstance(area, MultiPolygon) and len(area) == 1
    ring = area[0].exterior_ring.coords
    assert len(ring) == 5 and ring[0] == ring[-1]
    lons = sorted({round(x, 9) for x, _ in ring})
    lats = sorted({round(y, 9) for _, y in ring})
    assert len(lons) == 2 and len(lats) == 2  # an axis-aligned rectangle
    # Screen left-to-right is west-to-east, top-to-bottom north-to-south; a quarter of a
    # world-wide map is tens of degrees.
    assert lons[1] - lons[0] > 10 and lats[1] - lats[0] > 5
    summary = page.get_by_test_id("aoi-summary").inner_text()
    assert (
        f"{lons[0]:.2f}…{lons[1]:.2f}° E" in summary
        and f"{lats[0]:.2f}…{lats[1]:.2f}° N" in summary
    )

    # After a reload the saved area is drawn again and the map shows it.
    page.reload()
    expect(page.get_by_test_id("aoi-summary")).to_have_text(summary)
    path = page.locator(".leaflet-overlay-pane path")
    expect(path).to_have_count(1)
    shown = path.bounding_box()
    map_box = the_map.bounding_box()
    assert shown is not None and map_box is not None
    assert shown["width"] > map_box["width"] * 0.5 or shown["height"] > map_box["height"] * 0.5
    screenshot("teams-event-settings-aoi")

    # Edit: drag the north-east corner 40 px right; the east edge moves east.
    page.get_by_role("button", name="Edit Layers").click()
    corner_x, corner_y = shown["x"] + shown["width"], shown["y"]
    markers = page.locator(".leaflet-marker-pane .marker-icon")
    expect(markers.first).to_be_visible()
    handle = None
    for marker in markers.all():
        b = marker.bounding_box()
        if (
            b
            and abs(b["x"] + b["width"] / 2 - corner_x) < 4
            and abs(b["y"] + b["height"] / 2 - corner_y) < 4
        ):
            handle = b
    assert handle is not None, "no vertex marker at the north-east corner"
    page.mouse.move(corner_x, corner_y)
    page.mouse.down()
    page.mouse.move(corner_x + 20, corner_y, steps=4)
    page.mouse.move(corner_x + 40, corner_y, steps=4)
    page.mouse.up()
    expect(page.get_by_test_id("aoi-summary")).to_contain_text("(not saved)")
    page.get_by_role("button", name="Save area").click()
    expect(page.get_by_role("status").filter(has_text="Area saved.")).to_be_visible()
    event.refresh_from_db()
    assert event.area_of_interest is not None
    west, south, east, north = event.area_of_interest.extent
    assert (round(west, 6), round(south, 6), round(north, 6)) == (
        round(lons[0], 6),
        round(lats[0], 6),
        round(lats[1], 6),
    )
    assert east > lons[1] + 1

    # Clearing saves no area.
    page.get_by_role("button", name="Clear area").click()
    page.get_by_role("button", name="Save area").click()
    expect(page.get_by_test_id("aoi-summary")).to_have_text("No area of interest.")
    expect(page.get_by_role("status").filter(has_text="Area saved.")).to_be_visible()
    event.refresh_from_db()
    assert event.area_of_interest is None

    # A box typed in degrees (no mouse needed), then a second shape drawn: a MultiPolygon.
    page.get_by_text("Or type a box in degrees").click()
    box_form = page.get_by_role("form", name="Area as a box")
    for side, value in (("West", "5"), ("South", "35"), ("East", "-10"), ("North", "44")):
        box_form.get_by_label(side).fill(value)
    box_form.get_by_role("button", name="Use this box").click()
    expect(box_form.get_by_role("alert")).to_have_text("West must be less than east.")
    box_form.get_by_label("West").fill("-10")
    box_form.get_by_label("East").fill("5")
    box_form.get_by_role("button", name="Use this box").click()
    expect(page.get_by_test_id("aoi-summary")).to_contain_text(
        "1 polygon within -10.00…5.00° E, 35.00…44.00° N"
    )
    map_box = the_map.bounding_box()
    assert map_box is not None
    page.get_by_role("button", name="Draw Rectangle").click()
    page.mouse.click(map_box["x"] + 60, map_box["y"] + 60)
    page.mouse.move(map_box["x"] + 110, map_box["y"] + 100, steps=5)
    page.mouse.click(map_box["x"] + 110, map_box["y"] + 100)
    expect(page.get_by_test_id("aoi-summary")).to_contain_text("2 polygons within")
    page.get_by_role("button", name="Save area").click()
    expect(page.get_by_role("status").filter(has_text="Area saved.")).to_be_visible()
    event.refresh_from_db()
    area = event.area_of_interest
    assert isinstance(area, MultiPolygon) and len(area) == 2
    assert Polygon.from_bbox((-10, 35, 5, 44)).equals(area[0])
    assert area[1].extent[2] < -10  # the drawn one is west of the typed box, at the map's left
    assert console_errors == []


def test_owner_invites_a_member_changes_their_role_and_removes_them(  # type: ignore[no-untyped-def]
    page: Page, sign_in, screenshot, console_errors
) -> None:
    owner = MembershipFactory(role=Role.OWNER, team__name="Dust storms")
    team = owner.team
    MembershipFactory(team=team, role=Role.VIEWER, user__username="victor")
    newcomer = UserFactory(username="noor", email="noor@example.org")
    url = sign_in(owner.user)
    page.goto(url + "/teams/")
    expect(page.get_by_role("button", name=re.compile("Dust storms"))).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator("tr[data-member='victor']")).to_be_visible()

    page.get_by_label("Username or email").fill("nobody@example.org")
    page.get_by_role("button", name="Invite").click()
    invite_form = page.locator("form.invite")
    expect(invite_form.get_by_role("alert")).to_contain_text("nobody@example.org")

    page.get_by_label("Username or email").fill("noor@example.org")
    page.get_by_role("combobox", name="Role", exact=True).select_option("annotator")
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_role("status")).to_have_text("noor joined as annotator.")
    membership = Membership.objects.get(team=team, user=newcomer)
    assert membership.role == Role.ANNOTATOR

    page.get_by_label("Role of noor").select_option("reviewer")
    expect(page.get_by_label("Role of noor")).to_have_value("reviewer")
    page.wait_for_function(
        "() => !document.querySelector('.panel [role=alert]')"
    )  # no refusal shown
    membership.refresh_from_db()
    assert membership.role == Role.REVIEWER
    screenshot("teams-members")

    page.get_by_role("button", name="Remove noor").click()
    page.get_by_role("button", name="Yes, remove").click()
    expect(page.locator("tr[data-member='noor']")).to_have_count(0)
    assert not Membership.objects.filter(team=team, user=newcomer).exists()

    # The last owner cannot be demoted: the API says why.
    page.get_by_label(f"Role of {owner.user.username}").select_option("manager")
    expect(page.get_by_role("alert")).to_contain_text("owner")
    owner.refresh_from_db()
    assert owner.role == Role.OWNER
    expected_refusals(console_errors, 2)


def test_a_manager_cannot_touch_owners(  # type: ignore[no-untyped-def]
    page: Page, sign_in, console_errors
) -> None:
    manager = MembershipFactory(role=Role.MANAGER, team__name="Ash plumes")
    MembershipFactory(team=manager.team, role=Role.OWNER, user__username="olga")
    MembershipFactory(team=manager.team, role=Role.ANNOTATOR, user__username="ann")
    url = sign_in(manager.user)
    page.goto(url + "/teams/")
    expect(page.locator("tr[data-member='olga']")).to_contain_text("owner")
    assert page.get_by_label("Role of olga").count() == 0
    assert page.get_by_role("button", name="Remove olga").count() == 0
    role_of_ann = page.get_by_label("Role of ann")
    assert "owner" not in role_of_ann.locator("option").all_text_contents()
    invite_roles = page.get_by_role("combobox", name="Role", exact=True)
    assert invite_roles.locator("option").all_text_contents() == [
        "viewer",
        "annotator",
        "reviewer",
        "manager",
    ]
    assert console_errors == []


def test_a_new_team_and_a_viewer_sees_no_member_controls(  # type: ignore[no-untyped-def]
    page: Page, sign_in, console_errors
) -> None:
    viewer = MembershipFactory(role=Role.VIEWER, team__name="Cloud streets")
    MembershipFactory(team=viewer.team, role=Role.ANNOTATOR, user__username="ann")
    url = sign_in(viewer.user)
    page.goto(url + "/teams/")
    expect(page.locator("tr[data-member='ann']")).to_contain_text("annotator")
    assert page.get_by_label("Role of ann").count() == 0
    assert page.get_by_role("button", name="Remove ann").count() == 0
    assert page.get_by_label("Username or email").count() == 0
    expect(page.get_by_text("Only managers and owners of this team")).to_be_visible()

    page.get_by_label("Team name").fill("Smoke plumes")
    page.get_by_role("button", name="Create team").click()
    expect(page.get_by_role("button", name=re.compile("Smoke plumes"))).to_have_attribute(
        "aria-pressed", "true"
    )
    assert Membership.objects.get(team__name="Smoke plumes").role == Role.OWNER
    expect(page.get_by_label("Username or email")).to_be_visible()
    assert console_errors == []


def test_a_viewer_sees_the_settings_read_only(  # type: ignore[no-untyped-def]
    page: Page, sign_in, screenshot, console_errors
) -> None:
    viewer = MembershipFactory(role=Role.VIEWER)
    event = EventFactory(
        team=viewer.team,
        name="Saharan dust",
        area_of_interest=MultiPolygon(Polygon.from_bbox((-20, 10, 10, 35)), srid=4326),
    )
    LabelClassFactory(event=event, name="dust plume", hotkey="d", color="#f58231")
    url = sign_in(viewer.user)
    page.goto(f"{url}/events/{event.pk}/settings/")
    expect(page.locator("tr[data-class='dust plume']")).to_contain_text("d")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Saharan dust")
    expect(page.get_by_label("Name", exact=True)).to_be_disabled()
    expect(page.get_by_label("Description", exact=True)).to_be_disabled()
    expect(page.get_by_test_id("aoi-summary")).to_contain_text("1 polygon within -20.00…10.00° E")
    expect(page.locator(".leaflet-overlay-pane path")).to_have_count(1)
    for name in ("Save details", "Save area", "Clear area", "Add class", "Delete dust plume"):
        assert page.get_by_role("button", name=name).count() == 0, name
    assert page.locator(".leaflet-pm-toolbar").count() == 0
    assert page.get_by_role("form", name="Add a label class").count() == 0
    expect(page.get_by_role("note")).to_contain_text("Your role (viewer)")
    screenshot("teams-event-settings-viewer")
    assert console_errors == []
