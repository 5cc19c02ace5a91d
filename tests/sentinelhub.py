"""A fake Sentinel Hub on 127.0.0.1: an OAuth token endpoint and the Catalog API 1.0.0
search serving the real recorded pages in ../shared/data/sentinelhub-catalog (see its
README): the 50-feature page with ``context.next`` first, then, for the request carrying
``next``, the 1-feature last page."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import uuid4

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "sentinelhub-catalog"
PAGE_50 = DATA / "eodh-fe-sentinel-2-l2a-search-page.json"
PAGE_LAST = DATA / "sentinelhub-js-s2l2a-search-1feature.json"
TOKEN_FILE = DATA / "sentinelhub-py-session-token.json"


def token_response() -> dict[str, Any]:
    """What a token endpoint answers: the recorded token without ``expires_at`` (the client
    computes that from ``expires_in``) plus the ``token_type`` a live endpoint adds."""
    token = json.loads(TOKEN_FILE.read_text())
    token.pop("expires_at", None)
    return {**token, "token_type": "Bearer"}


class FakeSentinelHub:
    """One fake deployment (base URL and token URL) under a fresh path on ``server``.

    ``catalog_replies`` and ``token_replies`` are answers (werkzeug Responses) given before
    the normal ones, one per request, e.g. a 429 then the real page.
    """

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.root = f"/{uuid4().hex}"
        self.url = server.url_for(self.root)
        self.token_url = f"{self.url}/auth/realms/main/protocol/openid-connect/token"
        self.search_path = f"{self.root}/api/v1/catalog/1.0.0/search"
        self.catalog_replies: list[Response] = []
        self.token_replies: list[Response] = []
        self.token = token_response()
        self.token_requests: list[dict[str, str]] = []
        self.search_bodies: list[dict[str, Any]] = []
        self.cdse: FakeSentinelHub | None = None  # a second deployment (the fixture's CDSE)
        # ``POST /api/v1/process``: answered by ``process_handler`` (set by the test).
        self.process_handler: Callable[[Request], Response] | None = None
        server.expect_request(
            f"{self.root}/auth/realms/main/protocol/openid-connect/token", method="POST"
        ).respond_with_handler(self._token)
        server.expect_request(self.search_path, method="POST").respond_with_handler(self._search)
        server.expect_request(f"{self.root}/api/v1/process", method="POST").respond_with_handler(
            self._process
        )

    def _process(self, request: Request) -> Response:
        if self.process_handler is None:
            return Response("no process handler", status=500)
        return self.process_handler(request)

    def _token(self, request: Request) -> Response:
        self.token_requests.append(dict(request.form))
        if self.token_replies:
            return self.token_replies.pop(0)
        return Response(json.dumps(self.token), content_type="application/json")

    def _search(self, request: Request) -> Response:
        if request.headers.get("Authorization") != f"Bearer {self.token['access_token']}":
            return Response(
                json.dumps({"error": {"status": 401, "reason": "Unauthorized"}}),
                status=401,
                content_type="application/json",
            )
        body = request.get_json()
        self.search_bodies.append(body)
        if self.catalog_replies:
            return self.catalog_replies.pop(0)
        page = PAGE_LAST if body.get("next") else PAGE_50
        return Response(page.read_bytes(), content_type="application/json")


def page_features() -> list[dict[str, Any]]:
    """Every feature the fake serves, in page order."""
    return [
        *json.loads(PAGE_50.read_text())["features"],
        *json.loads(PAGE_LAST.read_text())["features"],
    ]
