"""Integration tests run against a real Celery worker (tests/celery_worker.py)."""

from tests.celery_worker import celery_worker, worker, worker_env  # noqa: F401
