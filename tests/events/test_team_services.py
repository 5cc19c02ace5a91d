"""Team and membership services (events/services/teams.py), without HTTP."""

from __future__ import annotations

import pytest

from events.errors import Forbidden, InvalidInput, NotFound
from events.models import Membership, Role, Team
from events.services.teams import (
    membership_add,
    membership_remove,
    membership_update,
    team_create,
    team_delete,
    team_update,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _role(user, team) -> str | None:
    return Membership.objects.filter(team=team, user=user).values_list("role", flat=True).first()


def _membership(user, team) -> Membership:
    return Membership.objects.get(team=team, user=user)


# --- teams -------------------------------------------------------------------------------


def test_team_create_makes_the_creator_its_only_owner():
    user = UserFactory()

    team = team_create(user=user, name="  Dust Watch ", description="HLD")

    assert team.name == "Dust Watch"
    assert team.slug == "dust-watch"
    assert team.description == "HLD"
    assert list(team.memberships.values_list("user_id", "role")) == [(user.pk, Role.OWNER)]


def test_team_create_gives_each_team_a_unique_slug():
    first = team_create(user=UserFactory(), name="Flood Watch")
    second = team_create(user=UserFactory(), name="Flood Watch")
    third = team_create(user=UserFactory(), name="flood watch!")

    assert [first.slug, second.slug, third.slug] == [
        "flood-watch",
        "flood-watch-2",
        "flood-watch-3",
    ]


def test_team_create_refuses_a_blank_name():
    with pytest.raises(InvalidInput) as caught:
        team_create(user=UserFactory(), name="   ")

    assert caught.value.fields == {"name": ["This field may not be blank."]}
    assert not Team.objects.exists()


def test_team_update_is_for_owners_only(team, member):
    owner, manager = member(Role.OWNER), member(Role.MANAGER)

    with pytest.raises(Forbidden):
        team_update(user=manager, team=team, name="Renamed by a manager")
    with pytest.raises(NotFound):
        team_update(user=UserFactory(), team=team, name="Renamed by a stranger")
    team.refresh_from_db()
    assert team.name != "Renamed by a manager"

    team_update(user=owner, team=team, name="Renamed", description="new")
    team.refresh_from_db()
    assert (team.name, team.description) == ("Renamed", "new")


def test_team_update_refuses_a_blank_name(team, member):
    with pytest.raises(InvalidInput) as caught:
        team_update(user=member(Role.OWNER), team=team, name=" ")
    assert caught.value.fields == {"name": ["This field may not be blank."]}


def test_team_delete_is_for_owners_only(team, member):
    owner, manager = member(Role.OWNER), member(Role.MANAGER)

    with pytest.raises(Forbidden):
        team_delete(user=manager, team=team)
    assert Team.objects.filter(pk=team.pk).exists()

    team_delete(user=owner, team=team)
    assert not Team.objects.filter(pk=team.pk).exists()


# --- adding members ----------------------------------------------------------------------


def test_membership_add_by_username(team, member):
    manager = member(Role.MANAGER)
    newcomer = UserFactory(username="ana")

    membership = membership_add(actor=manager, team=team, user="ana", role=Role.ANNOTATOR)

    assert (membership.user, membership.team, membership.role) == (newcomer, team, Role.ANNOTATOR)


def test_membership_add_by_email_ignores_case(team, member):
    newcomer = UserFactory(username="bo", email="Bo@Example.org")

    membership_add(actor=member(Role.OWNER), team=team, user="bo@example.ORG", role=Role.VIEWER)

    assert _role(newcomer, team) == Role.VIEWER


@pytest.mark.parametrize("identifier", ["nobody", "nobody@example.org", ""])
def test_membership_add_refuses_an_unknown_user(team, member, identifier):
    with pytest.raises(InvalidInput) as caught:
        membership_add(actor=member(Role.OWNER), team=team, user=identifier, role=Role.VIEWER)

    assert list(caught.value.fields) == ["user"]
    assert team.memberships.count() == 1  # the owner only


def test_membership_add_refuses_an_inactive_user(team, member):
    UserFactory(username="gone", is_active=False)

    with pytest.raises(InvalidInput) as caught:
        membership_add(actor=member(Role.OWNER), team=team, user="gone", role=Role.VIEWER)

    assert list(caught.value.fields) == ["user"]


def test_membership_add_refuses_a_member_twice(team, member):
    annotator = member(Role.ANNOTATOR)

    with pytest.raises(InvalidInput) as caught:
        membership_add(
            actor=member(Role.OWNER), team=team, user=annotator.username, role=Role.MANAGER
        )

    assert caught.value.fields == {"user": ["Already a member; change their role instead."]}
    assert _role(annotator, team) == Role.ANNOTATOR


def test_membership_add_refuses_an_unknown_role(team, member):
    UserFactory(username="cy")

    with pytest.raises(InvalidInput) as caught:
        membership_add(actor=member(Role.OWNER), team=team, user="cy", role="admin")

    assert list(caught.value.fields) == ["role"]


def test_managers_cannot_add_owners_but_owners_can(team, member):
    manager, owner = member(Role.MANAGER), member(Role.OWNER)
    candidate = UserFactory()

    with pytest.raises(Forbidden):
        membership_add(actor=manager, team=team, user=candidate.username, role=Role.OWNER)
    assert _role(candidate, team) is None

    membership_add(actor=owner, team=team, user=candidate.username, role=Role.OWNER)
    assert _role(candidate, team) == Role.OWNER


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.ANNOTATOR, Role.VIEWER])
def test_members_below_manager_cannot_add_anyone(team, member, role):
    actor = member(role)
    candidate = UserFactory()

    with pytest.raises(Forbidden):
        membership_add(actor=actor, team=team, user=candidate.username, role=Role.VIEWER)
    assert _role(candidate, team) is None


def test_strangers_adding_members_get_not_found(team):
    candidate = UserFactory()

    with pytest.raises(NotFound):
        membership_add(actor=UserFactory(), team=team, user=candidate.username, role=Role.VIEWER)
    assert _role(candidate, team) is None


# --- changing roles ----------------------------------------------------------------------


def test_managers_change_roles_below_owner(team, member):
    manager, annotator = member(Role.MANAGER), member(Role.ANNOTATOR)

    updated = membership_update(
        actor=manager, membership=_membership(annotator, team), role=Role.REVIEWER
    )

    assert updated.role == Role.REVIEWER
    assert _role(annotator, team) == Role.REVIEWER


def test_managers_cannot_promote_to_owner(team, member):
    manager, annotator = member(Role.MANAGER), member(Role.ANNOTATOR)

    with pytest.raises(Forbidden):
        membership_update(actor=manager, membership=_membership(annotator, team), role=Role.OWNER)
    with pytest.raises(Forbidden):
        membership_update(actor=manager, membership=_membership(manager, team), role=Role.OWNER)
    assert (_role(annotator, team), _role(manager, team)) == (Role.ANNOTATOR, Role.MANAGER)


def test_managers_cannot_demote_owners(team, member):
    owner, manager = member(Role.OWNER), member(Role.MANAGER)

    with pytest.raises(Forbidden):
        membership_update(actor=manager, membership=_membership(owner, team), role=Role.VIEWER)
    assert _role(owner, team) == Role.OWNER


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.ANNOTATOR, Role.VIEWER])
def test_members_below_manager_cannot_change_roles(team, member, role):
    actor, other = member(role), member(Role.VIEWER)

    with pytest.raises(Forbidden):
        membership_update(actor=actor, membership=_membership(other, team), role=Role.ANNOTATOR)
    with pytest.raises(Forbidden):
        membership_update(actor=actor, membership=_membership(actor, team), role=Role.MANAGER)
    assert (_role(other, team), _role(actor, team)) == (Role.VIEWER, role)


def test_owners_promote_and_demote_owners(team, member):
    owner, manager = member(Role.OWNER), member(Role.MANAGER)

    membership_update(actor=owner, membership=_membership(manager, team), role=Role.OWNER)
    assert _role(manager, team) == Role.OWNER

    membership_update(actor=owner, membership=_membership(manager, team), role=Role.ANNOTATOR)
    assert _role(manager, team) == Role.ANNOTATOR


def test_the_last_owner_cannot_be_demoted(team, member):
    owner = member(Role.OWNER)
    member(Role.MANAGER)

    with pytest.raises(InvalidInput) as caught:
        membership_update(actor=owner, membership=_membership(owner, team), role=Role.MANAGER)

    assert caught.value.fields == {"role": ["This is the last owner."]}
    assert _role(owner, team) == Role.OWNER


def test_an_owner_may_step_down_when_another_owner_remains(team, member):
    first, second = member(Role.OWNER), member(Role.OWNER)

    membership_update(actor=first, membership=_membership(first, team), role=Role.MANAGER)

    assert (_role(first, team), _role(second, team)) == (Role.MANAGER, Role.OWNER)


def test_membership_update_refuses_an_unknown_role(team, member):
    owner, viewer = member(Role.OWNER), member(Role.VIEWER)

    with pytest.raises(InvalidInput) as caught:
        membership_update(actor=owner, membership=_membership(viewer, team), role="root")

    assert list(caught.value.fields) == ["role"]
    assert _role(viewer, team) == Role.VIEWER


# --- removing members --------------------------------------------------------------------


def test_managers_remove_members_below_owner(team, member):
    manager, annotator = member(Role.MANAGER), member(Role.ANNOTATOR)

    membership_remove(actor=manager, membership=_membership(annotator, team))

    assert _role(annotator, team) is None


def test_managers_cannot_remove_owners(team, member):
    owner, manager = member(Role.OWNER), member(Role.MANAGER)
    member(Role.OWNER)  # so the last-owner rule is not what stops it

    with pytest.raises(Forbidden):
        membership_remove(actor=manager, membership=_membership(owner, team))
    assert _role(owner, team) == Role.OWNER


def test_owners_remove_owners_while_another_owner_remains(team, member):
    owner, other_owner = member(Role.OWNER), member(Role.OWNER)

    membership_remove(actor=owner, membership=_membership(other_owner, team))

    assert _role(other_owner, team) is None
    assert _role(owner, team) == Role.OWNER


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.ANNOTATOR, Role.VIEWER])
def test_members_below_manager_cannot_remove_others(team, member, role):
    actor, other = member(role), member(Role.VIEWER)

    with pytest.raises(Forbidden):
        membership_remove(actor=actor, membership=_membership(other, team))
    assert _role(other, team) == Role.VIEWER


def test_anyone_may_leave(team, member):
    viewer = member(Role.VIEWER)

    membership_remove(actor=viewer, membership=_membership(viewer, team))

    assert _role(viewer, team) is None


def test_the_last_owner_cannot_leave(team, member):
    owner = member(Role.OWNER)
    member(Role.MANAGER)

    with pytest.raises(InvalidInput):
        membership_remove(actor=owner, membership=_membership(owner, team))
    assert _role(owner, team) == Role.OWNER


def test_an_owner_may_leave_when_another_owner_remains(team, member):
    leaving, staying = member(Role.OWNER), member(Role.OWNER)

    membership_remove(actor=leaving, membership=_membership(leaving, team))

    assert _role(leaving, team) is None
    assert _role(staying, team) == Role.OWNER


def test_strangers_removing_members_get_not_found(team, member):
    viewer = member(Role.VIEWER)

    with pytest.raises(NotFound):
        membership_remove(actor=UserFactory(), membership=_membership(viewer, team))
    assert _role(viewer, team) == Role.VIEWER
