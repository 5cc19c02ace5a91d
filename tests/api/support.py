"""Helpers shared by the API tests: the one error format and RFC 7946 output checks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import shapely


def assert_error(
    response: Any, status: int, code: str, fields: Iterable[str] | None = None
) -> dict[str, Any]:
    """``response`` is a ``status`` error with exactly ``detail``, ``code`` and ``fields``.

    ``fields`` (when given) are the names the body must list, no more, no fewer.
    Returns the body for further checks.
    """
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) == {"detail", "code", "fields"}, body
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and body["detail"].strip(), body
    assert isinstance(body["fields"], dict), body
    for messages in body["fields"].values():
        assert messages and all(isinstance(m, str) and m for m in messages), body
    if fields is not None:
        assert sorted(body["fields"]) == sorted(fields), body
    return body


def exterior_rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    """The exterior ring of every polygon of a GeoJSON (Multi)Polygon."""
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    assert geometry["type"] == "MultiPolygon", geometry
    return [polygon[0] for polygon in geometry["coordinates"]]


def is_ccw(ring: list[list[float]]) -> bool:
    return shapely.LinearRing(ring).is_ccw


def assert_rfc7946(geometry: dict[str, Any]) -> None:
    """RFC 7946 §3.1.6: exterior rings counter-clockwise, holes clockwise; no ``crs``."""
    assert "crs" not in geometry
    polygons = (
        [geometry["coordinates"]]
        if geometry["type"] == "Polygon"
        else geometry["coordinates"]
        if geometry["type"] == "MultiPolygon"
        else []
    )
    for rings in polygons:
        assert is_ccw(rings[0]), f"exterior ring is clockwise: {rings[0]}"
        for hole in rings[1:]:
            assert not is_ccw(hole), f"hole is counter-clockwise: {hole}"
