"""Export formats: one module per format, collected in one registry.

Built like ``workers.sources``: ``EXPORTERS`` maps a format name to the dotted path of its
module, imported on first use, so adding a format is one module plus one line here. The
interface every module exposes is described in ``workers/exports/base.py``; the contract
test (``tests/workers/exports/test_contract.py``) runs over every registered format.
"""

from __future__ import annotations

from types import ModuleType

from workers.errors import UnknownExportFormat
from workers.registry import registered

EXPORTERS: dict[str, str] = {
    "coco": "workers.exports.coco",
    "yolo": "workers.exports.yolo",
    "voc": "workers.exports.voc",
    "geojson": "workers.exports.geojson",
    "gpkg": "workers.exports.geopackage",
    "shapefile": "workers.exports.shapefile",
    "stac": "workers.exports.stac",
    "masks": "workers.exports.masks",
    "classification_csv": "workers.exports.classification_csv",
}


def exporter(name: str) -> ModuleType:
    """The module of the export format ``name``.

    Raises UnknownExportFormat, naming the known formats, when ``name`` is not registered.
    """
    module: ModuleType = registered(
        EXPORTERS,
        name,
        error=UnknownExportFormat,
        what="export format",
        plural="formats",
        module=True,
    )
    return module
