from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify

from events.errors import Forbidden, InvalidInput
from events.models import Membership, Role, Team
from events.rules import Action, may_assign_role, require


def _unique_slug(base: str, taken: set[str]) -> str:
    root = slugify(base)[:180] or "item"
    slug, n = root, 2
    while slug in taken:
        slug, n = f"{root}-{n}", n + 1
    return slug


def team_create(*, user: User, name: str, description: str = "") -> Team:
    """A new team with ``user`` as its owner."""
    if not name.strip():
        raise InvalidInput(
            "A team needs a name.", fields={"name": ["This field may not be blank."]}
        )
    with transaction.atomic():
        taken = set(
            Team.objects.filter(slug__startswith=slugify(name)[:180]).values_list("slug", flat=True)
        )
        team = Team.objects.create(
            name=name.strip(), slug=_unique_slug(name, taken), description=description
        )
        Membership.objects.create(team=team, user=user, role=Role.OWNER)
    return team


def team_update(
    *, user: User, team: Team, name: str | None = None, description: str | None = None
) -> Team:
    """Rename or describe a team (owners only)."""
    require(user, team, Action.OWN, what="Team")
    if name is not None:
        if not name.strip():
            raise InvalidInput(
                "A team needs a name.", fields={"name": ["This field may not be blank."]}
            )
        team.name = name.strip()
    if description is not None:
        team.description = description
    team.save()
    return team


def team_delete(*, user: User, team: Team) -> None:
    """Delete a team and everything in it (owners only)."""
    require(user, team, Action.OWN, what="Team")
    team.delete()


def _find_user(identifier: str) -> User:
    User = get_user_model()
    found = list(
        User.objects.filter(Q(username=identifier) | Q(email__iexact=identifier), is_active=True)[
            :2
        ]
    )
    if len(found) != 1:
        reason = "No active user" if not found else "More than one user"
        raise InvalidInput(
            f"{reason} with username or email {identifier!r}.",
            fields={"user": [f"{reason} matches {identifier!r}."]},
        )
    return found[0]


def _owners_left(team: Team, *, without: Membership) -> int:
    return team.memberships.filter(role=Role.OWNER).exclude(pk=without.pk).count()


def membership_add(*, actor: User, team: Team, user: str, role: str) -> Membership:
    """Add an existing user (by username or email) to the team with ``role``.

    Managers add members below owner; owners may add owners.
    """
    actor_role = require(actor, team, Action.MANAGE, what="Team")
    if role not in Role.values:
        raise InvalidInput(
            f"Unknown role {role!r}.", fields={"role": [f"Choose one of {', '.join(Role.values)}."]}
        )
    if not may_assign_role(actor_role, role):
        raise Forbidden(f"A {actor_role} cannot make someone {role}; only owners can.")
    member = _find_user(user)
    if Membership.objects.filter(team=team, user=member).exists():
        raise InvalidInput(
            f"{member.get_username()} is already a member of this team.",
            fields={"user": ["Already a member; change their role instead."]},
        )
    return Membership.objects.create(team=team, user=member, role=role)


def membership_update(*, actor: User, membership: Membership, role: str) -> Membership:
    """Change a member's role. Managers handle roles below owner; a team keeps one owner."""
    actor_role = require(actor, membership.team_id, Action.MANAGE, what="Member")
    if role not in Role.values:
        raise InvalidInput(
            f"Unknown role {role!r}.", fields={"role": [f"Choose one of {', '.join(Role.values)}."]}
        )
    if not (may_assign_role(actor_role, role) and may_assign_role(actor_role, membership.role)):
        raise Forbidden(f"A {actor_role} cannot change an owner's role or make an owner.")
    with transaction.atomic():
        locked = Membership.objects.select_for_update().select_related("team").get(pk=membership.pk)
        if (
            locked.role == Role.OWNER
            and role != Role.OWNER
            and _owners_left(locked.team, without=locked) == 0
        ):
            raise InvalidInput(
                "A team needs at least one owner; make someone else owner first.",
                fields={"role": ["This is the last owner."]},
            )
        locked.role = role
        locked.save(update_fields=["role"])
    return locked


def membership_remove(*, actor: User, membership: Membership) -> None:
    """Remove a member. Anyone may leave; managers remove members below owner."""
    if membership.user_id != actor.pk:
        actor_role = require(actor, membership.team_id, Action.MANAGE, what="Member")
        if not may_assign_role(actor_role, membership.role):
            raise Forbidden(f"A {actor_role} cannot remove an owner.")
    else:
        require(actor, membership.team_id, Action.VIEW, what="Member")
    with transaction.atomic():
        locked = Membership.objects.select_for_update().select_related("team").get(pk=membership.pk)
        if locked.role == Role.OWNER and _owners_left(locked.team, without=locked) == 0:
            raise InvalidInput("A team needs at least one owner; make someone else owner first.")
        locked.delete()
