"""One error format for every 4xx: exactly ``{"detail", "code", "fields"}`` (api/errors.py).

409 answers add ``current_version`` (and ``current`` when known) and nothing else.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import override_settings
from django.urls import URLPattern, URLResolver
from rest_framework import exceptions
from rest_framework.test import APIClient

from api import urls as api_urls
from api.errors import exception_handler
from events import errors as domain
from events.models import Event, LabelClass, MapShape, Membership, Role
from tests.api.support import assert_error
from tests.factories import (
    EventFactory,
    ImageFactory,
    LabelClassFactory,
    MapShapeFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(team, member):
    return member(Role.OWNER)


# --- the format, status by status --------------------------------------------------------


def test_unknown_fields_are_refused_and_each_is_named(api, team, owner):
    response = api(owner).post(
        "/api/v1/events/", {"team": team.pk, "nmae": "Flood", "descripton": "typo"}
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid input. descripton: Unknown field 'descripton'.",
        "code": "invalid",
        "fields": {
            "descripton": ["Unknown field 'descripton'."],
            "nmae": ["Unknown field 'nmae'."],
        },
    }


def test_a_missing_field_is_named(api, team, owner):
    response = api(owner).post("/api/v1/events/", {"team": team.pk})

    assert response.json() == {
        "detail": "Invalid input. name: This field is required.",
        "code": "invalid",
        "fields": {"name": ["This field is required."]},
    }


def test_a_domain_rule_names_its_field(api, team, owner):
    response = api(owner).post(
        "/api/v1/events/",
        {
            "team": team.pk,
            "name": "x",
            "starts_at": "2024-05-09T00:00:00Z",
            "ends_at": "2024-05-01T00:00:00Z",
        },
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "The event ends before it starts.",
        "code": "invalid",
        "fields": {"ends_at": ["Must be after starts_at."]},
    }


def test_malformed_json(api, owner):
    response = api(owner).post("/api/v1/teams/", "{name: 1", content_type="application/json")

    body = assert_error(response, 400, "parse_error", [])
    assert body["detail"].startswith("JSON parse error")


def test_anonymous(api):
    response = api().get("/api/v1/teams/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
        "fields": {},
    }


def test_role_too_low(api, event, member):
    response = api(member(Role.VIEWER)).delete(f"/api/v1/events/{event.pk}/")

    body = assert_error(response, 403, "permission_denied", [])
    assert body["detail"] == (
        "Your role in this team (viewer) cannot manage; it needs manager or higher."
    )


def test_not_found(api, owner):
    response = api(owner).get("/api/v1/events/999999999/")

    assert response.json() == {"detail": "Event not found.", "code": "not_found", "fields": {}}
    assert response.status_code == 404


def test_method_not_allowed(api, owner):
    assert_error(api(owner).put("/api/v1/teams/", {}), 405, "method_not_allowed", [])


def test_not_acceptable(api, owner):
    response = api(owner).get("/api/v1/teams/", HTTP_ACCEPT="text/html")

    assert_error(response, 406, "not_acceptable", [])


def test_unsupported_media_type(api, owner):
    response = api(owner).post("/api/v1/teams/", "name=x", content_type="text/plain")

    assert_error(response, 415, "unsupported_media_type", [])


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_payload_too_large(api, owner):
    response = api(owner).post("/api/v1/teams/", {"name": "x", "description": "y" * 2000})

    assert_error(response, 413, "payload_too_large", [])


def test_page_out_of_range(api, owner):
    assert_error(api(owner).get("/api/v1/teams/", {"page": 9}), 404, "not_found", [])


# --- anonymous callers, on every route ---------------------------------------------------


def _routes() -> list[tuple[str, str]]:
    """(example URL, method) for every route of api/urls.py's v1 list and its methods."""
    found = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
                continue
            assert isinstance(pattern, URLPattern)
            url = re.sub(r"<(?:\w+:)?\w+>", "1", prefix + str(pattern.pattern))
            view = getattr(pattern.callback, "cls", None) or pattern.callback.view_class
            for method in ("get", "post", "put", "patch", "delete"):
                if hasattr(view, method):
                    found.append((url, method))

    walk(api_urls.v1, "/api/v1/")
    return found


ROUTES = [(url, method) for url, method in _routes() if url != "/api/v1/auth/token/"]


def test_the_route_sweep_covers_the_api():
    urls = {url for url, _ in ROUTES}
    assert {"/api/v1/teams/1/members/1/", "/api/v1/images/1/tags/", "/api/v1/map-shapes/1/"} <= urls
    assert len(ROUTES) >= 30


@pytest.mark.parametrize(("url", "method"), ROUTES)
def test_anonymous_callers_get_the_same_format_everywhere(url, method):
    EventFactory()  # something to find, so a 404 could not pass for a 401/403
    response = getattr(APIClient(), method)(url, {}, format="json")

    assert response.status_code == 401, (url, method, response.status_code)
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
        "fields": {},
    }


# --- another team's objects: 404, the same as a missing one ------------------------------


@pytest.fixture
def theirs():
    """One object of every kind in a team the caller is not in."""
    team = TeamFactory()
    membership = Membership.objects.create(team=team, user=UserFactory(), role=Role.OWNER)
    event = EventFactory(team=team)
    return {
        "team": team,
        "membership": membership,
        "event": event,
        "label_class": LabelClassFactory(event=event, kind=LabelClass.Kind.TAG),
        "image": ImageFactory(event=event),
        "map_shape": MapShapeFactory(event=event),
    }


SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
# (URL template, method, body): {x} is filled with an id of ``theirs`` or a missing id.
DETAIL_ROUTES = [
    ("/api/v1/teams/{team}/", "get", None),
    ("/api/v1/teams/{team}/", "patch", {"name": "x"}),
    ("/api/v1/teams/{team}/", "delete", None),
    ("/api/v1/teams/{team}/members/", "get", None),
    ("/api/v1/teams/{team}/members/", "post", {"user": "someone", "role": "viewer"}),
    ("/api/v1/teams/{team}/members/{membership}/", "get", None),
    ("/api/v1/teams/{team}/members/{membership}/", "patch", {"role": "viewer"}),
    ("/api/v1/teams/{team}/members/{membership}/", "delete", None),
    ("/api/v1/events/{event}/", "get", None),
    ("/api/v1/events/{event}/", "patch", {"name": "x"}),
    ("/api/v1/events/{event}/", "delete", None),
    ("/api/v1/events/{event}/label-classes/", "get", None),
    ("/api/v1/events/{event}/label-classes/", "post", {"name": "x"}),
    ("/api/v1/label-classes/{label_class}/", "get", None),
    ("/api/v1/label-classes/{label_class}/", "patch", {"name": "x"}),
    ("/api/v1/label-classes/{label_class}/", "delete", None),
    ("/api/v1/events/{event}/images/", "get", None),
    ("/api/v1/images/{image}/", "get", None),
    ("/api/v1/images/{image}/", "patch", {"name": "x"}),
    ("/api/v1/images/{image}/", "delete", None),
    ("/api/v1/images/{image}/tags/", "post", {"label_class": 1, "state": "positive"}),
    ("/api/v1/events/{event}/map-shapes/", "get", None),
    (
        "/api/v1/events/{event}/map-shapes/",
        "post",
        {"type": "Feature", "geometry": SQUARE, "properties": {}},
    ),
    ("/api/v1/map-shapes/{map_shape}/", "get", None),
    ("/api/v1/map-shapes/{map_shape}/", "patch", {"properties": {"note": "x"}}),
    ("/api/v1/map-shapes/{map_shape}/", "delete", None),
]


def _send(client: APIClient, method: str, url: str, body: Any):  # type: ignore[no-untyped-def]
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, body, format="json")


@pytest.mark.parametrize(("template", "method", "body"), DETAIL_ROUTES)
def test_another_teams_object_is_indistinguishable_from_a_missing_one(
    api, owner, theirs, template, method, body
):
    client = api(owner)  # an owner of their own team, a stranger to ``theirs``
    ids = {name: obj.pk for name, obj in theirs.items()}
    missing = dict.fromkeys(ids, 999999999)
    if "{membership}" in template:
        # The team must be visible for a membership lookup to get as far as the id.
        missing["team"] = ids["team"]

    foreign = _send(client, method, template.format(**ids), body)
    absent = _send(client, method, template.format(**missing), body)

    assert_error(foreign, 404, "not_found", [])
    assert foreign.json() == absent.json()
    # Nothing of theirs changed.
    assert Event.objects.filter(pk=ids["event"]).exists()
    assert MapShape.objects.filter(pk=ids["map_shape"], properties={}).exists()
    theirs["team"].refresh_from_db()
    assert theirs["team"].name != "x"


# --- the handler itself ------------------------------------------------------------------


def test_stale_version_adds_the_current_state_and_nothing_else():
    with_current = exception_handler(
        domain.StaleVersion("Changed meanwhile.", current_version=4, current={"id": 7}), {}
    )
    without = exception_handler(domain.StaleVersion("Changed meanwhile.", current_version=4), {})

    assert with_current.status_code == without.status_code == 409
    assert with_current.data == {
        "detail": "Changed meanwhile.",
        "code": "stale_version",
        "fields": {},
        "current_version": 4,
        "current": {"id": 7},
    }
    assert set(without.data) == {"detail", "code", "fields", "current_version"}


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (domain.InvalidInput("bad", fields={"x": ["bad"]}), 400, "invalid"),
        (domain.GeometryError("self-intersection"), 400, "invalid_geometry"),
        (domain.Forbidden("no"), 403, "permission_denied"),
        (domain.NotFound("gone"), 404, "not_found"),
    ],
)
def test_domain_errors_map_to_one_status_each(error, status, code):
    response = exception_handler(error, {})

    assert response.status_code == status
    assert response.data == {"detail": error.detail, "code": code, "fields": error.fields}


def test_nested_validation_errors_are_flattened_to_dotted_names():
    error = exceptions.ValidationError(
        {"properties": {"depth": ["Not a number."]}, "points": [{}, {"x": ["Required."]}]}
    )

    response = exception_handler(error, {})

    assert response.status_code == 400
    assert response.data["fields"] == {
        "properties.depth": ["Not a number."],
        "points.1.x": ["Required."],
    }
    assert response.data["detail"] == "Invalid input. properties.depth: Not a number."


def test_unknown_api_url_answers_json_404(api, owner):
    response = api(owner).get("/api/v1/imgaes/")

    assert response.status_code == 404
    assert response.json() == {
        "detail": "No API route matches '/api/v1/imgaes/'; see /api/docs/.",
        "code": "not_found",
        "fields": {},
    }


def test_unknown_page_outside_the_api_stays_html(client, db):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
