"""A fake NASA GIBS WMTS service on 127.0.0.1 serving the real capabilities documents in
../shared/data (see its README: the 2014 REST form and the 2013 KVP-only form)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import uuid4

from pytest_httpserver import HTTPServer

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
REST_CAPABILITIES = DATA / "gibs" / "worldview-wmts-geo-getCapabilities.xml"
KVP_CAPABILITIES = DATA / "owslib" / "eosdis-wmts-cap.xml"
GETCAPABILITIES = {"SERVICE": "WMTS", "REQUEST": "GetCapabilities", "VERSION": "1.0.0"}


class FakeGibs:
    """A GIBS service at a fresh URL on ``server``; answers GetCapabilities at
    ``<url>/wmts.cgi`` with the real 2014 REST document until told otherwise."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.url = server.url_for(f"/{uuid4().hex}/wmts/epsg4326/best")
        self.path = f"{urlsplit(self.url).path}/wmts.cgi"
        self.serve(REST_CAPABILITIES.read_bytes())

    def serve(self, body: bytes | str = b"", *, status: int = 200, **headers: Any) -> None:
        """Answer GetCapabilities with ``body`` and ``status`` from now on."""
        self.server.clear_all_handlers()
        self.server.expect_request(
            self.path, method="GET", query_string=GETCAPABILITIES
        ).respond_with_data(body, status=status, content_type="application/xml", headers=headers)

    def serve_handler(self, handler: Any) -> None:
        """Answer GetCapabilities with ``handler(request) -> werkzeug Response``."""
        self.server.clear_all_handlers()
        self.server.expect_request(
            self.path, method="GET", query_string=GETCAPABILITIES
        ).respond_with_handler(handler)

    @property
    def requests(self) -> list[Any]:
        """The requests to this service during the test, in order (the server is shared)."""
        root = urlsplit(self.url).path
        return [request for request, _ in self.server.log if request.path.startswith(root)]
