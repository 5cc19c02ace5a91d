"""Reads of the job system: which jobs a user may see.

A job is visible to its owner and to every member (any role) of its team; a job with no
team to its owner only. Anyone else gets NotFound, as for any other team's object
(DESIGN.md §4).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from events.errors import NotFound
from events.models import Membership
from events.rules import AnyUser
from workers.models import Job


def job_list_visible(
    *,
    user: AnyUser,
    status: str | None = None,
    kind: str | None = None,
    event_id: int | None = None,
) -> QuerySet[Job]:
    """The jobs ``user`` may see, newest first, optionally of one status, kind or event.

    None for an anonymous user.
    """
    if not user.is_authenticated:
        return Job.objects.none()
    teams = Membership.objects.filter(user_id=user.pk).values("team_id")
    jobs = Job.objects.filter(Q(owner_id=user.pk) | Q(team_id__in=teams)).select_related("owner")
    if status:
        jobs = jobs.filter(status=status)
    if kind:
        jobs = jobs.filter(kind=kind)
    if event_id is not None:
        jobs = jobs.filter(event_id=event_id)
    return jobs


def job_get(*, user: AnyUser, job_id: Any) -> Job:
    """One job ``user`` may see; NotFound when it does not exist or is not theirs to see."""
    try:
        return job_list_visible(user=user).get(pk=job_id)
    except (Job.DoesNotExist, ValueError, TypeError):
        raise NotFound("Job not found.") from None
