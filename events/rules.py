"""Who may do what: the one place where permissions are decided (DESIGN.md §4).

Roles are ranked viewer < annotator < reviewer < manager < owner and each action needs a
minimum role. Every API route and page asks ``require`` (or ``can``); a user who is not a
member of the object's team gets ``NotFound``, never a hint that the object exists.
"""

from __future__ import annotations

import enum

from django.contrib.auth.models import AnonymousUser, User

from events.errors import Forbidden, NotFound
from events.models import Membership, Role, Team

RANK: dict[str, int] = {
    Role.VIEWER: 0,
    Role.ANNOTATOR: 1,
    Role.REVIEWER: 2,
    Role.MANAGER: 3,
    Role.OWNER: 4,
}


class Action(enum.StrEnum):
    """What a user asks to do inside a team, with the least role that may do it."""

    VIEW = "view"  # read anything of the team
    ANNOTATE = "annotate"  # create/edit/delete annotations, image tags and map shapes
    REVIEW = "review"  # accept or reject annotations
    MANAGE = "manage"  # events, label classes, images, members below owner, jobs of others
    OWN = "own"  # the team itself and its owners

    @property
    def minimum_role(self) -> Role:
        return _MINIMUM[self]


_MINIMUM: dict[Action, Role] = {
    Action.VIEW: Role.VIEWER,
    Action.ANNOTATE: Role.ANNOTATOR,
    Action.REVIEW: Role.REVIEWER,
    Action.MANAGE: Role.MANAGER,
    Action.OWN: Role.OWNER,
}

AnyUser = User | AnonymousUser


def role_of(user: AnyUser, team: Team | int) -> Role | None:
    """The user's role in the team, or None if they are not a member."""
    if not user.is_authenticated:
        return None
    team_id = team.pk if isinstance(team, Team) else team
    role = (
        Membership.objects.filter(team_id=team_id, user_id=user.pk)
        .values_list("role", flat=True)
        .first()
    )
    return Role(role) if role else None


def role_allows(role: Role | str | None, action: Action) -> bool:
    """Whether a member with ``role`` may do ``action`` (None: not a member, nothing)."""
    return role is not None and RANK[Role(role)] >= RANK[action.minimum_role]


def can(user: AnyUser, team: Team | int, action: Action) -> bool:
    return role_allows(role_of(user, team), action)


def require(user: AnyUser, team: Team | int, action: Action, *, what: str = "Object") -> Role:
    """The user's role if it allows ``action`` in ``team``.

    Raises NotFound for non-members (the object's existence stays hidden) and Forbidden for
    members whose role is too low, naming the role that would be needed.
    """
    role = role_of(user, team)
    if role is None:
        raise NotFound(f"{what} not found.")
    if not role_allows(role, action):
        raise Forbidden(
            f"Your role in this team ({role}) cannot {action.value}; "
            f"it needs {action.minimum_role} or higher."
        )
    return role


def may_assign_role(actor_role: Role | str, target_role: Role | str) -> bool:
    """Managers handle members below owner; only owners make or unmake owners."""
    if Role(actor_role) == Role.OWNER:
        return True
    return role_allows(actor_role, Action.MANAGE) and Role(target_role) != Role.OWNER
