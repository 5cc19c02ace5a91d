"""/api/v1/teams/ and /api/v1/teams/{id}/members/: who sees and changes what."""

from __future__ import annotations

import pytest

from events.models import Membership, Role, Team
from tests.api.support import assert_error
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def _team_url(team) -> str:
    return f"/api/v1/teams/{team.pk}/"


def _members_url(team) -> str:
    return f"/api/v1/teams/{team.pk}/members/"


def _member_url(membership) -> str:
    return f"/api/v1/teams/{membership.team_id}/members/{membership.pk}/"


def _role(user, team) -> str | None:
    return Membership.objects.filter(team=team, user=user).values_list("role", flat=True).first()


@pytest.fixture
def foreign_team():
    team = TeamFactory(name="Elsewhere")
    Membership.objects.create(team=team, user=UserFactory(), role=Role.OWNER)
    return team


# --- teams -------------------------------------------------------------------------------


def test_team_list_shows_only_my_teams_with_my_role(api, team, member, foreign_team):
    user = member(Role.MANAGER)
    second = TeamFactory(name="A second team")
    Membership.objects.create(team=second, user=user, role=Role.VIEWER)

    response = api(user).get("/api/v1/teams/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    by_id = {item["id"]: item for item in body["results"]}
    assert set(by_id) == {team.pk, second.pk}
    assert by_id[team.pk]["role"] == "manager"
    assert by_id[second.pk] == {
        "id": second.pk,
        "name": "A second team",
        "slug": second.slug,
        "description": "",
        "created_at": by_id[second.pk]["created_at"],
        "role": "viewer",
    }


def test_team_list_is_empty_for_someone_in_no_team(api, team, member):
    member(Role.OWNER)

    body = api(UserFactory()).get("/api/v1/teams/").json()

    assert (body["count"], body["results"]) == (0, [])


def test_team_create_makes_me_owner(api):
    user = UserFactory()

    response = api(user).post("/api/v1/teams/", {"name": "Dust Watch", "description": "HLD"})

    assert response.status_code == 201
    body = response.json()
    team = Team.objects.get(pk=body["id"])
    assert body == {
        "id": team.pk,
        "name": "Dust Watch",
        "slug": "dust-watch",
        "description": "HLD",
        "created_at": body["created_at"],
        "role": "owner",
    }
    assert _role(user, team) == Role.OWNER


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"nmae": "Typo"}, ["nmae"]),
        ({"name": "x", "slug": "chosen"}, ["slug"]),
        ({"name": "x", "role": "owner"}, ["role"]),
        ({"name": "  "}, ["name"]),
        ({}, ["name"]),
        ({"name": "x" * 201}, ["name"]),
    ],
)
def test_team_create_refuses_bad_bodies_naming_the_field(api, data, fields):
    response = api(UserFactory()).post("/api/v1/teams/", data)

    assert_error(response, 400, "invalid", fields)
    assert not Team.objects.exists()


def test_team_detail_shows_my_role_and_hides_other_teams(api, team, member, foreign_team):
    user = member(Role.REVIEWER)

    response = api(user).get(_team_url(team))
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["role"]) == (team.pk, "reviewer")

    assert_error(api(user).get(_team_url(foreign_team)), 404, "not_found", [])
    assert_error(api(user).get("/api/v1/teams/999999999/"), 404, "not_found", [])


def test_team_patch_by_an_owner(api, team, member):
    response = api(member(Role.OWNER)).patch(_team_url(team), {"description": "Floods of 2024"})

    assert response.status_code == 200
    assert response.json()["description"] == "Floods of 2024"
    assert response.json()["name"] == team.name
    team.refresh_from_db()
    assert team.description == "Floods of 2024"


@pytest.mark.parametrize("role", [Role.MANAGER, Role.VIEWER])
def test_team_patch_and_delete_are_refused_below_owner(api, team, member, role):
    client = api(member(role))

    assert_error(client.patch(_team_url(team), {"name": "Mine now"}), 403, "permission_denied", [])
    assert_error(client.delete(_team_url(team)), 403, "permission_denied", [])
    team.refresh_from_db()
    assert team.name != "Mine now"


def test_team_patch_and_delete_of_another_team_are_not_found(api, member, foreign_team):
    client = api(member(Role.OWNER))

    assert_error(client.patch(_team_url(foreign_team), {"name": "Taken"}), 404, "not_found")
    assert_error(client.delete(_team_url(foreign_team)), 404, "not_found")
    foreign_team.refresh_from_db()
    assert foreign_team.name == "Elsewhere"


def test_team_patch_refuses_unknown_and_blank_fields(api, team, member):
    client = api(member(Role.OWNER))

    assert_error(client.patch(_team_url(team), {"slug": "x"}), 400, "invalid", ["slug"])
    assert_error(client.patch(_team_url(team), {"name": ""}), 400, "invalid", ["name"])


def test_team_delete_by_an_owner(api, team, member):
    response = api(member(Role.OWNER)).delete(_team_url(team))

    assert response.status_code == 204
    assert not Team.objects.filter(pk=team.pk).exists()


# --- members: list and detail ------------------------------------------------------------


def test_members_are_listed_for_any_member(api, team, member):
    owner = member(Role.OWNER)
    viewer = member(Role.VIEWER)

    response = api(viewer).get(_members_url(team))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [(m["user"]["username"], m["role"]) for m in body["results"]] == [
        (owner.username, "owner"),
        (viewer.username, "viewer"),
    ]
    assert body["results"][0]["user"] == {
        "id": owner.pk,
        "username": owner.username,
        "email": owner.email,
    }
    assert set(body["results"][0]) == {"id", "user", "role", "created_at"}


def test_members_of_another_team_are_not_found(api, member, foreign_team):
    client = api(member(Role.OWNER))
    theirs = foreign_team.memberships.get()

    assert_error(client.get(_members_url(foreign_team)), 404, "not_found", [])
    assert_error(client.get(_member_url(theirs)), 404, "not_found", [])
    # Nor under my own team's URL.
    mine = Membership.objects.exclude(team=foreign_team).get()
    wrong = f"/api/v1/teams/{mine.team_id}/members/{theirs.pk}/"
    for response in (
        client.get(wrong),
        client.patch(wrong, {"role": "viewer"}),
        client.delete(wrong),
    ):
        assert_error(response, 404, "not_found", [])
    assert foreign_team.memberships.get().role == Role.OWNER


def test_member_detail(api, team, member):
    viewer = member(Role.VIEWER)
    membership = team.memberships.get(user=viewer)

    response = api(viewer).get(_member_url(membership))

    assert response.status_code == 200
    assert response.json()["id"] == membership.pk
    assert response.json()["user"]["username"] == viewer.username
    assert response.json()["role"] == "viewer"


# --- members: add ------------------------------------------------------------------------


def test_managers_add_members_by_username_or_email(api, team, member):
    client = api(member(Role.MANAGER))
    ana = UserFactory(username="ana")
    bo = UserFactory(username="bo", email="bo@example.org")

    response = client.post(_members_url(team), {"user": "ana", "role": "annotator"})
    assert response.status_code == 201
    body = response.json()
    assert body["user"] == {"id": ana.pk, "username": "ana", "email": ana.email}
    assert body["role"] == "annotator"
    assert body["id"] == team.memberships.get(user=ana).pk

    response = client.post(_members_url(team), {"user": "BO@example.org", "role": "viewer"})
    assert response.status_code == 201
    assert (_role(ana, team), _role(bo, team)) == (Role.ANNOTATOR, Role.VIEWER)


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"user": "nobody", "role": "viewer"}, ["user"]),
        ({"user": "ana", "role": "admin"}, ["role"]),
        ({"user": "ana"}, ["role"]),
        ({"role": "viewer"}, ["user"]),
        ({"user": "ana", "role": "viewer", "team": 1}, ["team"]),
    ],
)
def test_member_add_refuses_bad_bodies(api, team, member, data, fields):
    UserFactory(username="ana")

    response = api(member(Role.OWNER)).post(_members_url(team), data)

    assert_error(response, 400, "invalid", fields)
    assert team.memberships.count() == 1


def test_member_add_refuses_an_existing_member(api, team, member):
    owner, viewer = member(Role.OWNER), member(Role.VIEWER)

    response = api(owner).post(_members_url(team), {"user": viewer.username, "role": "manager"})

    assert_error(response, 400, "invalid", ["user"])
    assert _role(viewer, team) == Role.VIEWER


def test_managers_cannot_add_owners_but_owners_can(api, team, member):
    manager, owner = member(Role.MANAGER), member(Role.OWNER)
    candidate = UserFactory()

    response = api(manager).post(_members_url(team), {"user": candidate.username, "role": "owner"})
    assert_error(response, 403, "permission_denied", [])
    assert _role(candidate, team) is None

    response = api(owner).post(_members_url(team), {"user": candidate.username, "role": "owner"})
    assert response.status_code == 201
    assert _role(candidate, team) == Role.OWNER


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.ANNOTATOR, Role.VIEWER])
def test_members_below_manager_cannot_add_members(api, team, member, role):
    candidate = UserFactory()

    response = api(member(role)).post(
        _members_url(team), {"user": candidate.username, "role": "viewer"}
    )

    assert_error(response, 403, "permission_denied", [])
    assert _role(candidate, team) is None


def test_adding_to_another_team_is_not_found(api, member, foreign_team):
    candidate = UserFactory()

    response = api(member(Role.OWNER)).post(
        _members_url(foreign_team), {"user": candidate.username, "role": "viewer"}
    )

    assert_error(response, 404, "not_found", [])
    assert _role(candidate, foreign_team) is None


# --- members: change role ----------------------------------------------------------------


def test_managers_change_roles_below_owner(api, team, member):
    manager, annotator = member(Role.MANAGER), member(Role.ANNOTATOR)
    membership = team.memberships.get(user=annotator)

    response = api(manager).patch(_member_url(membership), {"role": "reviewer"})

    assert response.status_code == 200
    assert response.json()["role"] == "reviewer"
    assert _role(annotator, team) == Role.REVIEWER


def test_managers_cannot_promote_to_owner_or_demote_owners(api, team, member):
    manager, owner, annotator = member(Role.MANAGER), member(Role.OWNER), member(Role.ANNOTATOR)
    client = api(manager)

    promote = client.patch(_member_url(team.memberships.get(user=annotator)), {"role": "owner"})
    demote = client.patch(_member_url(team.memberships.get(user=owner)), {"role": "viewer"})
    promote_self = client.patch(_member_url(team.memberships.get(user=manager)), {"role": "owner"})

    for response in (promote, demote, promote_self):
        assert_error(response, 403, "permission_denied", [])
    assert (_role(annotator, team), _role(owner, team), _role(manager, team)) == (
        Role.ANNOTATOR,
        Role.OWNER,
        Role.MANAGER,
    )


def test_annotators_cannot_change_roles_even_their_own(api, team, member):
    annotator = member(Role.ANNOTATOR)

    response = api(annotator).patch(
        _member_url(team.memberships.get(user=annotator)), {"role": "manager"}
    )

    assert_error(response, 403, "permission_denied", [])
    assert _role(annotator, team) == Role.ANNOTATOR


def test_owners_promote_and_the_last_owner_cannot_step_down(api, team, member):
    owner, manager = member(Role.OWNER), member(Role.MANAGER)
    client = api(owner)
    mine = team.memberships.get(user=owner)

    body = assert_error(client.patch(_member_url(mine), {"role": "manager"}), 400, "invalid")
    assert body["fields"] == {"role": ["This is the last owner."]}
    assert _role(owner, team) == Role.OWNER

    response = client.patch(_member_url(team.memberships.get(user=manager)), {"role": "owner"})
    assert response.status_code == 200
    # With a second owner the first may step down.
    assert client.patch(_member_url(mine), {"role": "manager"}).status_code == 200
    assert (_role(owner, team), _role(manager, team)) == (Role.MANAGER, Role.OWNER)


def test_member_patch_refuses_bad_bodies(api, team, member):
    owner, viewer = member(Role.OWNER), member(Role.VIEWER)
    url = _member_url(team.memberships.get(user=viewer))

    assert_error(api(owner).patch(url, {"role": "root"}), 400, "invalid", ["role"])
    assert_error(api(owner).patch(url, {"rol": "owner"}), 400, "invalid", ["rol"])
    assert _role(viewer, team) == Role.VIEWER


# --- members: remove ---------------------------------------------------------------------


def test_managers_remove_members_but_not_owners(api, team, member):
    manager, owner, annotator = member(Role.MANAGER), member(Role.OWNER), member(Role.ANNOTATOR)
    client = api(manager)

    response = client.delete(_member_url(team.memberships.get(user=annotator)))
    assert response.status_code == 204
    assert _role(annotator, team) is None

    response = client.delete(_member_url(team.memberships.get(user=owner)))
    assert_error(response, 403, "permission_denied", [])
    assert _role(owner, team) == Role.OWNER


def test_viewers_may_leave_but_not_remove_others(api, team, member):
    viewer, other = member(Role.VIEWER), member(Role.VIEWER)
    client = api(viewer)

    response = client.delete(_member_url(team.memberships.get(user=other)))
    assert_error(response, 403, "permission_denied", [])
    assert _role(other, team) == Role.VIEWER

    assert client.delete(_member_url(team.memberships.get(user=viewer))).status_code == 204
    assert _role(viewer, team) is None


def test_the_last_owner_cannot_leave_but_one_of_two_can(api, team, member):
    owner = member(Role.OWNER)
    mine = team.memberships.get(user=owner)

    assert_error(api(owner).delete(_member_url(mine)), 400, "invalid")
    assert _role(owner, team) == Role.OWNER

    member(Role.OWNER)
    assert api(owner).delete(_member_url(mine)).status_code == 204
    assert _role(owner, team) is None
