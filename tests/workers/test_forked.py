"""workers/forked.py: a function run in a forked child, its result or its error back."""

from __future__ import annotations

import os
import signal
import time

import pytest
from django.db import connection

from workers import forked
from workers.forked import ChildProcessDied, Forked


def test_the_child_runs_in_another_process_and_its_result_comes_back() -> None:
    parent = os.getpid()
    child = Forked(lambda: {"pid": os.getpid(), "data": list(range(100_000))})
    answer = child.result()
    assert answer["pid"] != parent
    assert answer["data"] == list(range(100_000))  # more than a pipe's buffer


def test_the_childs_exception_is_raised_in_the_parent_with_its_traceback() -> None:
    def fails() -> None:
        open("/nonexistent/labeler/file")  # noqa: SIM115

    with pytest.raises(FileNotFoundError) as raised:
        Forked(fails).result()
    assert any("In the child process" in note for note in raised.value.__notes__)
    assert "fails" in raised.value.__notes__[0]


def test_an_exception_that_does_not_pickle_comes_back_in_words() -> None:
    class Local(Exception):  # defined in a function: pickle cannot find it
        pass

    def fails() -> None:
        raise Local("the reason")

    with pytest.raises(RuntimeError, match="Local: the reason"):
        Forked(fails).result()


def test_a_child_killed_mid_work_is_reported_and_reaped() -> None:
    child = Forked(lambda: time.sleep(30))
    os.kill(child.pid, signal.SIGKILL)
    with pytest.raises(ChildProcessDied, match="ended without a result"):
        child.result()
    with pytest.raises(ChildProcessError):  # already reaped: no zombie left behind
        os.waitpid(child.pid, os.WNOHANG)


def test_kill_stops_a_running_child() -> None:
    child = Forked(lambda: time.sleep(30))
    start = time.monotonic()
    child.kill()
    assert time.monotonic() - start < 5
    with pytest.raises(ChildProcessDied):
        child.result()


@pytest.mark.django_db
def test_the_parents_database_connection_survives_a_child() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    # The child sets the inherited connection aside; a query there opens its own.
    assert Forked(lambda: connection.connection is None).result() is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)


def test_a_child_reaped_by_someone_else_still_gives_its_result() -> None:
    # A host process (a job worker) may reap its children itself on SIGCHLD.
    previous = signal.signal(signal.SIGCHLD, lambda *_: os.waitpid(-1, os.WNOHANG))
    try:
        child = Forked(lambda: "done")
        time.sleep(0.2)  # it ends, and the handler reaps it before result() does
        assert child.result() == "done"
    finally:
        signal.signal(signal.SIGCHLD, previous)


def test_parts_run_at_once_in_processes_of_their_own() -> None:
    pids = forked.in_parts(lambda part: (part, os.getpid()), 3)
    assert [part for part, _ in pids] == [0, 1, 2]
    assert pids[0][1] == os.getpid() and len({pid for _, pid in pids}) == 3


def test_a_failed_part_fails_the_whole_after_every_part_is_reaped(tmp_path) -> None:  # type: ignore[no-untyped-def]
    def part(n: int) -> int:
        (tmp_path / str(n)).write_text(str(os.getpid()))
        if n == 1:
            raise ValueError("part 1 failed")
        return n

    with pytest.raises(ValueError, match="part 1 failed"):
        forked.in_parts(part, 3)
    children = {int((tmp_path / str(n)).read_text()) for n in (1, 2)}
    assert len(children) == 2 and os.getpid() not in children
    for pid in children:  # reaped already: no longer this process's children
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
