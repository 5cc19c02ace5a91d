"""Run a function in a forked copy of this process: a second core for Python work.

Threads share one interpreter lock, so two CPU-bound exporters in threads take as long as
one after the other, and an exporter parsing a snapshot slows the thread that writes it.
A forked child has its own interpreter and starts at once with the parent's memory
(copy-on-write: modules, settings and data are there, nothing is imported again).

The child touches nothing that belongs to the parent: Django's database connections are
set aside (kept referenced, so no finaliser closes the parent's socket; a query in the
child would open a connection of its own), and the child ends with ``os._exit``, so no
atexit handler or finaliser runs either. Its return value, or its exception, comes back
pickled through a pipe; ``result()`` returns or raises it in the parent. Linux and other
POSIX systems only (``AVAILABLE``).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import traceback
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")

AVAILABLE = hasattr(os, "fork")

# Connections set aside in a child: referenced for the child's whole life, never closed.
_set_aside: list[Any] = []


class ChildProcessDied(RuntimeError):
    """The child ended without sending a result (killed, or crashed in native code)."""


class Forked(Generic[T]):
    """``fn()`` running in a forked child from construction on; ``result()`` waits for it.

    Fork before starting threads of one's own: a child has only the forking thread, and a
    lock another thread held at the fork stays held in the child.
    """

    def __init__(self, fn: Callable[[], T], *, name: str = "child") -> None:
        self.name = name
        sys.stdout.flush()
        sys.stderr.flush()
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child
            os.close(read)
            _run_child(fn, write)  # never returns
        os.close(write)
        self.pid = pid
        self._read = read
        self._done = False

    def result(self) -> T:
        """The child's return value; its exception re-raised here (with the child's
        traceback as a note); ChildProcessDied when it sent neither."""
        payload = self._collect()
        if payload is None:
            raise ChildProcessDied(f"The {self.name} process ended without a result.")
        ok, value = pickle.loads(payload)
        if ok:
            return value  # type: ignore[no-any-return]
        raise value

    def kill(self) -> None:
        """Stop the child now (nothing it wrote is used) and reap it."""
        if not self._done:
            with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
                os.kill(self.pid, signal.SIGKILL)
            self._collect()

    def _collect(self) -> bytes | None:
        if self._done:
            return None
        chunks = []
        with os.fdopen(self._read, "rb") as pipe:  # until the child closes its end
            while chunk := pipe.read(1 << 20):
                chunks.append(chunk)
        # Reaped already when the host process reaps its children itself (SIGCHLD).
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        self._done = True
        return b"".join(chunks) or None


def _run_child(fn: Callable[[], Any], write: int) -> None:
    status = 0
    try:
        _set_aside_connections()
        try:
            outcome: tuple[bool, Any] = (True, fn())
        except BaseException as exc:
            exc.add_note("In the child process:\n" + traceback.format_exc())
            outcome = (False, exc)
        try:
            payload = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # an exception (or result) that does not pickle: say it in words
            value = outcome[1]
            payload = pickle.dumps((False, RuntimeError(f"{type(value).__name__}: {value}")))
        with os.fdopen(write, "wb") as pipe:
            pipe.write(payload)
    except BaseException:  # e.g. the parent is gone (broken pipe): nothing to report to
        status = 1
    finally:
        os._exit(status)


def _set_aside_connections() -> None:
    try:
        from django.db import connections
    except ImportError:  # used without Django
        return
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None:
            _set_aside.append(connection.connection)
            connection.connection = None


def results(children: list[Forked[T]]) -> list[T]:
    """Each child's result, in order, once every child is reaped; the first child's
    exception (after all are reaped) is raised."""
    values, failures = [], []
    for child in children:
        try:
            values.append(child.result())
        except Exception as exc:
            failures.append(exc)
    if failures:
        raise failures[0]
    return values


def in_parts(fn: Callable[[int], T], parts: int, *, name: str = "part") -> list[T]:
    """``[fn(0), ..., fn(parts - 1)]``: part 0 here, every other part in a forked child of
    its own, all at once. Where the system cannot fork, the parts run here one by one.
    Every child is reaped; an exception here (first) or in a child is raised."""
    if parts <= 1 or not AVAILABLE:
        return [fn(part) for part in range(max(parts, 1))]
    children = [
        Forked(lambda part=part: fn(part), name=f"{name} {part + 1} of {parts}")  # type: ignore[misc]
        for part in range(1, parts)
    ]
    try:
        first = fn(0)
    except BaseException:  # nothing the others write would be used
        for child in children:
            child.kill()
        raise
    return [first, *results(children)]
