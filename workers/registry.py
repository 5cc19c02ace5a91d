"""The job kinds: a registry of dotted paths to plain functions.

Built like Django's serializer registry (``django/core/serializers/__init__.py``): a dict of
dotted paths imported on first use, so adding a kind is one module plus one line here.

Each job function has the signature::

    fn(*, progress: Callable[[float, str], None], **params) -> dict

``progress(fraction, message)`` reports how far it is (0..1) with a human message; the
return value is JSON-able and stored as the job's ``result``. A function raises on failure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

from django.utils.module_loading import import_string

from events.errors import DomainError
from workers.errors import UnknownJobKind

Progress = Callable[[float, str], None]
JobFunction = Callable[..., dict[str, Any]]

JOB_KINDS: dict[str, str] = {
    "build_dataset": "workers.exports.build.build_dataset",
    "event_summary": "workers.summaries.event_summary",
    "extract": "workers.extractions.extract",
    "import_labels": "workers.imports.import_labels",
    "ingest_upload": "workers.sources.upload.ingest_upload",
}


def registered(
    paths: Mapping[str, str],
    name: str,
    *,
    error: type[DomainError],
    what: str,
    plural: str,
    module: bool = False,
) -> Any:
    """What ``paths`` registers as ``name``, imported on first use: the module at its dotted
    path (``module=True``) or the attribute. Raises ``error`` naming the known names when it
    is not registered. The one lookup of every dotted-path registry (job kinds, sources)."""
    try:
        path = paths[name]
    except KeyError:
        known = ", ".join(sorted(paths)) or "none"
        raise error(f"Unknown {what} {name!r}; known {plural}: {known}.") from None
    return import_module(path) if module else import_string(path)


def job_function(kind: str) -> JobFunction:
    """The plain function that runs jobs of ``kind``.

    Raises UnknownJobKind, naming the known kinds, when ``kind`` is not registered.
    """
    function: JobFunction = registered(
        JOB_KINDS, kind, error=UnknownJobKind, what="job kind", plural="kinds"
    )
    return function
