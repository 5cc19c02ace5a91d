"""GIBS tiles for the fake service of tests/gibs.py: the two real onearth tiles (matrix 5 of
EPSG4326_250m, row 5, cols 10 and 11: see ../shared/data/README.md) at the REST template's
path, 404 for every other tile; it records the paths asked for and the most requests it
was answering at once, and can answer 500 a few times first."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from werkzeug import Request, Response

from tests.gibs import DATA, FakeGibs

LAYER = "MODIS_Terra_CorrectedReflectance_TrueColor"
TILE_FILES = {
    (5, 10): DATA / "onearth" / f"{LAYER}_0.jpg",
    (5, 11): DATA / "onearth" / f"{LAYER}_1.jpg",
}
RESOLUTION = 0.017578125  # degrees per pixel of matrix 5 (9 / 512: exact in binary)


class FakeTiles:
    def __init__(self, fake: FakeGibs, *, delay: float = 0.0) -> None:
        root = re.escape(urlsplit(fake.url).path)
        self.pattern = re.compile(
            rf"^{root}/(?P<layer>[^/]+)/default/(?P<time>[^/]*)/(?P<set>[^/]+)/"
            r"(?P<matrix>\d+)/(?P<row>\d+)/(?P<col>\d+)\.jpg$"
        )
        self.delay = delay
        self.paths: list[str] = []
        self.failures: Counter[str] = Counter()  # path -> how many 500s still to answer
        self.active = 0
        self.most_active = 0
        self._lock = threading.Lock()
        fake.server.expect_request(self.pattern).respond_with_handler(self.handle)

    def handle(self, request: Request) -> Response:
        with self._lock:
            self.paths.append(request.path)
            self.active += 1
            self.most_active = max(self.most_active, self.active)
        try:
            time.sleep(self.delay)
            with self._lock:
                if self.failures[request.path] > 0:
                    self.failures[request.path] -= 1
                    return Response("busy", status=500)
            found: Any = self.pattern.match(request.path)
            key = (int(found["row"]), int(found["col"]))
            if (
                found["layer"] == LAYER
                and found["set"] == "EPSG4326_250m"
                and found["matrix"] == "5"
                and key in TILE_FILES
            ):
                return Response(TILE_FILES[key].read_bytes(), content_type="image/jpeg")
            return Response("", status=404)
        finally:
            with self._lock:
                self.active -= 1
