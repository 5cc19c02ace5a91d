"""Sentinel Hub acquisition search against a fake service serving the real Catalog pages,
through sentinelhub-py's own client code."""

from __future__ import annotations

import json
import time
from datetime import date

import pytest
from werkzeug import Response

from events.errors import Forbidden, MissingCredentials
from events.models import Role, SentinelHubCredential
from events.services.credentials import sentinelhub_credential_set
from tests.factories import EventFactory
from tests.sentinelhub import page_features
from workers.errors import SourceUnavailable
from workers.sources import sentinelhub

pytestmark = pytest.mark.django_db

SEARCH = {
    "bbox": (-141.0, 59.0, -123.0, 69.0),
    "start": date(2024, 9, 1),
    "end": date(2024, 9, 2),
    "max_cloud": 100,
}


@pytest.fixture
def credential(team, member) -> SentinelHubCredential:  # type: ignore[no-untyped-def]
    return sentinelhub_credential_set(
        user=member(Role.MANAGER),
        team=team,
        client_id="labeler-client",
        client_secret="s3cret-value",
        endpoint="sentinelhub",
    )


def _json(status: int, body: object, **headers: str) -> Response:
    return Response(
        json.dumps(body), status=status, content_type="application/json", headers=headers
    )


def test_search_follows_paging_and_returns_every_acquisition(sentinelhub_service, credential):
    found = sentinelhub.search(credential=credential, **SEARCH)  # type: ignore[arg-type]

    features = page_features()
    assert len(found) == 51 == len(features)
    expected = {
        f["id"]: (f["properties"]["datetime"], f["properties"]["eo:cloud_cover"]) for f in features
    }
    assert {a["id"]: (a["datetime"], a["cloud_cover"]) for a in found} == expected
    assert [a["datetime"] for a in found] == sorted(a["datetime"] for a in found)
    assert found[0]["datetime"] == "2020-04-30T10:09:22Z" and found[0]["cloud_cover"] == 6.76
    assert found[-1]["datetime"] == "2024-09-02T20:26:52Z"
    by_id = {f["id"]: f for f in features}
    assert all(a["bbox"] == by_id[a["id"]]["bbox"] for a in found)
    assert all(a["geometry"]["type"] == "MultiPolygon" for a in found)
    # Two requests: the first page, then the same body with the page's ``next`` merged in.
    first, second = sentinelhub_service.search_bodies
    assert "next" not in first and second["next"] == 50
    assert {k: v for k, v in second.items() if k != "next"} == first


def test_search_request_carries_bbox_dates_cloud_filter_and_collection(
    sentinelhub_service, credential
):
    sentinelhub.search(
        credential=credential,
        bbox=(10.0, 45.0, 10.5, 45.5),
        start=date(2024, 6, 1),
        end=date(2024, 6, 30),
        max_cloud=20,
        collection="sentinel-2-l1c",
    )
    body = sentinelhub_service.search_bodies[0]
    assert body["collections"] == ["sentinel-2-l1c"]
    assert body["bbox"] == [10.0, 45.0, 10.5, 45.5]
    assert body["datetime"] == "2024-06-01T00:00:00Z/2024-06-30T23:59:59Z"
    assert body["filter"] == "eo:cloud_cover <= 20.0"
    assert body["filter-lang"] == "cql2-text"
    # The token came from the configured token URL with the team's decrypted secret.
    (token_request,) = sentinelhub_service.token_requests
    assert token_request["client_id"] == "labeler-client"
    assert token_request["client_secret"] == "s3cret-value"
    assert token_request["grant_type"] == "client_credentials"


def test_cdse_credentials_use_the_configured_cdse_hosts(sentinelhub_service, team, member):
    credential = sentinelhub_credential_set(
        user=member(Role.OWNER), team=team, client_id="c", client_secret="s", endpoint="cdse"
    )
    assert len(sentinelhub.search(credential=credential, **SEARCH)) == 51  # type: ignore[arg-type]
    assert sentinelhub_service.search_bodies == []  # the commercial fake saw nothing
    assert len(sentinelhub_service.cdse.search_bodies) == 2
    assert len(sentinelhub_service.cdse.token_requests) == 1


@pytest.mark.filterwarnings("ignore::sentinelhub.exceptions.SHRateLimitWarning")
def test_rate_limit_is_waited_out_as_retry_after_says(sentinelhub_service, credential):
    # Sentinel Hub's Retry-After counts milliseconds (sentinelhub-py reads it so).
    sentinelhub_service.catalog_replies = [
        _json(429, {"error": "Too many requests"}, **{"Retry-After": "1"}),
        _json(429, {"error": "Too many requests"}, **{"Retry-After": "400"}),
    ]
    started = time.monotonic()
    found = sentinelhub.search(credential=credential, **SEARCH)  # type: ignore[arg-type]
    assert len(found) == 51
    assert time.monotonic() - started >= 0.4
    assert len(sentinelhub_service.search_bodies) == 4  # two 429s, then both pages


@pytest.mark.filterwarnings("ignore::sentinelhub.exceptions.SHRateLimitWarning")
def test_endless_rate_limit_gives_up_clearly(sentinelhub_service, credential):
    sentinelhub_service.catalog_replies = [
        _json(429, {}, **{"Retry-After": "1"}) for _ in range(sentinelhub.MAX_RATE_LIMITED + 1)
    ]
    with pytest.raises(SourceUnavailable, match="429"):
        sentinelhub.search(credential=credential, **SEARCH)  # type: ignore[arg-type]


def test_server_errors_are_retried_with_backoff(sentinelhub_service, credential):
    sentinelhub_service.catalog_replies = [_json(503, {}), _json(502, {})]
    assert len(sentinelhub.search(credential=credential, **SEARCH)) == 51  # type: ignore[arg-type]

    sentinelhub_service.catalog_replies = [_json(500, {}) for _ in range(sentinelhub.MAX_ATTEMPTS)]
    with pytest.raises(SourceUnavailable, match="HTTP 500"):
        sentinelhub.search(credential=credential, **SEARCH)  # type: ignore[arg-type]


def test_refused_credentials_at_the_token_endpoint_are_a_clear_error(
    sentinelhub_service, credential
):
    sentinelhub_service.token_replies = [
        _json(401, {"error": "invalid_client", "error_description": "Invalid client credentials"})
    ]
    with pytest.raises(SourceUnavailable, match="refused the team's client id") as caught:
        sentinelhub.search(credential=credential, **SEARCH)  # type: ignore[arg-type]
    assert "invalid_client" in caught.value.detail
    assert "s3cret-value" not in caught.value.detail
    assert sentinelhub_service.search_bodies == []


def test_a_catalog_401_and_an_unreachable_service_are_clear_errors(
    sentinelhub_service, credential, settings
):
    sentinelhub_service.token["access_token"] = "another"  # the catalog refuses the token
    sentinelhub_service.token_replies = [
        _json(200, {"access_token": "stale", "expires_in": 3599, "token_type": "Bearer"})
    ]
    with pytest.raises(SourceUnavailable, match="refused the team's credentials"):
        sentinelhub.search(credential=credential, **SEARCH)  # type: ignore[arg-type]

    settings.SENTINELHUB_TOKEN_URL = "http://127.0.0.1:9/token"  # nothing listens there
    with pytest.raises(SourceUnavailable):
        sentinelhub.search(credential=credential, **SEARCH)  # type: ignore[arg-type]


def test_redirects_are_not_followed(sentinelhub_service, credential):
    sentinelhub_service.catalog_replies = [
        Response("", status=307, headers={"Location": "http://example.invalid/search"})
    ]
    with pytest.raises(SourceUnavailable, match="redirect, not followed"):
        sentinelhub.search(credential=credential, **SEARCH)  # type: ignore[arg-type]


def test_search_for_event_needs_a_manager_and_saved_credentials(sentinelhub_service, team, member):
    event = EventFactory(team=team)
    with pytest.raises(Forbidden):
        sentinelhub.search_for_event(user=member(Role.REVIEWER), event=event, **SEARCH)  # type: ignore[arg-type]
    with pytest.raises(MissingCredentials, match="PUT /api/v1/teams/"):
        sentinelhub.search_for_event(user=member(Role.MANAGER), event=event, **SEARCH)  # type: ignore[arg-type]
    assert sentinelhub_service.token_requests == []
