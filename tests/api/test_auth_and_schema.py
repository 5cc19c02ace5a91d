"""Token auth for scripts (/api/v1/auth/token/) and the OpenAPI schema and docs pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from api import urls as api_urls
from events.models import Membership, Role
from tests.api.support import assert_error
from tests.factories import PASSWORD, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def user():
    user = UserFactory(username="scientist")
    Membership.objects.create(team=TeamFactory(name="Mine"), user=user, role=Role.VIEWER)
    TeamFactory(name="Not mine")
    return user


def _team_names(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return [team["name"] for team in response.json()["results"]]


# --- tokens ------------------------------------------------------------------------------


def test_good_credentials_get_the_users_token(user):
    response = APIClient().post(TOKEN_URL, {"username": "scientist", "password": PASSWORD})

    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=user).key}
    # Asking again gives the same token, not a second one.
    again = APIClient().post(TOKEN_URL, {"username": "scientist", "password": PASSWORD})
    assert again.json() == response.json()
    assert Token.objects.filter(user=user).count() == 1


def test_form_encoded_credentials_work_too(user):
    response = APIClient().post(
        TOKEN_URL, {"username": "scientist", "password": PASSWORD}, format="multipart"
    )

    assert response.json() == {"token": Token.objects.get(user=user).key}


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "scientist", "password": "wrong"},
        {"username": "nobody", "password": PASSWORD},
        {"username": "SCIENTIST", "password": PASSWORD},
    ],
    ids=["bad-password", "unknown-user", "wrong-case"],
)
def test_bad_credentials_get_no_token(user, credentials):
    response = APIClient().post(TOKEN_URL, credentials)

    body = assert_error(response, 400, "invalid", ["non_field_errors"])
    assert "Unable to log in" in body["fields"]["non_field_errors"][0]
    assert "token" not in response.json()
    assert not Token.objects.exists()


def test_inactive_users_get_no_token(user):
    user.is_active = False
    user.save()

    response = APIClient().post(TOKEN_URL, {"username": "scientist", "password": PASSWORD})

    assert_error(response, 400, "invalid", ["non_field_errors"])
    assert not Token.objects.exists()


def test_missing_credentials_are_named(user):
    response = APIClient().post(TOKEN_URL, {"username": "scientist"})

    assert_error(response, 400, "invalid", ["password"])


@pytest.mark.parametrize("scheme", ["Token", "Bearer"])
def test_the_token_authenticates_api_requests(user, scheme):
    key = APIClient().post(TOKEN_URL, {"username": "scientist", "password": PASSWORD}).json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {key['token']}")

    assert _team_names(client.get("/api/v1/teams/")) == ["Mine"]


@pytest.mark.parametrize("scheme", ["Token", "Bearer"])
def test_a_wrong_token_is_refused(user, scheme):
    Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} 0123456789abcdef0123456789abcdef01234567")

    response = client.get("/api/v1/teams/")

    assert response.status_code == 401
    assert_error(response, response.status_code, "authentication_failed", [])


def test_a_token_acts_as_its_own_user_only(user):
    other = UserFactory()
    Membership.objects.create(team=TeamFactory(name="Theirs"), user=other, role=Role.OWNER)
    client = APIClient()

    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=other).key}")

    assert _team_names(client.get("/api/v1/teams/")) == ["Theirs"]


def test_without_credentials_the_api_is_closed(user):
    response = APIClient().get("/api/v1/teams/")

    assert response.status_code == 401
    assert_error(response, response.status_code, "not_authenticated", [])


# --- OpenAPI -----------------------------------------------------------------------------


def _v1_routes() -> dict[str, set[str]]:
    """OpenAPI path -> HTTP methods, for every route of api/urls.py's v1 list."""
    routes: dict[str, set[str]] = {}

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            route = str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + route)
                continue
            assert isinstance(pattern, URLPattern)
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", prefix + route)
            view = getattr(pattern.callback, "cls", None) or pattern.callback.view_class
            methods = {m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)}
            routes[path] = methods

    walk(api_urls.v1, "/api/v1/")
    return routes


def test_the_route_list_is_read_from_the_urlconf():
    routes = _v1_routes()

    # A few known routes, so an empty or mangled walk cannot pass the next test.
    assert routes["/api/v1/auth/token/"] == {"post"}
    assert routes["/api/v1/teams/{team_id}/members/{membership_id}/"] == {"get", "patch", "delete"}
    assert routes["/api/v1/events/{event_id}/map-shapes/"] == {"get", "post"}
    assert len(routes) == len(api_urls.v1)


def test_schema_is_openapi_3_and_lists_every_route_and_method(api, user):
    response = api(user).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "labeler API"
    documented = {
        path: {method for method in item if method in ("get", "post", "put", "patch", "delete")}
        for path, item in schema["paths"].items()
    }
    assert documented == _v1_routes()
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_schema_documents_the_image_filters(api, user):
    schema = api(user).get("/api/schema/?format=json").json()

    image_list = schema["paths"]["/api/v1/events/{event_id}/images/"]["get"]
    names = {parameter["name"] for parameter in image_list["parameters"]}
    assert {"bbox", "acquired_after", "acquired_before", "source", "status", "page"} <= names


def test_schema_yaml_is_the_default(api, user):
    response = api(user).get("/api/schema/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert response.content.startswith(b"openapi: 3.")


def test_swagger_ui_is_served_with_local_assets(api, user):
    response = api(user).get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets), assets
    assert any(a.endswith("swagger-ui.css") for a in assets), assets
    for asset in assets:
        assert asset.startswith("/static/drf_spectacular_sidecar/"), asset
    assert not re.search(r"https?://", html.split("<script>")[0]), "external URL in the page head"
    for cdn in ("cdn.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com"):
        assert cdn not in html
    assert "/api/schema/" in html


@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_swagger_ui_assets_exist_and_are_served(api, user):
    html = api(user).get("/api/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert len(assets) >= 3

    client = Client()  # a fresh handler, so WhiteNoise reads the settings above
    for asset in assets:
        relative = asset.removeprefix("/static/")
        assert finders.find(relative), f"{relative} is not in any static folder"
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert b"".join(response.streaming_content if response.streaming else [response.content])


def test_openapi_schema_generates_without_warnings_and_validates(tmp_path):
    """drf-spectacular's own check: every view documented, the document valid OpenAPI 3."""
    from django.core.management import call_command

    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert target.read_text().startswith("openapi: 3.")
