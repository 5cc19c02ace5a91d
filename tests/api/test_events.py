"""/api/v1/events/ and /api/v1/events/{id}/."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import MultiPolygon

from events.models import Event, Membership, Role
from tests.api.support import assert_error, assert_rfc7946, is_ccw
from tests.factories import EventFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

EVENT_KEYS = {
    "id",
    "team",
    "name",
    "slug",
    "description",
    "phenomenon",
    "starts_at",
    "ends_at",
    "area_of_interest",
    "settings",
    "created_at",
    "updated_at",
}
# Clockwise on purpose: the API must answer with a counter-clockwise exterior (RFC 7946).
CLOCKWISE = {
    "type": "Polygon",
    "coordinates": [[[10, 40], [10, 41], [11, 41], [11, 40], [10, 40]]],
}
BOWTIE = {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}


def _url(event) -> str:
    return f"/api/v1/events/{event.pk}/"


@pytest.fixture
def manager(member):
    return member(Role.MANAGER)


@pytest.fixture
def foreign_event():
    return EventFactory(team=TeamFactory(), name="Not yours")


# --- list --------------------------------------------------------------------------------


def test_event_list_shows_my_teams_events_only(api, event, member, foreign_event):
    viewer = member(Role.VIEWER)
    other_team = TeamFactory()
    Membership.objects.create(team=other_team, user=viewer, role=Role.VIEWER)
    second = EventFactory(team=other_team)

    body = api(viewer).get("/api/v1/events/").json()

    assert body["count"] == 2
    assert {item["id"] for item in body["results"]} == {event.pk, second.pk}
    assert set(body["results"][0]) == EVENT_KEYS


def test_event_list_filters_by_team(api, event, member, foreign_event):
    viewer = member(Role.VIEWER)
    other_team = TeamFactory()
    Membership.objects.create(team=other_team, user=viewer, role=Role.VIEWER)
    EventFactory(team=other_team)

    body = api(viewer).get("/api/v1/events/", {"team": event.team_id}).json()
    assert [item["id"] for item in body["results"]] == [event.pk]
    assert body["results"][0]["team"] == event.team_id

    # A foreign team's id shows nothing rather than their events.
    body = api(viewer).get("/api/v1/events/", {"team": foreign_event.team_id}).json()
    assert (body["count"], body["results"]) == (0, [])


def test_event_list_refuses_a_malformed_team_filter(api, event, member):
    response = api(member(Role.VIEWER)).get("/api/v1/events/", {"team": "mine"})

    assert_error(response, 400, "invalid", ["team"])


# --- create ------------------------------------------------------------------------------


def test_event_create_with_an_area_of_interest(api, team, manager):
    response = api(manager).post(
        "/api/v1/events/",
        {
            "team": team.pk,
            "name": "Rhine Flood",
            "phenomenon": "flood",
            "starts_at": "2024-05-01T00:00:00Z",
            "ends_at": "2024-05-09T12:00:00Z",
            "area_of_interest": CLOCKWISE,
            "settings": {"layer": "MODIS_Terra_CorrectedReflectance_TrueColor"},
        },
    )

    assert response.status_code == 201
    body = response.json()
    event = Event.objects.get(pk=body["id"])
    assert set(body) == EVENT_KEYS
    assert (body["team"], body["name"], body["slug"], body["phenomenon"]) == (
        team.pk,
        "Rhine Flood",
        "rhine-flood",
        "flood",
    )
    assert (body["starts_at"], body["ends_at"]) == ("2024-05-01T00:00:00Z", "2024-05-09T12:00:00Z")
    assert body["settings"] == {"layer": "MODIS_Terra_CorrectedReflectance_TrueColor"}
    aoi = body["area_of_interest"]
    assert aoi["type"] == "MultiPolygon"
    assert_rfc7946(aoi)
    assert sorted(map(tuple, aoi["coordinates"][0][0])) == sorted(
        map(tuple, [[10, 40], [11, 40], [11, 41], [10, 41], [10, 40]])
    )
    assert not is_ccw(CLOCKWISE["coordinates"][0])  # the input really was clockwise
    assert isinstance(event.area_of_interest, MultiPolygon)
    assert event.created_by == manager


def test_event_create_without_optional_fields(api, team, manager):
    response = api(manager).post("/api/v1/events/", {"team": team.pk, "name": "Dust"})

    assert response.status_code == 201
    body = response.json()
    assert (body["area_of_interest"], body["starts_at"], body["settings"]) == (None, None, {})
    assert (body["description"], body["phenomenon"]) == ("", "")


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"nmae": "Typo"}, ["nmae"]),
        ({"name": "x", "slug": "mine"}, ["slug"]),
        ({"name": "x", "created_by": 1}, ["created_by"]),
        ({"name": ""}, ["name"]),
        ({"name": "x", "starts_at": "yesterday"}, ["starts_at"]),
        ({"name": "x", "area_of_interest": [1, 2]}, ["area_of_interest"]),
        ({"name": "x", "area_of_interest": "{not json"}, ["area_of_interest"]),
        (
            {"name": "x", "starts_at": "2024-05-09T00:00:00Z", "ends_at": "2024-05-01T00:00:00Z"},
            ["ends_at"],
        ),
    ],
)
def test_event_create_refuses_bad_bodies_naming_the_field(api, team, manager, data, fields):
    response = api(manager).post("/api/v1/events/", {"team": team.pk, **data})

    assert_error(response, 400, "invalid", fields)
    assert not Event.objects.exists()


def test_event_create_needs_a_team(api, manager):
    assert_error(api(manager).post("/api/v1/events/", {"name": "x"}), 400, "invalid", ["team"])


@pytest.mark.parametrize(
    "aoi",
    [
        BOWTIE,
        {"type": "Point", "coordinates": [10, 40]},
        {"type": "Polygon", "coordinates": [[[10, 40], [190, 40], [190, 41], [10, 41], [10, 40]]]},
        {**CLOCKWISE, "crs": {"type": "name", "properties": {"name": "EPSG:3857"}}},
    ],
    ids=["bowtie", "point", "lon-190", "crs"],
)
def test_event_create_refuses_an_invalid_area(api, team, manager, aoi):
    response = api(manager).post(
        "/api/v1/events/", {"team": team.pk, "name": "x", "area_of_interest": aoi}
    )

    assert_error(response, 400, "invalid_geometry")
    assert not Event.objects.exists()


def test_event_create_repairs_the_area_when_asked(api, team, manager):
    response = api(manager).post(
        "/api/v1/events/",
        {"team": team.pk, "name": "x", "area_of_interest": BOWTIE, "repair": True},
    )

    assert response.status_code == 201
    aoi = response.json()["area_of_interest"]
    assert "repair" not in response.json()
    assert aoi["type"] == "MultiPolygon"
    assert len(aoi["coordinates"]) == 2  # the bowtie's two triangles
    assert_rfc7946(aoi)


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.ANNOTATOR, Role.VIEWER])
def test_event_create_is_refused_below_manager(api, team, member, role):
    response = api(member(role)).post("/api/v1/events/", {"team": team.pk, "name": "x"})

    assert_error(response, 403, "permission_denied", [])
    assert not Event.objects.exists()


def test_event_create_in_another_team_is_not_found(api, manager):
    foreign = TeamFactory()

    response = api(manager).post("/api/v1/events/", {"team": foreign.pk, "name": "x"})

    assert_error(response, 404, "not_found", [])
    assert not Event.objects.exists()


# --- detail, patch, delete ---------------------------------------------------------------


def test_event_detail(api, event, member):
    response = api(member(Role.VIEWER)).get(_url(event))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == EVENT_KEYS
    assert (body["id"], body["team"], body["name"], body["slug"]) == (
        event.pk,
        event.team_id,
        event.name,
        event.slug,
    )


def test_another_teams_event_is_not_found_on_every_method(api, member, foreign_event):
    client = api(member(Role.OWNER))

    assert_error(client.get(_url(foreign_event)), 404, "not_found", [])
    assert_error(client.patch(_url(foreign_event), {"name": "Mine"}), 404, "not_found", [])
    assert_error(client.delete(_url(foreign_event)), 404, "not_found", [])
    foreign_event.refresh_from_db()
    assert foreign_event.name == "Not yours"


def test_event_patch_changes_only_what_is_sent(api, event, manager):
    event.description = "keep me"
    event.save()

    response = api(manager).patch(
        _url(event), {"name": "Renamed", "area_of_interest": CLOCKWISE, "ends_at": None}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["description"], body["slug"]) == ("Renamed", "keep me", event.slug)
    assert_rfc7946(body["area_of_interest"])
    event.refresh_from_db()
    assert event.name == "Renamed"
    assert event.area_of_interest.extent == (10.0, 40.0, 11.0, 41.0)

    response = api(manager).patch(_url(event), {"area_of_interest": None})
    assert response.json()["area_of_interest"] is None
    event.refresh_from_db()
    assert event.area_of_interest is None


def test_event_patch_checks_the_time_range_against_stored_values(api, event, manager):
    api(manager).patch(_url(event), {"starts_at": "2024-05-09T00:00:00Z"})

    response = api(manager).patch(_url(event), {"ends_at": "2024-05-01T00:00:00Z"})

    assert_error(response, 400, "invalid", ["ends_at"])
    event.refresh_from_db()
    assert event.ends_at is None


@pytest.mark.parametrize(
    ("data", "fields"),
    [({"team": 1}, ["team"]), ({"nmae": "x"}, ["nmae"]), ({"name": ""}, ["name"])],
)
def test_event_patch_refuses_bad_bodies(api, event, manager, data, fields):
    assert_error(api(manager).patch(_url(event), data), 400, "invalid", fields)


def test_event_patch_refuses_an_invalid_area(api, event, manager):
    assert_error(
        api(manager).patch(_url(event), {"area_of_interest": BOWTIE}), 400, "invalid_geometry"
    )
    event.refresh_from_db()
    assert event.area_of_interest is None


def test_event_patch_and_delete_are_refused_below_manager(api, event, member):
    client = api(member(Role.ANNOTATOR))

    assert_error(client.patch(_url(event), {"name": "x"}), 403, "permission_denied", [])
    assert_error(client.delete(_url(event)), 403, "permission_denied", [])
    assert Event.objects.get(pk=event.pk).name == event.name


def test_event_delete(api, event, manager):
    assert api(manager).delete(_url(event)).status_code == 204
    assert not Event.objects.filter(pk=event.pk).exists()
    assert_error(api(manager).get(_url(event)), 404, "not_found", [])


def test_strangers_see_no_event(api, event):
    assert_error(api(UserFactory()).get(_url(event)), 404, "not_found", [])
