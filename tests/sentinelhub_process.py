"""The fake Sentinel Hub's ``POST /api/v1/process`` (tests/sentinelhub.py) answering a TIFF
made here with rasterio or the real multi-output tar in ../shared/data/sentinelhub-py, and
checking the bearer token; plus the credentials and request the download tests share."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from rasterio.io import MemoryFile
from rasterio.transform import from_bounds
from werkzeug import Request, Response

from tests.sentinelhub import FakeSentinelHub, page_features

IMG_TAR = (
    Path(__file__).resolve().parents[1].parent / "shared" / "data" / "sentinelhub-py" / "img.tar"
)
BBOX = [10.0, 45.0, 10.05, 45.03]


def acquisitions(count: int) -> list[dict[str, Any]]:
    """The first ``count`` acquisitions the fake catalog serves (sorted by date)."""
    features = sorted(page_features(), key=lambda f: (f["properties"]["datetime"], f["id"]))
    return features[:count]


def make_tiff(bands: int, width: int, height: int, seed: int = 0) -> tuple[bytes, np.ndarray]:
    """A FLOAT32 GeoTIFF of BBOX (EPSG:4326) and its pixels."""
    data = np.random.default_rng(seed).random((bands, height, width), dtype=np.float32)
    with MemoryFile() as memory:
        with memory.open(
            driver="GTiff",
            width=width,
            height=height,
            count=bands,
            dtype="float32",
            crs="EPSG:4326",
            transform=from_bounds(*BBOX, width=width, height=height),
        ) as out:
            out.write(data)
        return bytes(memory.read()), data


class FakeProcess:
    """Answers Process requests carrying the fake's current token with ``answer`` (or the
    queued ``replies`` first); 401 for any other token. ``bodies`` records each request."""

    def __init__(self, fake: FakeSentinelHub, answer: bytes, content_type: str) -> None:
        self.fake = fake
        self.answer = answer
        self.content_type = content_type
        self.replies: list[Response] = []
        self.bodies: list[dict[str, Any]] = []
        self.refused: list[str] = []
        self.expire_token_after: int | None = None  # successful answers before a new token
        fake.process_handler = self

    def __call__(self, request: Request) -> Response:
        auth = request.headers.get("Authorization", "")
        if auth != f"Bearer {self.fake.token['access_token']}":
            self.refused.append(auth)
            return Response(json.dumps({"error": {"status": 401}}), status=401)
        body = request.get_json()
        self.bodies.append(body)
        if self.replies:
            return self.replies.pop(0)
        if self.expire_token_after is not None and len(self.bodies) >= self.expire_token_after:
            # The token in use expires now: the endpoint hands out a new one from here.
            self.fake.token = {**self.fake.token, "access_token": "renewed-token"}
            self.expire_token_after = None
        return Response(self.answer, content_type=self.content_type)


def read(path: str) -> tuple[np.ndarray, Any]:
    with rasterio.open(path) as dataset:
        return dataset.read(), dataset.profile | {"descriptions": dataset.descriptions}
