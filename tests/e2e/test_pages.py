"""The pages a new user opens first: the shell page, the API docs and the admin."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from tests.factories import PASSWORD, EventFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_links_to_api_docs_and_admin(live_server, page, screenshot) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/")
    assert page.title() == "labeler"
    hrefs = page.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href'))")
    assert {"/api/docs/", "/api/schema/", "/admin/"} <= set(hrefs)
    screenshot("home")


def test_swagger_ui_renders_every_operation_offline(live_server, page, screenshot) -> None:  # type: ignore[no-untyped-def]
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(live_server.url + "/api/docs/")
    page.wait_for_selector(".opblock", timeout=20_000)
    operations = page.locator(".opblock").count()
    assert operations >= 30, f"only {operations} operations rendered"
    assert page.locator("text=/api/v1/annotations/{annotation_id}/").count() >= 1
    outside = [url for url in requested if not url.startswith(live_server.url)]
    assert not outside, f"Swagger UI fetched from outside: {outside}"
    screenshot("api-docs")


def test_admin_event_page_has_a_map_widget(live_server, page, screenshot) -> None:  # type: ignore[no-untyped-def]
    admin = get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)
    event = EventFactory(name="Pakistan floods 2022")
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", admin.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#content")
    page.goto(f"{live_server.url}/admin/events/event/{event.pk}/change/")
    # django-leaflet initialises a Leaflet map for the area-of-interest field.
    page.wait_for_selector(".leaflet-container", timeout=20_000)
    assert page.locator(".leaflet-control-zoom").count() >= 1
    assert page.input_value("#id_name") == "Pakistan floods 2022"
    screenshot("admin-event")
