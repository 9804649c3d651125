"""Crash safety: a writer killed with SIGKILL mid-stream loses no acknowledged save and no integrity.

The writer (tests/crash_writer.py) saves through core's unit of work, each save changing a target and
writing its audit row in one transaction, and prints "ACK n" only after the commit returned. The parent
kills it at different points; on reopening, SQLite passes PRAGMA integrity_check, every acknowledged
save is there, and no save is half there (the target's value and the audit rows agree).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from core.uow import unit_of_work
from db.engine import dispose_all
from db.models import AuditLog, Target

ROOT = Path(__file__).resolve().parent.parent
# After how many acknowledged saves the writer is killed (each point is one kill test per backend).
KILL_AFTER = [1, 5, 17, 40, 73]
FIGURES = {"kills": 0, "acknowledged_saves": 0, "lost": 0}


def _target_id(url: str) -> int:
    with unit_of_work(url) as s:
        return s.scalar(select(Target.id).order_by(Target.id))


def _run_and_kill(url: str, target_id: int, kill_after: int) -> set[int]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.crash_writer", url, str(target_id)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ),
    )
    acked: set[int] = set()
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("ACK "):
                acked.add(int(line.split()[1]))
            if len(acked) >= kill_after:
                break
        proc.send_signal(signal.SIGKILL)
        rest, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # lines already in the pipe were printed after their commit: they are acknowledged too
    acked |= {int(line.split()[1]) for line in rest.splitlines() if line.startswith("ACK ")}
    assert proc.returncode == -signal.SIGKILL, err
    assert len(acked) >= kill_after, err
    return acked


@pytest.mark.parametrize("kill_after", KILL_AFTER)
def test_killed_writer_loses_no_acknowledged_save(db_url, kill_after):
    target_id = _target_id(db_url)
    dispose_all()
    acked = _run_and_kill(db_url, target_id, kill_after)

    if db_url.startswith("sqlite"):
        path = make_url(db_url).database
        con = sqlite3.connect(path)
        try:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        finally:
            con.close()

    with unit_of_work(db_url) as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.action == "crash.probe")).all()
        saved = {int(r.after["n"]) for r in rows}
        target = s.get(Target, target_id)
        # every acknowledged save is there
        assert acked <= saved
        # saves are whole: numbered 1..k without gaps, each audit row complete, and the target shows
        # the value of the last committed save (at most one save past the last acknowledgement)
        assert saved == set(range(1, max(saved) + 1))
        assert max(saved) - max(acked) <= 1
        assert all(len(r.after["payload"]) == 20_000 for r in rows)
        assert int(target.q4) == max(saved)
    FIGURES["kills"] += 1
    FIGURES["acknowledged_saves"] += len(acked)


def teardown_module(module):
    import json

    out = ROOT / "test-artifacts"
    out.mkdir(exist_ok=True)
    (out / "crash_safety.json").write_text(json.dumps(FIGURES, indent=2))
