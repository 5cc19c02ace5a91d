"""The real Celery broker (Redis) as tests see it: queue lengths, messages, clean-up."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import redis
from django.conf import settings


def broker() -> redis.Redis:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


def unique_queue_name() -> str:
    """A queue of the test's own, so parallel runs on one Redis do not take each other's."""
    return f"labeler-test-{uuid.uuid4().hex[:12]}"


def queue_messages(name: str) -> list[dict[str, Any]]:
    """The messages waiting in queue ``name``, decoded: headers plus ``args``/``kwargs``."""
    messages = []
    for raw in broker().lrange(name, 0, -1):
        envelope = json.loads(raw)
        body = envelope["body"]
        if envelope["properties"].get("body_encoding") == "base64":
            body = base64.b64decode(body)
        args, kwargs, _embed = json.loads(body)
        messages.append({**envelope["headers"], "args": args, "kwargs": kwargs})
    return messages


def queue_delete(name: str) -> None:
    """Drop queue ``name`` from the broker: its lists (one per priority) and its bindings.

    The binding keys are kombu's Redis transport's (``keyprefix_queue`` and
    ``keyprefix_binding_permanent`` in ``kombu/transport/redis.py``).
    """
    client = broker()
    keys = [
        *client.scan_iter(match=f"{name}*"),
        f"_kombu.binding.{name}",
        f"_kombu.binding_permanent.{name}",
    ]
    client.delete(*keys)
