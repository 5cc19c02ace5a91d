"""/api/v1/jobs/ and /api/v1/events/{id}/summary/: who may see and start what."""

from __future__ import annotations

import pytest
from django.urls import reverse

from events.models import Membership, Role
from tests.factories import EventFactory, TeamFactory, UserFactory
from workers.models import Job

pytestmark = pytest.mark.django_db

FIELDS = {
    "id",
    "kind",
    "status",
    "progress",
    "message",
    "params",
    "result",
    "error",
    "owner",
    "team",
    "event",
    "created_at",
    "started_at",
    "finished_at",
}


def _detail(job_id: int) -> str:
    return reverse("v1:job-detail", kwargs={"job_id": job_id})


def _summary(event_id: int) -> str:
    return reverse("v1:event-summary", kwargs={"event_id": event_id})


LIST = "/api/v1/jobs/"


@pytest.fixture
def owner(member):  # type: ignore[no-untyped-def]
    return member(Role.ANNOTATOR)


@pytest.fixture
def job(owner, team, event):  # type: ignore[no-untyped-def]
    return Job.objects.create(
        kind="event_summary",
        owner=owner,
        team=team,
        event=event,
        params={"event_id": event.pk},
        status=Job.Status.SUCCEEDED,
        progress=1.0,
        result={"images": {"total": 0}},
    )


@pytest.fixture
def outsider():  # type: ignore[no-untyped-def]
    """A user who owns another team and nothing of ``team``."""
    user = UserFactory()
    Membership.objects.create(team=TeamFactory(), user=user, role=Role.OWNER)
    return user


def test_routes_are_where_the_design_says() -> None:
    assert _detail(7) == "/api/v1/jobs/7/"
    assert reverse("v1:job-list") == LIST
    assert _summary(3) == "/api/v1/events/3/summary/"


# --- reading jobs --------------------------------------------------------------------------


def test_the_owner_sees_the_job(api, owner, job) -> None:  # type: ignore[no-untyped-def]
    response = api(owner).get(_detail(job.pk))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == FIELDS
    assert body["id"] == job.pk
    assert body["kind"] == "event_summary"
    assert body["status"] == "succeeded"
    assert body["progress"] == 1.0
    assert body["result"] == {"images": {"total": 0}}
    assert body["owner"] == owner.username
    assert (body["team"], body["event"]) == (job.team_id, job.event_id)
    assert body["params"] == {"event_id": job.event_id}


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MANAGER])
def test_another_member_of_the_team_sees_the_job(api, member, job, role) -> None:  # type: ignore[no-untyped-def]
    colleague = member(role)

    assert api(colleague).get(_detail(job.pk)).status_code == 200
    listed = api(colleague).get(LIST).json()
    assert [item["id"] for item in listed["results"]] == [job.pk]
    assert listed["count"] == 1


def test_a_user_of_another_team_gets_404_and_an_empty_list(api, outsider, job) -> None:  # type: ignore[no-untyped-def]
    response = api(outsider).get(_detail(job.pk))
    assert response.status_code == 404
    assert response.json() == {"detail": "Job not found.", "code": "not_found", "fields": {}}

    listed = api(outsider).get(LIST).json()
    assert listed["count"] == 0
    assert listed["results"] == []


def test_a_job_without_team_is_visible_to_its_owner_only(api, owner, member) -> None:  # type: ignore[no-untyped-def]
    private = Job.objects.create(kind="event_summary", owner=owner)

    assert api(owner).get(_detail(private.pk)).status_code == 200
    colleague = member(Role.OWNER)
    assert api(colleague).get(_detail(private.pk)).status_code == 404
    assert api(colleague).get(LIST).json()["count"] == 0


def test_a_missing_job_is_404(api, owner) -> None:  # type: ignore[no-untyped-def]
    assert api(owner).get(_detail(987654)).status_code == 404


@pytest.mark.parametrize("method, url", [("get", "list"), ("get", "detail"), ("post", "summary")])
def test_anonymous_users_are_refused(api, job, method, url) -> None:  # type: ignore[no-untyped-def]
    target = {"list": LIST, "detail": _detail(job.pk), "summary": _summary(job.event_id)}[url]

    response = getattr(api(), method)(target)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert Job.objects.count() == 1


def test_the_list_filters_by_status_kind_and_event(api, owner, team, job) -> None:  # type: ignore[no-untyped-def]
    other_event = EventFactory(team=team)
    queued = Job.objects.create(kind="event_summary", owner=owner, team=team, event=other_event)
    client = api(owner)

    def ids(query: str) -> list[int]:
        response = client.get(f"{LIST}?{query}")
        assert response.status_code == 200, response.json()
        return [item["id"] for item in response.json()["results"]]

    assert ids("") == [queued.pk, job.pk]  # newest first
    assert ids("status=queued") == [queued.pk]
    assert ids("status=succeeded") == [job.pk]
    assert ids(f"event={job.event_id}") == [job.pk]
    assert ids("kind=event_summary&status=failed") == []
    assert ids("page_size=1&page=2") == [job.pk]


@pytest.mark.parametrize("query", ["status=done", "kind=bogus", "event=x", "colour=red"])
def test_the_list_refuses_bad_filters_naming_them(api, owner, job, query) -> None:  # type: ignore[no-untyped-def]
    response = api(owner).get(f"{LIST}?{query}")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [query.split("=")[0]]


# --- starting an event summary -----------------------------------------------------------


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ANNOTATOR, Role.OWNER])
def test_any_member_starts_a_summary_and_gets_202_with_a_queued_job(  # type: ignore[no-untyped-def]
    api, member, event, role, django_capture_on_commit_callbacks
) -> None:
    user = member(role)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api(user).post(_summary(event.pk))

    assert response.status_code == 202
    body = response.json()
    assert set(body) == FIELDS
    assert body["status"] == "queued"
    assert body["progress"] == 0.0
    assert body["kind"] == "event_summary"
    assert body["params"] == {"event_id": event.pk}
    assert (body["owner"], body["team"], body["event"]) == (user.username, event.team_id, event.pk)
    assert response["Location"] == f"http://testserver/api/v1/jobs/{body['id']}/"
    job = Job.objects.get(pk=body["id"])
    assert job.status == Job.Status.QUEUED
    assert len(callbacks) == 1  # the task is sent once the request's transaction commits
    # The Location answers with the same job.
    assert api(user).get(response["Location"]).json()["id"] == job.pk


def test_a_summary_of_another_teams_event_is_404_and_starts_nothing(api, outsider, event) -> None:  # type: ignore[no-untyped-def]
    response = api(outsider).post(_summary(event.pk))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not Job.objects.exists()


def test_a_summary_of_a_missing_event_is_404(api, owner) -> None:  # type: ignore[no-untyped-def]
    assert api(owner).post(_summary(987654)).status_code == 404
    assert not Job.objects.exists()


def test_a_summary_refuses_unknown_body_fields(api, owner, event) -> None:  # type: ignore[no-untyped-def]
    response = api(owner).post(_summary(event.pk), {"chunk_size": 1}, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["chunk_size"]
    assert not Job.objects.exists()


def test_reading_jobs_is_get_only(api, owner, job) -> None:  # type: ignore[no-untyped-def]
    client = api(owner)
    assert client.delete(_detail(job.pk)).status_code == 405
    assert client.post(LIST, {}).status_code == 405
    assert Job.objects.filter(pk=job.pk).exists()
