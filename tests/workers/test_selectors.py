"""Who sees which job: the owner and the members of the job's team, nobody else."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from events.errors import NotFound
from events.models import Membership, Role
from tests.factories import EventFactory, TeamFactory, UserFactory
from workers.models import Job
from workers.selectors import job_get, job_list_visible

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    team, other_team = TeamFactory(), TeamFactory()
    owner, viewer, outsider = UserFactory(), UserFactory(), UserFactory()
    Membership.objects.create(team=team, user=owner, role=Role.ANNOTATOR)
    Membership.objects.create(team=team, user=viewer, role=Role.VIEWER)
    Membership.objects.create(team=other_team, user=outsider, role=Role.OWNER)
    event = EventFactory(team=team)
    return {
        "owner": owner,
        "viewer": viewer,
        "outsider": outsider,
        "team_job": Job.objects.create(kind="event_summary", owner=owner, team=team, event=event),
        "private_job": Job.objects.create(kind="event_summary", owner=owner),
        "orphan_job": Job.objects.create(kind="event_summary", owner=None),
    }


def test_the_owner_sees_their_team_job_and_their_job_without_team(world) -> None:  # type: ignore[no-untyped-def]
    visible = set(job_list_visible(user=world["owner"]))
    assert visible == {world["team_job"], world["private_job"]}
    assert job_get(user=world["owner"], job_id=world["private_job"].pk) == world["private_job"]


def test_any_member_of_the_team_sees_the_team_job_only(world) -> None:  # type: ignore[no-untyped-def]
    assert list(job_list_visible(user=world["viewer"])) == [world["team_job"]]
    assert job_get(user=world["viewer"], job_id=world["team_job"].pk) == world["team_job"]
    with pytest.raises(NotFound, match="Job not found"):
        job_get(user=world["viewer"], job_id=world["private_job"].pk)


def test_a_user_of_another_team_sees_nothing(world) -> None:  # type: ignore[no-untyped-def]
    assert list(job_list_visible(user=world["outsider"])) == []
    for name in ("team_job", "private_job", "orphan_job"):
        with pytest.raises(NotFound):
            job_get(user=world["outsider"], job_id=world[name].pk)


def test_an_anonymous_user_sees_nothing_not_even_jobs_without_owner(world) -> None:  # type: ignore[no-untyped-def]
    anonymous = AnonymousUser()
    assert list(job_list_visible(user=anonymous)) == []
    with pytest.raises(NotFound):
        job_get(user=anonymous, job_id=world["orphan_job"].pk)


def test_the_list_filters_by_status_kind_and_event(world) -> None:  # type: ignore[no-untyped-def]
    owner, team_job = world["owner"], world["team_job"]
    Job.objects.filter(pk=team_job.pk).update(status=Job.Status.SUCCEEDED)

    assert list(job_list_visible(user=owner, status="succeeded")) == [team_job]
    assert list(job_list_visible(user=owner, event_id=team_job.event_id)) == [team_job]
    assert set(job_list_visible(user=owner, kind="event_summary")) == {
        team_job,
        world["private_job"],
    }
    assert list(job_list_visible(user=owner, kind="other")) == []


def test_a_malformed_id_is_not_found(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound):
        job_get(user=world["owner"], job_id="abc")
