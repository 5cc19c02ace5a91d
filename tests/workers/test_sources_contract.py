"""The contract of every registered imagery source (workers/sources/__init__.py)."""

from __future__ import annotations

import json

import pytest

from workers.errors import UnknownSource
from workers.sources import SOURCES, source


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_source_module_contract(name: str) -> None:
    module = source(name)

    assert module.__name__ == SOURCES[name]
    assert module.name == name
    described = module.describe()
    assert json.loads(json.dumps(described)) == described  # JSON-able
    assert described["name"] == name
    assert isinstance(described["title"], str) and described["title"]
    assert described["kinds"] and all(isinstance(k, str) for k in described["kinds"])
    assert described["formats"] and all("/" in f for f in described["formats"])
    assert module.__doc__, "a source module says what it does"


def test_unknown_source_names_the_known_ones() -> None:
    with pytest.raises(
        UnknownSource, match="known sources: geotiff, gibs, sentinelhub, upload"
    ) as caught:
        source("dropbox")
    assert caught.value.code == "unknown_source"
