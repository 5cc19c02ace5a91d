"""Label import: COCO instances JSON and GeoJSON onto an event's existing images.

``import_labels_start`` checks and stages a file and queues the ``import_labels`` job
(registered in ``workers.registry.JOB_KINDS``); the readers live in ``coco.py`` and
``geojson.py``, the matching rules in ``base.py``, the job in ``service.py``.
"""

from __future__ import annotations

from workers.imports.service import import_labels, import_labels_start

__all__ = ["import_labels", "import_labels_start"]
