"""The client package (client/labeler_client) against a real labeler server: pytest-django's
``live_server`` on the test database, users with real API tokens."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from events.models import Role
from tests.workers.broker import queue_delete, unique_queue_name

CLIENT_DIR = Path(__file__).resolve().parents[2] / "client"

# The package is tested from its source folder; test_package.py proves it also installs.
if str(CLIENT_DIR) not in sys.path:
    sys.path.insert(0, str(CLIENT_DIR))

from labeler_client import Labeler  # noqa: E402


@pytest.fixture(autouse=True)
def _no_labeler_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's own LABELER_URL/LABELER_TOKEN must not leak into the tests.
    monkeypatch.delenv("LABELER_URL", raising=False)
    monkeypatch.delenv("LABELER_TOKEN", raising=False)


@pytest.fixture
def token_of() -> Callable[..., str]:
    """token_of(user) -> the user's API token."""

    def make(user) -> str:
        return Token.objects.get_or_create(user=user)[0].key

    return make


@pytest.fixture
def manager(member):
    return member(Role.MANAGER)


@pytest.fixture
def lab(live_server, manager, token_of) -> Iterator[Labeler]:
    """A client logged in (by token) as a manager of ``team``."""
    with Labeler(live_server.url, token=token_of(manager)) as client:
        yield client


@pytest.fixture
def celery_queue(settings) -> Iterator[str]:
    """Jobs started during the test go to a queue of their own that no worker reads (the
    test runs them with ``job_run``); the queue is deleted afterwards."""
    name = unique_queue_name()
    settings.CELERY_TASK_DEFAULT_QUEUE = name
    yield name
    queue_delete(name)
