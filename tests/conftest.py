from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from events.models import Membership, Role, Team
from tests.factories import EventFactory, ImageFactory, LabelClassFactory, TeamFactory, UserFactory


@pytest.fixture
def team() -> Team:
    return TeamFactory()


@pytest.fixture
def member(team: Team) -> Callable[..., object]:
    """member(role) -> a new user with that role in ``team``."""

    def make(role: str = Role.ANNOTATOR, *, in_team: Team | None = None):
        user = UserFactory()
        Membership.objects.create(team=in_team or team, user=user, role=role)
        return user

    return make


@pytest.fixture
def event(team: Team):
    return EventFactory(team=team)


@pytest.fixture
def label_class(event):
    return LabelClassFactory(event=event, name="flooded")


@pytest.fixture
def image(event):
    return ImageFactory(event=event)


@pytest.fixture
def api() -> Callable[..., APIClient]:
    """api(user) -> an APIClient authenticated as ``user`` (anonymous without one)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    # PBKDF2 takes ~0.3 s a user on purpose; tests make hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def gibs_service(settings, httpserver_ipv4):  # type: ignore[no-untyped-def]
    """A fake GIBS on 127.0.0.1 (tests/gibs.py) that GIBS_WMTS_URL points at; its cached
    catalogue is dropped afterwards."""
    from django.core.cache import cache

    from tests.gibs import FakeGibs
    from workers.sources import gibs

    fake = FakeGibs(httpserver_ipv4)
    settings.GIBS_WMTS_URL = fake.url
    yield fake
    cache.delete(gibs.cache_key(fake.url))


@pytest.fixture(scope="session")
def _sentinelhub_server():  # type: ignore[no-untyped-def]
    """One 127.0.0.1 server for the fake Sentinel Hub, apart from the GIBS one (whose fake
    clears every handler when it changes its answer)."""
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="127.0.0.1")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sentinelhub_service(settings, monkeypatch, _sentinelhub_server):  # type: ignore[no-untyped-def]
    """Fake Sentinel Hub and CDSE deployments on 127.0.0.1 (tests/sentinelhub.py) that the
    SENTINELHUB_* and CDSE_* URLs point at; the fake CDSE is ``fake.cdse``. Retries wait
    milliseconds, not seconds."""
    from tests.sentinelhub import FakeSentinelHub
    from workers.sources import sentinelhub

    fake = FakeSentinelHub(_sentinelhub_server)
    fake.cdse = cdse = FakeSentinelHub(_sentinelhub_server)
    settings.SENTINELHUB_BASE_URL, settings.SENTINELHUB_TOKEN_URL = fake.url, fake.token_url
    settings.CDSE_BASE_URL, settings.CDSE_TOKEN_URL = cdse.url, cdse.token_url
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # http:// token URL (DESIGN.md §9)
    monkeypatch.setattr(sentinelhub, "RETRY_SLEEP", 0.01)
    yield fake
    _sentinelhub_server.clear()
