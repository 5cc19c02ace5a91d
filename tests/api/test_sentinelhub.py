"""The Sentinel Hub routes: team credentials (the secret never comes back) and the
acquisition search against the fake service serving the real Catalog pages."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from werkzeug import Response

from events.models import Role, SentinelHubCredential
from events.services.credentials import sentinelhub_secret
from tests.api.support import assert_error
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db

SECRET = "do-not-show-this-secret-0815"
BODY = {"client_id": "team-client", "client_secret": SECRET, "endpoint": "cdse"}
SEARCH = {
    "bbox": [-141, 59, -123, 69],
    "start_date": "2024-09-01",
    "end_date": "2024-09-02",
    "max_cloud": 30,
}


def _credential_url(team) -> str:  # type: ignore[no-untyped-def]
    return reverse("v1:sentinelhub-credential", kwargs={"team_id": team.pk})


def _search_url(event) -> str:  # type: ignore[no-untyped-def]
    return reverse("v1:sentinelhub-search", kwargs={"event_id": event.pk})


def test_managers_save_credentials_and_nobody_gets_the_secret_back(api, team, member):
    manager = api(member(Role.MANAGER))
    saved = manager.put(_credential_url(team), BODY)
    assert saved.status_code == 200, saved.content
    assert set(saved.json()) == {"client_id", "endpoint", "updated_at", "updated_by", "has_secret"}
    assert saved.json()["has_secret"] is True and saved.json()["endpoint"] == "cdse"
    assert sentinelhub_secret(SentinelHubCredential.objects.get()) == SECRET

    responses = [saved, api(member(Role.VIEWER)).get(_credential_url(team))]
    responses.append(manager.put(_credential_url(team), {**BODY, "endpoint": "sentinelhub"}))
    responses.append(api(member(Role.ANNOTATOR)).put(_credential_url(team), BODY))
    for response in responses:
        assert SECRET not in response.content.decode()
    assert responses[1].status_code == 200 and responses[1].json()["client_id"] == "team-client"
    assert responses[2].json()["endpoint"] == "sentinelhub"
    assert_error(responses[3], 403, "permission_denied")

    assert_error(api(member(Role.REVIEWER)).delete(_credential_url(team)), 403, "permission_denied")
    assert manager.delete(_credential_url(team)).status_code == 204
    assert_error(manager.get(_credential_url(team)), 404, "not_found")
    assert_error(manager.delete(_credential_url(team)), 404, "not_found")


def test_credential_body_is_validated_and_urls_cannot_be_smuggled_in(api, team, member):
    manager = api(member(Role.MANAGER))
    response = manager.put(_credential_url(team), {**BODY, "base_url": "http://169.254.169.254/"})
    assert_error(response, 400, "invalid", ["base_url"])
    response = manager.put(_credential_url(team), {**BODY, "endpoint": "https://evil.example"})
    assert_error(response, 400, "invalid", ["endpoint"])
    response = manager.put(_credential_url(team), {"client_id": "", "endpoint": "cdse"})
    assert_error(response, 400, "invalid", ["client_id", "client_secret"])
    assert not SentinelHubCredential.objects.exists()


def test_search_lists_the_acquisitions_sorted_by_date(api, team, member, sentinelhub_service):
    manager = member(Role.MANAGER)
    api(manager).put(_credential_url(team), {**BODY, "endpoint": "sentinelhub"})
    event = EventFactory(team=team)

    response = api(manager).post(_search_url(event), SEARCH)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 51 == len(body["results"])
    dates = [item["datetime"] for item in body["results"]]
    assert dates == sorted(dates) and dates[0] == "2020-04-30T10:09:22Z"
    assert set(body["results"][0]) == {"id", "datetime", "cloud_cover", "bbox", "geometry"}
    assert SECRET not in response.content.decode()
    sent = sentinelhub_service.search_bodies[0]
    assert sent["bbox"] == [-141.0, 59.0, -123.0, 69.0]
    assert sent["filter"] == "eo:cloud_cover <= 30.0"
    assert sent["datetime"] == "2024-09-01T00:00:00Z/2024-09-02T23:59:59Z"


def test_search_input_errors_name_the_fields(api, event, member, sentinelhub_service):
    manager = api(member(Role.MANAGER))
    cases = [
        ({**SEARCH, "max_cloud": 101}, ["max_cloud"]),
        ({**SEARCH, "bbox": [10, 10, 5, 20]}, ["bbox"]),
        ({**SEARCH, "bbox": [1, 2, 3]}, ["bbox"]),
        ({**SEARCH, "end_date": "2024-08-01"}, ["end_date"]),
        ({**SEARCH, "collection": "landsat"}, ["collection"]),
        ({**SEARCH, "url": "http://example.com/search"}, ["url"]),
        ({}, ["bbox", "start_date", "end_date"]),
    ]
    for body, fields in cases:
        assert_error(manager.post(_search_url(event), body), 400, "invalid", fields)
    assert sentinelhub_service.token_requests == []


def test_search_without_credentials_says_what_to_do(api, event, member, sentinelhub_service):
    response = api(member(Role.OWNER)).post(_search_url(event), SEARCH)
    body = assert_error(response, 400, "missing_credentials")
    assert "sentinelhub-credential" in body["detail"]


def test_search_failures_upstream_answer_502(api, team, event, member, sentinelhub_service):
    manager = member(Role.MANAGER)
    api(manager).put(_credential_url(team), {**BODY, "endpoint": "sentinelhub"})
    sentinelhub_service.token_replies = [
        Response(
            json.dumps({"error": "invalid_client", "error_description": "Invalid client"}),
            status=401,
            content_type="application/json",
        )
    ]
    response = api(manager).post(_search_url(event), SEARCH)
    body = assert_error(response, 502, "source_unavailable")
    assert "invalid_client" in body["detail"] and SECRET not in body["detail"]


def test_only_managers_of_the_team_may_search(api, event, member, sentinelhub_service):
    for role in (Role.REVIEWER, Role.ANNOTATOR, Role.VIEWER):
        assert_error(api(member(role)).post(_search_url(event), SEARCH), 403, "permission_denied")
    outsider = member(Role.OWNER, in_team=EventFactory().team)
    assert_error(api(outsider).post(_search_url(event), SEARCH), 404, "not_found")
    assert sentinelhub_service.token_requests == []
