"""A real Celery worker process on the real Redis broker, working on the test database
(used by tests/integration/ and tests/e2e/, whose conftests import these fixtures).

The worker is started once per module on a queue of its own (so parallel runs on one Redis
do not take each other's messages) and is always stopped afterwards: SIGTERM, up to 10 s
to finish, then SIGKILL. Tests that use it must commit their rows
(``django_db(transaction=True)``), or the worker cannot see them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from tests.workers.broker import queue_delete, unique_queue_name

READY_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    queue: str
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def _database_url() -> str:
    """DATABASE_URL of the test database pytest-django created (``test_labeler``)."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgis://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)


@pytest.fixture(scope="module")
def worker_env() -> dict[str, str]:
    """Extra environment of the module's worker (a module overrides this fixture, e.g. to
    point the worker at a local fake imagery service)."""
    return {}


@pytest.fixture(scope="module")
def celery_worker(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory, worker_env: dict[str, str]
) -> Iterator[Worker]:
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("the integration tests need CELERY_BROKER_URL=redis://...")
    assert connection.vendor == "postgresql", "the worker shares the test database: PostGIS"
    queue = unique_queue_name()
    log = tmp_path_factory.mktemp("celery") / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        **worker_env,
    }
    command = [
        str(Path(sys.executable).with_name("celery")),
        "-A",
        "labeler",
        "worker",
        "--pool=solo",
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
        "--loglevel=info",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    worker = Worker(process=process, queue=queue, log=log)
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while " ready." not in worker.log_text():
            if process.poll() is not None:
                pytest.fail(
                    f"The Celery worker exited ({process.returncode}):\n{worker.log_text()}"
                )
            if time.monotonic() > deadline:
                pytest.fail(f"The Celery worker was not ready in time:\n{worker.log_text()}")
            time.sleep(0.1)
        yield worker
    finally:
        _stop(process)
        queue_delete(queue)


@pytest.fixture
def worker(celery_worker: Worker, settings) -> Worker:  # type: ignore[no-untyped-def]
    """The running worker; jobs started by this test are sent to its queue."""
    settings.CELERY_TASK_DEFAULT_QUEUE = celery_worker.queue
    return celery_worker
