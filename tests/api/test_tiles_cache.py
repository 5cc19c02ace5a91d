"""The tile and pixel routes' short in-process caches (api/authentication.py, RASTERS in
api/views/tiles.py): what they save, and that access lost or a file changed takes effect at
once in this process and within LABELER_TILE_AUTH_CACHE_SECONDS elsewhere.

"Elsewhere" (another gunicorn worker, the Celery worker) is a change made without this
process's signals: a raw SQL statement. Expiry is shown by moving the caches' clock.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from api import authentication
from api.views import tiles as tile_views
from events.models import Membership, Role
from tests import rasters
from tests.api.support import assert_error
from tests.factories import TeamFactory
from workers import tiles

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def media(settings, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.LABELER_TILE_AUTH_CACHE_SECONDS = 5
    clock = Clock()
    monkeypatch.setattr(authentication, "_now", clock)
    authentication.LOGINS.clear()
    tile_views.RASTERS.clear()
    yield clock
    authentication.LOGINS.clear()
    tile_views.RASTERS.clear()
    tiles.close_datasets()


@pytest.fixture
def viewer(member):  # type: ignore[no-untyped-def]
    return member(Role.VIEWER)


@pytest.fixture
def s2(event):  # type: ignore[no-untyped-def]
    return rasters.image_with_raster(event, rasters.S2)


def _client(user: Any) -> tuple[APIClient, Token]:
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client, token


def _url(image: Any) -> str:
    return f"/api/v1/images/{image.pk}/image-tiles/0/0/0.png"


def _elsewhere(sql: str, *params: Any) -> None:
    """A change made by another process: no signal reaches this one's caches."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_repeated_tile_needs_no_query(viewer, s2, django_assert_num_queries):
    client, _ = _client(viewer)
    assert client.get(_url(s2)).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(f"/api/v1/images/{s2.pk}/image-tiles/0/0/0.webp").status_code == 200


def test_the_cache_can_be_turned_off(settings, viewer, s2, django_assert_num_queries):
    settings.LABELER_TILE_AUTH_CACHE_SECONDS = 0
    client, _ = _client(viewer)
    assert client.get(_url(s2)).status_code == 200
    with django_assert_num_queries(2):  # the token, the image with its permission
        assert client.get(_url(s2)).status_code == 200


def test_a_deleted_token_stops_working_at_once(viewer, s2):
    client, token = _client(viewer)
    assert client.get(_url(s2)).status_code == 200
    token.delete()
    assert_error(client.get(_url(s2)), 401, "authentication_failed")


def test_a_token_deleted_elsewhere_stops_working_within_the_ttl(viewer, s2, media):
    client, token = _client(viewer)
    assert client.get(_url(s2)).status_code == 200
    _elsewhere("DELETE FROM authtoken_token WHERE key = %s", token.key)
    assert client.get(_url(s2)).status_code == 200  # still remembered here
    media.now += 5.1
    assert_error(client.get(_url(s2)), 401, "authentication_failed")


def test_a_user_deactivated_elsewhere_is_refused_within_the_ttl(viewer, s2, media):
    client, _ = _client(viewer)
    assert client.get(_url(s2)).status_code == 200
    _elsewhere("UPDATE auth_user SET is_active = false WHERE id = %s", viewer.pk)
    media.now += 5.1
    assert_error(client.get(_url(s2)), 401, "authentication_failed")


def test_a_deactivated_user_is_refused_at_once(viewer, s2):
    client, _ = _client(viewer)
    assert client.get(_url(s2)).status_code == 200
    viewer.is_active = False
    viewer.save()
    assert_error(client.get(_url(s2)), 401, "authentication_failed")


def test_losing_membership_takes_effect_at_once_here(viewer, s2):
    client, _ = _client(viewer)
    assert client.get(_url(s2)).status_code == 200
    Membership.objects.filter(user=viewer).delete()
    assert_error(client.get(_url(s2)), 404, "not_found")


def test_losing_membership_elsewhere_takes_effect_within_the_ttl(viewer, s2, media):
    client, _ = _client(viewer)
    assert client.get(_url(s2)).status_code == 200
    _elsewhere(f"DELETE FROM {Membership._meta.db_table} WHERE user_id = %s", viewer.pk)
    media.now += 4.0
    assert client.get(_url(s2)).status_code == 200  # within the TTL: still served here
    media.now += 1.1
    assert_error(client.get(_url(s2)), 404, "not_found")


def test_an_image_saved_here_is_seen_at_once(viewer, s2):
    client, _ = _client(viewer)
    before = client.get(_url(s2))["ETag"]
    s2.checksum = "c" * 64
    s2.save()
    after = client.get(_url(s2))
    assert after.status_code == 200 and after["ETag"] != before


def test_a_new_checksum_from_elsewhere_is_seen_within_the_ttl(viewer, s2, media):
    client, _ = _client(viewer)
    before = client.get(_url(s2))["ETag"]
    _elsewhere(f"UPDATE {type(s2)._meta.db_table} SET checksum = %s WHERE id = %s", "d" * 64, s2.pk)
    assert client.get(_url(s2))["ETag"] == before  # the old file's tile, its own old ETag
    media.now += 5.1
    assert client.get(_url(s2))["ETag"] != before


def test_one_users_cached_image_is_not_anothers(viewer, s2, member, team):
    client, _ = _client(viewer)
    assert client.get(_url(s2)).status_code == 200
    stranger = member(Role.OWNER, in_team=TeamFactory())
    other, _ = _client(stranger)
    assert_error(other.get(_url(s2)), 404, "not_found")


def test_a_session_is_remembered_and_logout_ends_it_at_once(viewer, s2, django_assert_num_queries):
    client = APIClient()
    client.force_login(viewer)
    assert client.get(_url(s2)).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(_url(s2)).status_code == 200
    client.logout()
    assert client.get(_url(s2)).status_code in (401, 403)


def test_a_remembered_session_still_needs_csrf_to_post(viewer, s2):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(viewer)
    assert client.get(_url(s2)).status_code == 200  # the session is now remembered
    response = client.post(
        f"/api/v1/images/{s2.pk}/pixels/", {"points": [[0, 0]], "crs": "pixel"}, format="json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_a_bad_token_is_refused_and_not_remembered(s2):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token nope")
    assert_error(client.get(_url(s2)), 401, "authentication_failed")
    assert len(authentication.LOGINS) == 0


def _pixels(client: APIClient, image: Any, body: Any) -> Any:
    return client.post(f"/api/v1/images/{image.pk}/pixels/", body, format="json")


def test_plain_points_answer_as_the_serializer_does(viewer, s2):
    client, _ = _client(viewer)
    plain = _pixels(client, s2, {"points": [[0, 0], [3.5, 2], [10, 9.25]]})
    strings = _pixels(client, s2, {"points": [["0", "0"], ["3.5", "2"], ["10", "9.25"]]})
    assert plain.status_code == strings.status_code == 200
    assert plain["Content-Type"] == "application/json"
    assert plain.json() == strings.json()
    assert [p["col"] for p in plain.json()["points"]] == [0, 3, 10]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"points": [[0, 0]], "colour": "red"}, "colour"),
        ({"points": [[0, 0, 1]]}, "points.0"),
        ({"points": [[0, 0], [1]]}, "points.1"),
        ({"points": []}, "points"),
        ({"points": [[0, "nan"]]}, "points.0.1"),
        ({"points": [[0, 0]], "crs": "utm"}, "crs"),
    ],
)
def test_bad_pixel_bodies_still_get_the_serializers_errors(viewer, s2, body, field):
    client, _ = _client(viewer)
    assert_error(_pixels(client, s2, body), 400, "invalid", [field])


def test_too_many_points_still_get_the_serializers_error(settings, viewer, s2):
    settings.LABELER_MAX_PIXEL_POINTS = 2
    client, _ = _client(viewer)
    assert_error(_pixels(client, s2, {"points": [[0, 0]] * 3}), 400, "invalid", ["points"])
