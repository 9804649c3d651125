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
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from core.uow import unit_of_work
from db.engine import dispose_all
from db.models import AuditLog, Indicator, Realization, Target

ROOT = Path(__file__).resolve().parent.parent
# After how many acknowledged saves the writer is killed (each point is one kill test per backend).
KILL_AFTER = [1, 5, 17, 40, 73]
FIGURES = {"kills": 0, "acknowledged_saves": 0, "lost": 0}


def _target_id(url: str) -> int:
    with unit_of_work(url) as s:
        return s.scalar(select(Target.id).order_by(Target.id))


def _run_and_kill(url: str, args: list[str], kill_after: int) -> set[int]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.crash_writer", url, *args],
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
        proc.wait(timeout=60)
        # read through the same buffered pipe: lines already read ahead are in its buffer
        rest, err = proc.stdout.read(), proc.stderr.read() if proc.stderr else ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # lines already in the pipe were printed after their commit: they are acknowledged too
    acked |= {int(line.split()[1]) for line in rest.splitlines() if line.startswith("ACK ")}
    assert proc.returncode == -signal.SIGKILL, err
    assert len(acked) >= kill_after, err
    return acked


def _check_integrity(db_url: str) -> None:
    if db_url.startswith("sqlite"):
        con = sqlite3.connect(make_url(db_url).database)
        try:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        finally:
            con.close()


@pytest.mark.parametrize("kill_after", KILL_AFTER)
def test_killed_writer_loses_no_acknowledged_save(db_url, kill_after):
    target_id = _target_id(db_url)
    dispose_all()
    acked = _run_and_kill(db_url, ["target", str(target_id)], kill_after)
    _check_integrity(db_url)

    with unit_of_work(db_url) as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.action == "crash.probe")).all()
        saved = {int(r.after["n"]) for r in rows}
        target = s.get(Target, target_id)
        # every acknowledged save is there
        assert acked <= saved
        # saves are whole: numbered 1..k without gaps, each audit row complete, and the target shows
        # the value of the last committed save (at most one save past the last acknowledgement)
        assert saved == set(range(1, max(saved) + 1))
        assert all(len(r.after["payload"]) == 20_000 for r in rows)
        assert int(target.q4) == max(saved)
    FIGURES["kills"] += 1
    FIGURES["acknowledged_saves"] += len(acked)


@pytest.mark.parametrize("kill_after", [3, 29])
def test_killed_entry_grid_saves_lose_nothing_acknowledged(db_url, kill_after):
    """The same through core.steps.isi_data.save_entries: Bidang Pelatihan saving its realisation again and again."""
    from tests import factories

    with unit_of_work(db_url) as s:
        rnd = factories.make_round(s, at="isi_data", state="draf")
        sub = factories.submission_of(s, rnd, "BID-LATTAS")
        ind_id = s.scalar(select(Indicator.id).where(Indicator.owner_unit_id == sub.unit_id).order_by(Indicator.id))
        sub_id = sub.id
    dispose_all()
    acked = _run_and_kill(db_url, ["entries", str(sub_id), str(ind_id), "kabid_lattas"], kill_after)
    _check_integrity(db_url)
    with unit_of_work(db_url) as s:
        saves = s.scalars(select(AuditLog).where(AuditLog.action == "realization.save",
                                                 AuditLog.actor_username == "kabid_lattas")).all()
        saved = {int(Decimal(a.after["value"])) for a in saves}
        real = s.scalar(select(Realization).where(Realization.submission_id == sub_id,
                                                  Realization.indicator_id == ind_id))
        assert acked <= saved
        assert saved == set(range(1, max(saved) + 1))
        assert int(real.value) == max(saved) and real.note.startswith(f"simpan {max(saved)} ")
    FIGURES["kills"] += 1
    FIGURES["acknowledged_saves"] += len(acked)


def teardown_module(module):
    import json

    out = ROOT / "test-artifacts"
    out.mkdir(exist_ok=True)
    (out / "crash_safety.json").write_text(json.dumps(FIGURES, indent=2))
