"""No lost update: two people saving the same realisation (or budget amount) from stale copies.

Both read version v (the grid they loaded), both save. The second must get core.errors.Conflict with a
clear message and, after reloading, see the first one's value. Proven with threads on both backends,
once in turn (stale copy saved after the other's commit) and once racing (both saves inside the service
at the same time, held at the moment before writing until the other has read).
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from core import entry
from core.errors import Conflict
from core.steps import isi_data
from core.uow import unit_of_work
from db.models import AuditLog, BudgetLine, Indicator, User
from tests import factories

RUNS = {"entries": 0, "budget": 0}


@pytest.fixture
def draft(db_url, actors):
    """TW III 2026 at step 3; Bidang Pelatihan has a draft; an acting head (Plt.) shares the unit."""
    with unit_of_work(db_url) as s:
        rnd = factories.make_round(s, at="isi_data", state="draf")
        sub = factories.submission_of(s, rnd, "BID-LATTAS")
        kabid = factories.user(s, "kabid_lattas")
        s.add(User(username="plt_lattas", full_name="Plt. Kepala Bidang Pelatihan", role="kepala_bidang",
                   unit_id=kabid.unit_id, password_hash=kabid.password_hash))
        ind = s.scalar(select(Indicator).where(Indicator.code == "IK-03"))
        line = s.scalar(select(BudgetLine).where(BudgetLine.owner_unit_id == sub.unit_id,
                                                 BudgetLine.year == 2026).order_by(BudgetLine.id))
        ids = {"submission": sub.id, "indicator": ind.id, "line": line.id}
    from core.auth import actor_for

    with unit_of_work(db_url) as s:
        ids["a"] = actor_for(s, "kabid_lattas")
        ids["b"] = actor_for(s, "plt_lattas")
    return ids


def _stale_versions(url, actor, sub_id):
    """What each person's page loaded: the grids with their row versions."""
    with unit_of_work(url) as s:
        grid = entry.entry_table(s, actor, sub_id)
        budget = entry.budget_table(s, actor, sub_id)
    return ({int(r.indicator_id): int(r.version) for r in grid.itertuples()},
            {int(r.budget_line_id): int(r.version) for r in budget.itertuples()})


def _save(url, kind, actor, sub_id, key, value, expected):
    with unit_of_work(url) as s:
        if kind == "entries":
            isi_data.save_entries(s, actor, sub_id, {key: {"Realisasi TW": value}}, {key: expected})
        else:
            isi_data.save_budget(s, actor, sub_id, {key: value}, {key: expected})


def _reload(url, actor, sub_id, kind, key):
    with unit_of_work(url) as s:
        if kind == "entries":
            df = entry.entry_table(s, actor, sub_id)
            row = df[df["indicator_id"] == key].iloc[0]
        else:
            df = entry.budget_table(s, actor, sub_id)
            row = df[df["budget_line_id"] == key].iloc[0]
        return Decimal(str(row["Realisasi TW"])), int(row["version"])


def _audits(url, entity):
    with unit_of_work(url) as s:
        return s.scalars(select(AuditLog).where(AuditLog.entity == entity).order_by(AuditLog.id)).all()


CASES = [("entries", "indicator", "realization", "123", "456"),
         ("budget", "line", "budget_realization", "1.000.000", "2.500.000")]


@pytest.mark.parametrize("kind,keyname,entity,first,second", CASES)
def test_second_save_from_a_stale_copy_gets_conflict(db_url, draft, kind, keyname, entity, first, second):
    sub_id, key = draft["submission"], draft[keyname]
    versions_a = _stale_versions(db_url, draft["a"], sub_id)[0 if kind == "entries" else 1]
    versions_b = _stale_versions(db_url, draft["b"], sub_id)[0 if kind == "entries" else 1]
    v = versions_a[key]
    assert versions_b[key] == v  # both loaded the same version

    errors: list[BaseException] = []

    def run(actor, value, expected):
        try:
            _save(db_url, kind, actor, sub_id, key, value, expected)
        except BaseException as err:  # noqa: BLE001 - collected for the assertion
            errors.append(err)

    t1 = threading.Thread(target=run, args=(draft["a"], first, v))
    t1.start()
    t1.join()
    t2 = threading.Thread(target=run, args=(draft["b"], second, v))
    t2.start()
    t2.join()
    RUNS[kind] += 1

    assert len(errors) == 1 and isinstance(errors[0], Conflict), errors
    assert "sudah diubah oleh" in str(errors[0]) and "tidak ada yang tertimpa" in str(errors[0])
    assert "lihat nilai terbaru" in str(errors[0])
    value, version = _reload(db_url, draft["b"], sub_id, kind, key)
    assert value == Decimal(first.replace(".", ""))
    assert version == v + 1
    saves = [a for a in _audits(db_url, entity) if a.actor_username in ("kabid_lattas", "plt_lattas")]
    assert [a.actor_username for a in saves] == ["kabid_lattas"]


@pytest.mark.parametrize("kind,keyname,entity,first,second", CASES)
def test_racing_saves_from_the_same_version_let_only_one_through(db_url, draft, kind, keyname, entity,
                                                                 first, second):
    """Both saves run inside the service at once; each waits before writing until the other has read."""
    sub_id, key = draft["submission"], draft[keyname]
    v = _stale_versions(db_url, draft["a"], sub_id)[0 if kind == "entries" else 1][key]
    gate = threading.Barrier(2)
    held: set[int] = set()

    @event.listens_for(Session, "before_flush")
    def hold(session, _ctx, _instances):
        # once per thread: at its first write, wait (briefly) for the other save to have read too
        me = threading.get_ident()
        if me not in held:
            held.add(me)
            try:
                gate.wait(timeout=3)
            except threading.BrokenBarrierError:
                pass  # the other save is blocked on a lock: it cannot read a stale version either

    results: dict[str, object] = {}

    def run(name, actor, value):
        try:
            _save(db_url, kind, actor, sub_id, key, value, v)
            results[name] = "ok"
        except BaseException as err:  # noqa: BLE001
            results[name] = err

    try:
        threads = [threading.Thread(target=run, args=("a", draft["a"], first)),
                   threading.Thread(target=run, args=("b", draft["b"], second))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        event.remove(Session, "before_flush", hold)
    RUNS[kind] += 1

    outcomes = sorted(type(r).__name__ if isinstance(r, BaseException) else r for r in results.values())
    assert outcomes == ["Conflict", "ok"], results
    winner = "a" if results["a"] == "ok" else "b"
    value, version = _reload(db_url, draft["a"], sub_id, kind, key)
    assert value == Decimal((first if winner == "a" else second).replace(".", ""))
    assert version == v + 1
    saves = [a for a in _audits(db_url, entity) if a.actor_username in ("kabid_lattas", "plt_lattas")]
    assert len(saves) == 1


def teardown_module(module):
    import json
    from pathlib import Path

    out = Path(__file__).resolve().parent.parent / "test-artifacts"
    out.mkdir(exist_ok=True)
    (out / "concurrent_edits.json").write_text(json.dumps(RUNS, indent=2))
