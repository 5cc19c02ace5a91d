"""Real headless Chromium (Debian's) driven by Playwright against Django's live server."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

import pytest

from tests.celery_worker import celery_worker, worker, worker_env  # noqa: F401

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls
# there unless told it is fine (DESIGN.md §9).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):  # type: ignore[no-untyped-def]
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM", "/usr/bin/chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def screenshot(page):  # type: ignore[no-untyped-def]
    """screenshot(name) saves the page to test-artifacts/<name>.png for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(autouse=True)
def _no_basemap(settings):  # type: ignore[no-untyped-def]
    """No basemap tiles in browser tests, whatever BASEMAP_URL the environment has: there
    is no internet here, and a failed tile is a console error."""
    settings.BASEMAP_URL = ""


@pytest.fixture
def sign_in(live_server, page, settings):  # type: ignore[no-untyped-def]
    """sign_in(user) gives the browser a session of ``user`` (no form round trip; the login
    form has a test of its own) and returns the live server's URL."""
    from django.test import Client

    def login(user) -> str:  # type: ignore[no-untyped-def]
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
        )
        return str(live_server.url)

    return login


@pytest.fixture
def console_errors(page):  # type: ignore[no-untyped-def]
    """JavaScript errors and failed requests of the page: a test asserts the list is empty."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    page.on(
        "console",
        lambda message: (
            errors.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    return errors


class _InFlight:
    """Requests the live server (a thread of this process) is handling right now."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    def started(self, **_: object) -> None:
        with self.lock:
            self.count += 1

    def finished(self, **_: object) -> None:
        with self.lock:
            self.count -= 1


@pytest.fixture(autouse=True)
def _leave_quietly(request):  # type: ignore[no-untyped-def]
    """After each browser test: leave the page and wait until the live server has handled
    what the page sends on leaving (pagehide requests with keepalive, which Playwright does
    not track: the editor releases its image lock and reports labelling time). Otherwise
    those requests can race the database flush that ends the test (a deadlock, now and
    then)."""
    from django.core.signals import request_finished, request_started

    if "page" not in request.fixturenames:
        yield
        return
    # Set up here, so that the page (and the database, set up before any conftest fixture)
    # is torn down after this waits.
    page = request.getfixturevalue("page")
    in_flight = _InFlight()
    request_started.connect(in_flight.started, weak=False)
    request_finished.connect(in_flight.finished, weak=False)
    try:
        yield
        with contextlib.suppress(Exception):  # a test may have closed it
            page.goto("about:blank")
        deadline = time.monotonic() + 10
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            if in_flight.count > 0:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since > 0.3:  # a keepalive request may still come
                break
            time.sleep(0.02)
    finally:
        request_started.disconnect(in_flight.started)
        request_finished.disconnect(in_flight.finished)
