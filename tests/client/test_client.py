"""``Labeler`` against the real server: tokens, events (every page), the one error format."""

from __future__ import annotations

import pytest
from labeler_client import Labeler, LabelerError
from rest_framework.authtoken.models import Token

from events.models import Membership, Role
from tests.factories import PASSWORD, EventFactory, TeamFactory, UserFactory

# --- logging in -----------------------------------------------------------------------------


def test_login_gets_the_users_token(live_server, manager) -> None:
    lab = Labeler.login(live_server.url, manager.username, PASSWORD)

    assert lab.token == Token.objects.get(user=manager).key
    assert lab.events() == []  # and the token works


def test_login_with_a_wrong_password_raises_the_servers_error(live_server, manager) -> None:
    with pytest.raises(LabelerError) as caught:
        Labeler.login(live_server.url, manager.username, "not-the-password")

    error = caught.value
    assert error.status == 400
    assert error.code == "invalid"
    assert error.detail.startswith("Invalid input.")
    assert error.fields  # which field, as the server said
    assert error.detail in str(error) and "HTTP 400" in str(error)
    assert not Token.objects.filter(user=manager).exists()


# --- events ---------------------------------------------------------------------------------


def test_events_lists_every_page_of_the_users_events(lab, team) -> None:
    mine = [EventFactory(team=team) for _ in range(53)]  # the server's pages hold 50
    EventFactory(team=TeamFactory())  # another team's

    events = lab.events()

    assert sorted(event["id"] for event in events) == sorted(event.pk for event in mine)
    assert {event["team"] for event in events} == {team.pk}
    assert all({"id", "name", "slug", "team"} <= set(event) for event in events)


def test_events_of_one_team(lab, team, manager) -> None:
    other = TeamFactory()
    Membership.objects.create(team=other, user=manager, role=Role.VIEWER)
    EventFactory(team=team)
    theirs = EventFactory(team=other)

    assert [event["id"] for event in lab.events(team=other.pk)] == [theirs.pk]
    assert len(lab.events()) == 2


def test_bearer_and_environment_token(live_server, manager, token_of, monkeypatch, team) -> None:
    event = EventFactory(team=team)
    monkeypatch.setenv("LABELER_URL", live_server.url + "/api/v1/")
    monkeypatch.setenv("LABELER_TOKEN", token_of(manager))

    lab = Labeler()

    assert lab.api_url == live_server.url + "/api/v1/"
    assert [e["id"] for e in lab.events()] == [event.pk]
    assert token_of(manager) not in repr(lab)


# --- what a user may not do, and errors -------------------------------------------------------


def test_a_bad_token_is_a_401(live_server, team) -> None:
    EventFactory(team=team)

    with pytest.raises(LabelerError) as caught:
        Labeler(live_server.url, token="not-a-token").events()

    assert caught.value.status == 401
    assert caught.value.code == "authentication_failed"


def test_no_token_is_a_401(live_server) -> None:
    with pytest.raises(LabelerError) as caught:
        Labeler(live_server.url).events()

    assert caught.value.status == 401
    assert caught.value.code == "not_authenticated"


def test_someone_elses_event_is_not_found(live_server, token_of) -> None:
    outsider = UserFactory()
    Membership.objects.create(team=TeamFactory(), user=outsider, role=Role.OWNER)
    hidden = EventFactory()

    with pytest.raises(LabelerError) as caught:
        Labeler(live_server.url, token=token_of(outsider)).datasets(hidden.pk)

    assert caught.value.status == 404
    assert caught.value.code == "not_found"
    assert "No API route" not in caught.value.detail  # the route exists; the event is hidden


def test_an_unknown_route_is_the_servers_404(lab) -> None:
    with pytest.raises(LabelerError) as caught:
        lab._json("GET", "no-such-route/")

    assert (caught.value.status, caught.value.code) == (404, "not_found")
    assert "no-such-route" in caught.value.detail


def test_an_unreachable_server_is_a_clear_error(live_server) -> None:
    # Port 9 (discard) on 127.0.0.1: nothing listens, the connection is refused at once.
    with pytest.raises(LabelerError) as caught:
        Labeler("http://127.0.0.1:9", token="x").events()

    assert caught.value.status is None
    assert caught.value.code == "connection_error"
    assert "http://127.0.0.1:9/api/v1/events/" in str(caught.value)


def test_no_url_anywhere_is_a_clear_error() -> None:
    with pytest.raises(LabelerError, match=r"LABELER_URL") as caught:
        Labeler()

    assert caught.value.code == "no_url"


@pytest.mark.parametrize(
    ("given", "root"),
    [
        ("http://h:8000", "http://h:8000/api/v1/"),
        ("http://h:8000/", "http://h:8000/api/v1/"),
        ("https://h/labeler/api/v1", "https://h/labeler/api/v1/"),
        ("https://h/api/v1/", "https://h/api/v1/"),
        ("https://h/api", "https://h/api/v1/"),
    ],
)
def test_the_api_root_is_found_from_the_server_url(given: str, root: str) -> None:
    assert Labeler(given, token="t").api_url == root


def test_a_url_that_is_not_http_is_refused() -> None:
    with pytest.raises(LabelerError, match="Not an http"):
        Labeler("labeler.example.org", token="t")
