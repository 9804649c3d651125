"""core.background.Coalescer: work after a request, once per key however often it was asked for."""

from __future__ import annotations

import threading

from core.background import Coalescer


def test_each_key_runs_and_the_thread_reports_idle():
    done: list[str] = []
    c = Coalescer(done.append)
    for key in ("a", "b", "c"):
        c.submit(key)
    assert c.wait_idle(10)
    assert done == ["a", "b", "c"] and c.runs == 3
    c.stop()


def test_a_key_asked_for_again_while_it_waits_runs_once():
    gate = threading.Event()
    done: list[str] = []

    def work(key: str) -> None:
        gate.wait(10)
        done.append(key)

    c = Coalescer(work)
    c.submit("blocker")  # holds the thread while the rest queue up
    for _ in range(10):
        c.submit("office-1")
    c.submit("office-2")
    c.submit("office-1")
    gate.set()
    assert c.wait_idle(10)
    assert done == ["blocker", "office-1", "office-2"]
    c.stop()


def test_a_key_asked_for_while_its_work_runs_runs_again_afterwards():
    started, release = threading.Event(), threading.Event()
    done: list[str] = []

    def work(key: str) -> None:
        started.set()
        release.wait(10)
        done.append(key)

    c = Coalescer(work)
    c.submit("office-1")
    assert started.wait(10)
    c.submit("office-1")  # the running work may have read the data before this change
    release.set()
    assert c.wait_idle(10)
    assert done == ["office-1", "office-1"]
    c.stop()


def test_a_failing_work_is_logged_and_the_next_key_still_runs(caplog):
    done: list[str] = []

    def work(key: str) -> None:
        if key == "bad":
            raise ValueError("broken")
        done.append(key)

    c = Coalescer(work, name="test-coalescer")
    c.submit("bad")
    c.submit("good")
    assert c.wait_idle(10)
    assert done == ["good"] and c.runs == 2
    assert any("test-coalescer" in r.getMessage() for r in caplog.records)
    c.stop()


def test_wait_idle_gives_up_after_its_timeout():
    release = threading.Event()
    c = Coalescer(lambda _key: release.wait(10))
    c.submit("slow")
    assert c.wait_idle(0.05) is False
    release.set()
    assert c.wait_idle(10)
    c.stop()


def test_after_stop_nothing_more_runs():
    done: list[str] = []
    c = Coalescer(done.append)
    c.submit("a")
    assert c.wait_idle(10)
    c.stop()
    c.submit("b")
    assert c.wait_idle(1) and done == ["a"]
