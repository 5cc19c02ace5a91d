from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.workers.broker import queue_delete, unique_queue_name


@pytest.fixture
def celery_queue(settings) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Tasks sent during the test go to a queue of their own on the real broker.

    The Celery app reads Django's settings live, so overriding the setting is enough. The
    queue is deleted afterwards.
    """
    name = unique_queue_name()
    settings.CELERY_TASK_DEFAULT_QUEUE = name
    yield name
    queue_delete(name)
