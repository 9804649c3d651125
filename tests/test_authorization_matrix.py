"""The authorization matrix, proven through the real services: every action × every role.

core.permissions.MATRIX is the one table of who may do what. For each action a scenario puts a fresh
demo database in the state where the action makes sense (through the services or the test factories),
then every role tries it through the real core function, each try in its own transaction:

- a role the matrix allows succeeds (and writes its audit row);
- a role it does not allow gets core.errors.NotAllowed with an Indonesian message, and nothing is
  written: the row count of every table, audit_log included, is the same before and after.

Unit scope: a Kepala Bidang (or JFT) acting for another unit is refused the same way. Pages: every page
in core.navigation.PAGES, run by a role that may not see it, shows a refusal and no data.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from core import auth, backup, evidence, masterdata
from core.actor import ROLES, Actor
from core.backup import table_counts
from core.errors import NotAllowed
from core.navigation import PAGES
from core.permissions import MATRIX, allowed_roles, step_executors
from core.steps import disposisi, dokumentasi, isi_data, koreksi, pengolahan, penyusunan
from core.uow import unit_of_work
from db.models import AuditLog, Indicator, OrgUnit, SopStep, Submission, User
from tests import factories
from tests.apptest import DEMO_PASSWORD, texts

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 10, 5)
PDF = factories.PDF
# The demo user who acts for each role.
ACTING = {"kepala_dinas": "kadis", "sekretaris": "sekdis", "kepala_bidang": "kabid_lattas", "jft": "jft_mediator",
          "perencana": "perencana", "penyusun": "penyusun", "admin": "admin", "pemantau": "pemantau"}
assert set(ACTING) == set(ROLES)
# The unit whose data a unit-scoped action touches: the actor's own for the unit roles.
OWN_UNIT = {"jft": "JFT"}
DEFAULT_UNIT = "BID-LATTAS"


def unit_code_for(actor: Actor) -> str:
    return OWN_UNIT.get(actor.role, DEFAULT_UNIT)


@dataclass
class Scenario:
    """prepare(session, actors) -> ctx puts the database in the right state (and is committed);
    perform(session, actor, ctx) does the action through core."""

    prepare: Callable[[Session, dict[str, Actor]], dict[str, Any]]
    perform: Callable[[Session, Actor, dict[str, Any]], Any]


# --- states ---------------------------------------------------------------------------------------


def nothing(session, actors):
    return {}


def round_at(at: str, state: str = "draf", **kw):
    def prepare(session, actors):
        rnd = factories.make_round(session, at=at, state=state, **kw)
        subs = {u.code: s.id for s in rnd.submissions for u in [session.get(OrgUnit, s.unit_id)]}
        return {"round_id": rnd.id, "subs": subs}
    return prepare


def unreceived(session, actors):
    ctx = round_at("isi_data", "belum_mulai")(session, actors)
    for sub in session.scalars(select(Submission).where(Submission.round_id == ctx["round_id"])):
        sub.received_at = None
        sub.received_by_id = None
    return ctx


def opened(session, actors):
    rnd = disposisi.open_round(session, actors["kadis"], 2026, 3, "Kumpulkan data kinerja TW III 2026.",
                            dt.date(2026, 10, 20), today=TODAY)
    return {"round_id": rnd.id}


def with_comments(state: str):
    def prepare(session, actors):
        ctx = round_at("pengolahan", state)(session, actors)
        ctx["comments"] = {}
        for code, sub_id in ctx["subs"].items():
            c = pengolahan.add_comment(session, actors["penyusun"], sub_id, None, f"Periksa kembali data {code}.")
            ctx["comments"][code] = c.id
        return ctx
    return prepare


def drafted(session, actors):
    ctx = round_at("penyusunan", "diterima", evidence=True)(session, actors)
    ctx["report_id"] = penyusunan.compile_draft(session, actors["penyusun"], ctx["round_id"]).id
    return ctx


def in_correction(session, actors):
    ctx = drafted(session, actors)
    koreksi.send_to_planner(session, actors["sekdis"], ctx["round_id"])
    return ctx


def with_correction(session, actors):
    ctx = in_correction(session, actors)
    koreksi.add_correction(session, actors["perencana"], ctx["report_id"], "IND:IK-03", "realisasi_tw",
                             "Angka penempatan menurut daftar adalah 100 orang.", "100")
    return ctx


def handed_over(session, actors):
    ctx = in_correction(session, actors)
    koreksi.hand_over(session, actors["perencana"], ctx["round_id"])
    return ctx


def _sub(ctx, actor):
    return ctx["subs"][unit_code_for(actor)]


def _indicator(session, actor) -> int:
    unit = factories.unit(session, unit_code_for(actor))
    return session.scalar(select(Indicator.id).where(Indicator.owner_unit_id == unit.id).order_by(Indicator.id))


def _own_user_id(session) -> int:
    return factories.user(session, "kabid_trans").id


# --- every action of the matrix, through core -----------------------------------------------------

SCENARIOS: dict[str, Scenario] = {
    "round.open": Scenario(nothing, lambda s, a, c: disposisi.open_round(
        s, a, 2026, 3, "Kumpulkan data kinerja TW III 2026.", dt.date(2026, 10, 20), today=TODAY)),
    "round.distribute": Scenario(opened, lambda s, a, c: disposisi.distribute(s, a, c["round_id"])),
    "submission.extend": Scenario(round_at("isi_data"), lambda s, a, c: disposisi.grant_extension(
        s, a, _sub(c, a), factories.DEADLINE + dt.timedelta(days=5), "Data dari kecamatan terlambat.")),
    "submission.remind": Scenario(round_at("isi_data"), lambda s, a, c: disposisi.remind(
        s, a, c["round_id"], [c["subs"][DEFAULT_UNIT]], today=TODAY)),
    "submission.acknowledge": Scenario(unreceived, lambda s, a, c: isi_data.acknowledge(s, a, _sub(c, a))),
    "submission.edit": Scenario(round_at("isi_data"), lambda s, a, c: isi_data.save_entries(
        s, a, _sub(c, a), {_indicator(s, a): {"Realisasi TW": "7", "Catatan": "Diperbarui."}})),
    "submission.submit": Scenario(round_at("isi_data", evidence=True),
                                  lambda s, a, c: isi_data.submit(s, a, _sub(c, a))),
    "evidence.upload": Scenario(round_at("isi_data"), lambda s, a, c: evidence.store_evidence(
        s, a, _sub(c, a), _indicator(s, a), "daftar-hadir.pdf", PDF)),
    "comment.respond": Scenario(with_comments("dikembalikan"), lambda s, a, c: pengolahan.respond_comment(
        s, a, c["comments"][unit_code_for(a)], "Sudah kami perbaiki.")),
    "submission.review": Scenario(round_at("pengolahan", "diajukan"),
                                  lambda s, a, c: pengolahan.accept(s, a, _sub(c, a))),
    "comment.create": Scenario(round_at("pengolahan", "diajukan"), lambda s, a, c: pengolahan.add_comment(
        s, a, _sub(c, a), None, "Lengkapi bukti dukung.")),
    "comment.resolve": Scenario(with_comments("diajukan"), lambda s, a, c: pengolahan.resolve_comment(
        s, a, c["comments"][unit_code_for(a)])),
    "report.compile": Scenario(round_at("penyusunan", "diterima"),
                               lambda s, a, c: penyusunan.compile_draft(s, a, c["round_id"])),
    "report.renja_footer": Scenario(round_at("penyusunan", "diterima"), lambda s, a, c: penyusunan.save_renja_footer(
        s, a, c["round_id"], {"faktor_penghambat": "Cuaca ekstrem di wilayah perbatasan."})),
    "report.send": Scenario(drafted, lambda s, a, c: koreksi.send_to_planner(s, a, c["round_id"])),
    "correction.create": Scenario(in_correction, lambda s, a, c: koreksi.add_correction(
        s, a, c["report_id"], "IND:IK-03", "realisasi_tw", "Sesuaikan dengan daftar penempatan.", "100")),
    "correction.apply": Scenario(with_correction, lambda s, a, c: koreksi.apply_corrections(s, a, c["round_id"])),
    "report.hand_over": Scenario(in_correction, lambda s, a, c: koreksi.hand_over(s, a, c["round_id"])),
    "report.document": Scenario(handed_over, lambda s, a, c: dokumentasi.document(s, a, c["round_id"])),
    "masterdata.manage": Scenario(nothing, lambda s, a, c: masterdata.create_unit(
        s, a, code="BID-UJI", name="Bidang Uji", kind="bidang",
        parent_id=factories.office(s).id)),
    "user.manage": Scenario(nothing, lambda s, a, c: masterdata.reset_password(
        s, a, _own_user_id(s), "SandiAwal2026")),
    "sop.manage": Scenario(nothing, lambda s, a, c: masterdata.update_sop_step(
        s, a, s.scalar(select(SopStep.id).where(SopStep.code == "dokumentasi")), executor_roles=["penyusun"],
        standard_minutes=2880, standard_label="2 hari kerja", inputs="Laporan Kinerja Tahunan", output="Laporan Kinerja")),
    "backup.run": Scenario(nothing, lambda s, a, c: backup.make_backup(s, a, c["tmp"])),
    "audit.view": Scenario(nothing, lambda s, a, c: __import__("core.audit_view", fromlist=["x"]).entries(s, a)),
    "recap.view": Scenario(nothing, lambda s, a, c: _recap_view(s, a)),
    "unit_data.read_all": Scenario(round_at("pengolahan", "diajukan", evidence=True),
                                   lambda s, a, c: _read_other_units_evidence(s, a, c)),
    "recap.regency": Scenario(nothing, lambda s, a, c: __import__("core.regency_recap", fromlist=["x"])
                              .annual_all_offices(s, a, 2026)),
    "account.change_phone": Scenario(nothing, lambda s, a, c: masterdata.change_own_phone(s, a, "0812-3456-7890")),
    "account.change_password": Scenario(nothing, lambda s, a, c: auth.change_own_password(
        s, a, DEMO_PASSWORD, "SandiBaru2026", "SandiBaru2026")),
}


def _recap_view(session, actor):
    """Recaps are read-only data for every role; the matrix check is the gate the pages rely on."""
    from core import recap
    from core.permissions import require

    require(session, actor, "recap.view")
    return recap.__name__


def _read_other_units_evidence(session, actor, ctx):
    """A file of a unit that is none of the acting users' own (Bidang HI & Jamsos): what read_scope decides."""
    from db.models import Evidence

    ev_id = session.scalar(select(Evidence.id).where(Evidence.submission_id == ctx["subs"]["BID-HIJS"])
                           .order_by(Evidence.id))
    return evidence.read_evidence(session, actor, ev_id)


# Read-only actions: success writes nothing, so no audit row is expected.
READ_ONLY = {"audit.view", "recap.view", "recap.regency", "unit_data.read_all"}
RESULTS: dict[str, int] = {"pairs": 0, "allowed": 0, "refused": 0, "unit_scope": 0, "pages": 0}


def test_every_action_of_the_matrix_has_a_scenario():
    assert set(SCENARIOS) == set(MATRIX), (
        "Each action in core.permissions.MATRIX needs a scenario here that performs it through core: "
        f"missing {sorted(set(MATRIX) - set(SCENARIOS))}, unknown {sorted(set(SCENARIOS) - set(MATRIX))}")


def _prepared(db_url, tmp_path, action):
    from core.auth import actor_from_user

    with unit_of_work(db_url) as s:
        actors = {u.username: actor_from_user(s, u) for u in s.scalars(select(User))}
        ctx = SCENARIOS[action].prepare(s, actors)
    ctx["tmp"] = tmp_path / "cadangan"
    return actors, ctx


def _try(db_url, action, actor, ctx):
    """Perform in one transaction that is rolled back: (error or None, counts before, counts after)."""
    from db.engine import session_factory

    s = session_factory(db_url)()
    try:
        before = table_counts(s)
        try:
            SCENARIOS[action].perform(s, actor, ctx)
            err = None
        except Exception as e:  # noqa: BLE001 - inspected by the caller
            err = e
        s.flush()
        after = table_counts(s)
        audits = [(a.actor_username, a.action) for a in s.scalars(
            select(AuditLog).order_by(AuditLog.id.desc()).limit(max(0, after["audit_log"] - before["audit_log"])))]
        return err, before, after, audits
    finally:
        s.rollback()
        s.close()


INDONESIAN = re.compile(r"\b(Anda|tidak|berwenang|hanya)\b")


@pytest.mark.parametrize("action", sorted(MATRIX))
def test_every_role_through_the_real_service(db_url, tmp_path, action):
    actors, ctx = _prepared(db_url, tmp_path, action)
    with unit_of_work(db_url) as s:
        allowed = allowed_roles(s, action)
    failures = []
    for role in ROLES:
        actor = actors[ACTING[role]]
        err, before, after, audits = _try(db_url, action, actor, ctx)
        RESULTS["pairs"] += 1
        if role in allowed:
            RESULTS["allowed"] += 1
            if err is not None:
                failures.append(f"{role}: allowed by the matrix but failed: {type(err).__name__}: {err}")
            elif action not in READ_ONLY and not any(u == actor.username for u, _ in audits):
                failures.append(f"{role}: succeeded without an audit row by {actor.username}")
        else:
            RESULTS["refused"] += 1
            if not isinstance(err, NotAllowed):
                failures.append(f"{role}: expected NotAllowed, got {type(err).__name__}: {err}")
                continue
            if not INDONESIAN.search(str(err)):
                failures.append(f"{role}: refusal is not a clear Indonesian message: {err}")
            if after != before:
                changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
                failures.append(f"{role}: refused but wrote {changed}")
    assert not failures, f"{action}:\n" + "\n".join(failures)


UNIT_SCOPED = sorted(a for a, r in MATRIX.items() if r.unit_scoped)


@pytest.mark.parametrize("action", UNIT_SCOPED)
@pytest.mark.parametrize("username,own", [("kabid_hijs", "BID-HIJS"), ("jft_mediator", "JFT")])
def test_unit_head_acting_for_another_unit_is_refused(db_url, tmp_path, action, username, own):
    actors, ctx = _prepared(db_url, tmp_path, action)
    other = DEFAULT_UNIT
    assert other != own
    actor = actors[username]
    # point the scenario at another unit's data (Bidang Pelatihan) while acting as this unit's head
    OWN_UNIT[actor.role] = other
    try:
        err, before, after, _ = _try(db_url, action, actor, ctx)
    finally:
        OWN_UNIT.clear()
        OWN_UNIT.update({"jft": "JFT"})
    RESULTS["unit_scope"] += 1
    assert isinstance(err, NotAllowed), f"{username} on {other}: {type(err).__name__}: {err}"
    assert "unit lain" in str(err) or "unit kerja Anda sendiri" in str(err)
    assert after == before


def test_kepala_bidang_cannot_accept_own_submission(db_url, tmp_path):
    actors, ctx = _prepared(db_url, tmp_path, "submission.review")
    err, before, after, _ = _try(db_url, "submission.review", actors["kabid_lattas"], ctx)
    assert isinstance(err, NotAllowed) and "tidak berwenang" in str(err)
    assert after == before


# --- pages: reached anyway, they refuse and show no data ------------------------------------------

# the SOP pages are seen by their steps' executors (the SOP's defaults in the demo database)
PAGE_PAIRS = [(p.path, role) for p in PAGES for role in ROLES if role not in p.roles_with(step_executors(None))]


@pytest.mark.parametrize("path,role", PAGE_PAIRS)
def test_page_refuses_a_role_that_may_not_see_it(sqlite_url, path, role):
    from core.auth import actor_for

    with unit_of_work(sqlite_url) as s:
        actor = actor_for(s, ACTING[role])
    # Not in this role's navigation, so not reachable by switch_page: run the page file itself, as a
    # hand-typed URL or a stale link would, with the role's session.
    at = AppTest.from_file(str(ROOT / path), default_timeout=60)
    at.session_state["actor"] = actor
    at.session_state["authentication_status"] = True
    at.session_state["username"] = actor.username
    at.run()
    RESULTS["pages"] += 1
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [f"Halaman ini tidak tersedia untuk peran {actor.role_label}."]
    shown = texts(at)
    assert shown.strip() == at.error[0].value
    for kind in ("dataframe", "table", "metric", "button", "text_input", "selectbox", "file_uploader"):
        assert not at.get(kind), f"{path} as {role} shows a {kind}"
    assert not at.get("download_button") and not at.get("arrow_vega_lite_chart")


def test_every_page_starts_with_its_own_guard():
    for spec in PAGES:
        source = (ROOT / spec.path).read_text(encoding="utf-8")
        guard = f'actor_or_stop("{spec.path}")'
        assert guard in source, f"{spec.path} must start with actor = {guard}"
        first_use = source.find("with unit_of_work()")
        assert first_use == -1 or source.find(guard) < first_use, f"{spec.path}: the guard must come first"


def teardown_module(module):
    out = ROOT / "test-artifacts"
    out.mkdir(exist_ok=True)
    (out / "authorization_matrix.json").write_text(json.dumps(RESULTS, indent=2))

