"""The page views of teams, events and event settings: who gets the page, who is sent to
sign in, who gets 404, and the initial data (#page-data) each page is given."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from events.models import Event, Role
from tests.factories import EventFactory, ImageFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def page_data(html: str) -> dict[str, Any]:
    match = re.search(r'<script id="page-data" type="application/json">(.*?)</script>', html, re.S)
    assert match, "the page has no #page-data"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def client_of(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


@pytest.fixture
def event() -> Event:
    return EventFactory(name="Pakistan floods", phenomenon="flood")


@pytest.mark.parametrize(
    "path", ["/teams/", "/events/", "/events/{id}/settings/"], ids=["teams", "events", "settings"]
)
def test_anonymous_is_sent_to_sign_in_and_back(client: Client, event: Event, path: str) -> None:
    url = path.format(id=event.pk)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={url}"


@pytest.mark.parametrize(
    "path",
    [
        "/events/{id}/",
        "/events/{id}/gallery/",
        "/events/{id}/uploads/",
        "/events/{id}/datasets/",
        "/events/{id}/settings/",
        "/images/{image}/edit/",
    ],
    ids=["map", "gallery", "uploads", "datasets", "settings", "editor"],
)
def test_pages_of_another_teams_event_are_not_found(event: Event, path: str) -> None:
    image = ImageFactory(event=event)
    stranger = MembershipFactory(role=Role.OWNER).user  # owner of some other team
    response = client_of(stranger).get(path.format(id=event.pk, image=image.pk))
    assert response.status_code == 404
    assert "Pakistan floods" not in response.content.decode()


def test_settings_of_a_missing_event_is_not_found(event: Event) -> None:
    member = MembershipFactory(team=event.team, role=Role.OWNER).user
    assert client_of(member).get("/events/999999/settings/").status_code == 404


@pytest.mark.parametrize(
    ("role", "can"),
    [
        (Role.VIEWER, {"view": True, "annotate": False, "review": False, "manage": False}),
        (Role.ANNOTATOR, {"view": True, "annotate": True, "review": False, "manage": False}),
        (Role.REVIEWER, {"view": True, "annotate": True, "review": True, "manage": False}),
        (Role.MANAGER, {"view": True, "annotate": True, "review": True, "manage": True}),
        (Role.OWNER, {"view": True, "annotate": True, "review": True, "manage": True}),
    ],
)
def test_settings_page_carries_the_event_role_and_what_it_allows(
    event: Event, role: Role, can: dict[str, bool]
) -> None:
    member = MembershipFactory(team=event.team, role=role).user
    response = client_of(member).get(f"/events/{event.pk}/settings/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Pakistan floods — settings · labeler</title>" in html
    data = page_data(html)
    assert data["page"] == "event-settings"
    assert data["user"] == {"id": member.pk, "username": member.username, "email": member.email}
    assert data["event"] == {
        "id": event.pk,
        "name": "Pakistan floods",
        "team": event.team_id,
        "team_name": event.team.name,
        "phenomenon": "flood",
    }
    assert data["role"] == role.value
    assert data["can"] == {**can, "own": role == Role.OWNER}
    assert "basemap_url" in data["extra"]


@pytest.mark.parametrize(("path", "page"), [("/teams/", "teams"), ("/events/", "events")])
def test_team_and_event_lists_have_no_event_and_no_role(path: str, page: str) -> None:
    user = UserFactory()
    response = client_of(user).get(path)
    assert response.status_code == 200
    data = page_data(response.content.decode())
    assert data["page"] == page
    assert data["event"] is None
    assert data["role"] is None
    # Roles there are per team and come from the API (/api/v1/teams/ `role`), not the page.
    assert not any(data["can"].values())
