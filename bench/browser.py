"""A signed-in headless Chromium (Debian's) against a live server of this process, for the
benchmarks that measure pages (bench/gallery.py, bench/editor.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# A JavaScript function expression: figures of a list of frame times (ms). Pages call it
# as ``(FRAME_STATS_JS)(frames)``.
FRAME_STATS_JS = """(frames) => {
  const sorted = [...frames].sort((a, b) => a - b);
  const total = frames.reduce((a, b) => a + b, 0);
  return {
    fps: frames.length / (total / 1000),
    p95: sorted[Math.floor(sorted.length * 0.95)],
    worst: sorted[sorted.length - 1],
    long: frames.filter((f) => f > 50).length,
    frames: frames.length,
    seconds: total / 1000,
  };
}"""


@contextmanager
def signed_in_chromium(user: Any) -> Iterator[tuple[Any, str]]:
    """(a 1280 x 800 browser context with ``user``'s session, the server's base URL)."""
    from django.conf import settings
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test import Client
    from django.test.testcases import LiveServerThread
    from playwright.sync_api import sync_playwright

    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    base = f"http://127.0.0.1:{server.port}"
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    try:
        with sync_playwright() as p:
            chromium = p.chromium.launch(
                executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                args=["--no-sandbox", "--disable-background-networking", "--no-first-run"],
            )
            context = chromium.new_context(viewport={"width": 1280, "height": 800})
            context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base}])
            try:
                yield context, base
            finally:
                chromium.close()
    finally:
        server.terminate()
