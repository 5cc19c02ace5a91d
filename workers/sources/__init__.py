"""Imagery sources: one module per source, collected in one registry.

Built like ``workers.registry``: ``SOURCES`` maps a source name to the dotted path of its
module, imported on first use, so adding a source is one module plus one line here.

Every source module exposes the same small interface:

``name: str``
    The source's name, equal to its key in ``SOURCES`` (and to ``Image.source``).
``describe() -> dict``
    What the source offers, JSON-able: at least ``name``, ``title`` and ``kinds`` (how the
    imagery comes in, e.g. ``["file"]`` or ``["tile_service"]``), plus ``formats`` (media
    types). Cheap: no network, no database.
``fetch(request, *, progress) -> list[dict]`` (sources that extract, e.g. ``gibs``)
    Files for a request the source checked (``plan``), written to ``request["out_dir"]``:
    one ``{path, name, date, provenance}`` per image, ``{date, error}`` for a date that
    failed.

Sources bring files to ``workers.ingest.ingest_file``. The contract test
(``tests/workers/test_sources_contract.py``) runs over every registered source.
"""

from __future__ import annotations

from types import ModuleType

from workers.errors import UnknownSource
from workers.registry import registered

SOURCES: dict[str, str] = {
    "upload": "workers.sources.upload",
    "geotiff": "workers.sources.geotiff",
    "gibs": "workers.sources.gibs",
    "sentinelhub": "workers.sources.sentinelhub",
}


def source(name: str) -> ModuleType:
    """The module of the source ``name``.

    Raises UnknownSource, naming the known sources, when ``name`` is not registered.
    """
    module: ModuleType = registered(
        SOURCES, name, error=UnknownSource, what="imagery source", plural="sources", module=True
    )
    return module
