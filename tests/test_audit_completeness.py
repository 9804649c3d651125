"""Audit completeness: every mutating core service leaves an audit row for every entity it changes.

The mutating services are found by introspection: every public function of a core module (the modules
of core's packages included) that takes `actor`, minus an explicit allow-list of the read-only ones (and
of the helpers whose caller audits).
A new service that takes `actor` fails this test until it is listed either here with a way to call it,
or as read-only.

For each service a fresh demo database is put in the right state, the service is called, and then:
- at least one audit row by the acting user was written, with its time and before/after data;
- every row the service inserted, updated or deleted (compared table by table, column by column) is
  named by an audit row (entity and id), except in the tables listed as parts of an audited parent.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import io
import json
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

import core
from core import (
    auth,
    backup,
    evidence,
    imports,
    masterdata,
    sessions,
    unit_workbook,
)
from core.steps import dokumentasi, isi_data, pengolahan
from core.uow import unit_of_work
from db.models import AuditLog, Base, BudgetLine, Indicator, RenstraPeriod, Sasaran, User, utcnow
from tests import factories
from tests.test_authorization_matrix import PDF, SCENARIOS, handed_over, nothing, round_at

ROOT = Path(__file__).resolve().parent.parent

# Public functions that take `actor` but change nothing (reads, checks, file builders) — or that are
# helpers whose calling service writes the audit row.
READ_ONLY = {
    "audit.record",  # the audit writer itself
    "audit.stale_save",  # builds the refusal of a stale save (the actor only for its wording)
    "masterdata.common.touched",  # which fields a form changed; refuses a stale one (the actor for the wording)
    "auth.lockouts",  # the administrator's list of failed logins
    "audit_view.actions", "audit_view.entries",
    "entry.budget_table", "entry.entry_table", "entry.is_editable", "entry.my_submissions",
    "entry.readable_submission", "entry.submission_view",
    "steps.penyusunan.renja_footer",  # the E.81 footer as the Penyusunan form shows it
    "steps.isi_data.editable_submission",  # the edit check (and lock) of the save services
    "steps.base.begin", "steps.base.begin_submission",  # the opening checks of the step services
    "evidence.list_evidence", "evidence.read_evidence",
    "home.profile",
    "plausibility.review_flags", "plausibility.submission_flags",
    "permissions.can", "permissions.require", "permissions.unit_in_scope", "permissions.units_in_scope",
    "permissions.read_scope", "permissions.require_unit_read", "permissions.other_office",
    "archive.archive_access", "archive.archive_download", "report_versions.report_file_items",
    "archive.verify_archive",
    "regency_recap.annual_all_offices", "regency_recap.annual_all_offices_xlsx",  # read-only, checked by role
    "report_versions.corrections_of_submission",  # reads the audit rows that corrections wrote
    "review.notes_for_unit",
    "reminders.round_reminders", "masterdata.users.own_phone",
    "timeliness.timeliness", "timeliness.xlsx",  # read-only, checked by office  # builds the texts; sending is recorded by steps.disposisi.remind
    # reads by id, checked by office (or by read scope for a unit's data)
    "permissions.require_office",
    "report_versions.corrections_table", "report_versions.diff_versions", "report_versions.line_fields",
    "report_versions.line_text",
    "report_versions.lines_table", "report_versions.versions",
    "review.comments_for", "review.review_history", "review.submission_detail", "review.submissions_overview",
    "round_status.extensions_table", "round_status.round_status", "round_status.submission_rows",
    "round_status.submissions_table",
    "review.budget_review", "review.changes_since_return", "review.evidence_by_indicator",
    "review.unchanged_since_return",
    "tasks.my_tasks",
    "unit_workbook.parse_unit_workbook", "unit_workbook.unit_workbook", "unit_workbook.workbook_name",
    "workflow.advance", "workflow.finish_current",  # step helpers; the services audit round.advance
}

# Rows of these tables are parts of an audited parent: step records (round.advance on the round),
# report files (listed with their hashes in the report's audit row), reviews (submission.accept/return
# with the decision and reason), extensions (submission.extend with the extension id), pagu history
# (the budget line's audit row holds the old and new pagu), the indicator links of budget lines.
PARTS = {"audit_log", "step_records", "report_files", "reviews", "extensions", "pagu_history",
         "budget_line_indicators", "alembic_version",
         "login_failures"}  # failed logins are evidence of attempts, not data; locks and lifts are audited
# audit entity name -> table
ENTITY_TABLES = {
    "collection_round": "collection_rounds", "submission": "submissions", "realization": "realizations",
    "budget_realization": "budget_realizations", "evidence": "evidence", "review_comment": "review_comments",
    "report": "reports", "correction": "corrections", "archive": "archives", "user": "users",
    "org_unit": "org_units", "unit": "org_units", "indicator": "indicators", "target": "targets",
    "budget_line": "budget_lines", "sasaran": "sasaran", "renstra_period": "renstra_periods",
    "period": "renstra_periods", "sop_step": "sop_steps", "reminder": "reminders",
    "renstra_budget": "renstra_budgets", "prior_realisation": "prior_realisations",
}


def mutating_services() -> list[str]:
    """'module.function' (the module relative to core, e.g. 'masterdata.units.create_unit') of every
    public function taking `actor`, in the modules of core and of its packages; a function is named
    after the module that defines it, not after a package that re-exports it."""
    names = []
    for m in sorted(pkgutil.walk_packages(core.__path__, "core."), key=lambda m: m.name):
        mod = importlib.import_module(m.name)
        short = m.name.removeprefix("core.")
        for name, fn in inspect.getmembers(mod, inspect.isfunction):
            if fn.__module__ != mod.__name__ or name.startswith("_"):
                continue
            if "actor" in inspect.signature(fn).parameters and f"{short}.{name}" not in READ_ONLY:
                names.append(f"{short}.{name}")
    return names


# --- how to call each mutating service: (prepare, call) -> the acting username ---------------------

Call = Callable[[Session, dict, dict], str]


def _scenario(action: str, username: str) -> tuple[Callable, Call]:
    sc = SCENARIOS[action]

    def call(s, actors, ctx):
        sc.perform(s, actors[username], ctx)
        return username
    return sc.prepare, call


def _office(s):
    return factories.office(s).id


def _lattas(s):
    return factories.unit(s, "BID-LATTAS").id


def _line(s):
    return s.scalar(select(BudgetLine).where(BudgetLine.owner_unit_id == _lattas(s), BudgetLine.year == 2026)
                    .order_by(BudgetLine.id))


def _ind(s, code="IK-03"):
    return s.scalar(select(Indicator).where(Indicator.code == code))


def _uid(s, username):
    return factories.user(s, username).id


def _admin(fn: Callable[[Session, Any], Any]) -> tuple[Callable, Call]:
    def call(s, actors, ctx):
        fn(s, actors["admin"])
        return "admin"
    return nothing, call


def _with_evidence(s, actors):
    ctx = round_at("isi_data")(s, actors)
    ev = evidence.store_evidence(s, actors["kabid_lattas"], ctx["subs"]["BID-LATTAS"], _ind(s).id, "bukti.pdf", PDF)
    ctx["evidence_id"] = ev.id
    return ctx


def _new_unit(s, actors):
    """A unit nobody works in yet (every demo unit has users, which must move first)."""
    return {"unit_id": masterdata.create_unit(s, actors["admin"], code="BID-UJI", name="Bidang Uji",
                                              kind="bidang", parent_id=_office(s))}


def _documented(s, actors):
    ctx = handed_over(s, actors)
    dokumentasi.document(s, actors["penyusun"], ctx["round_id"])
    return ctx


def _pk_import(s, admin):
    data = imports.template("PK", s, _office(s), 2026)
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    headers = [c.value for c in ws[1]]
    col = headers.index("Target Tahunan") + 1
    ws.cell(2, col).value = float(ws.cell(2, col).value or 0) + 1
    # the RA quarters no longer add up to the new annual target: the changed row gives the reason
    ws.cell(2, headers.index("Alasan Selisih") + 1).value = "PK perubahan; RA menyusul"
    buf = io.BytesIO()
    wb.save(buf)
    imports.commit(s, admin, buf.getvalue(), kind="PK", office_id=_office(s), year=2026)


def _renstra_import(s, admin):
    from core.imports import renstra
    from tests.test_imports_renstra import fill

    data = fill(imports.template("RENSTRA", s, _office(s), 2026), renstra.IND_SHEET, "Kode Indikator",
                {"IK-04": {"Target Renstra akhir periode": "1.250", "Kode DPA terkait": "2.07.03.2.01"}})
    data = fill(data, renstra.FUND_SHEET, "Kode", {"2.07.03": {"Pagu akhir periode (Rp)": "7.500.000.000"}})
    renstra.apply(s, admin, imports.parse("RENSTRA", data, s, _office(s), year=2026))


def _apply_workbook(s, actors, ctx):
    sub_id = ctx["subs"]["BID-LATTAS"]
    a = actors["kabid_lattas"]
    wb = load_workbook(io.BytesIO(unit_workbook.unit_workbook(s, a, sub_id)))
    ws = wb[unit_workbook.IND_SHEET]
    row = unit_workbook.HEADER_ROW
    col = [c.value for c in ws[row]].index("Realisasi TW") + 1
    ws.cell(row + 1, col).value = 4242
    buf = io.BytesIO()
    wb.save(buf)
    unit_workbook.apply_unit_workbook(s, a, sub_id, buf.getvalue())
    return "kabid_lattas"


CALLS: dict[str, tuple[Callable, Call]] = {
    "auth.change_own_password": _scenario("account.change_password", "sekdis"),
    "masterdata.users.change_own_phone": _scenario("account.change_phone", "sekdis"),
    "backup.make.make_backup": _scenario("backup.run", "admin"),
    "auth.lift_lockout": _admin(lambda s, a: auth.failed_login(s, "kadis", "10.1.1.1")
                                and auth.lift_lockout(s, a, "kadis")),
    "sessions.end_own_sessions": (nothing, lambda s, a, c: sessions.end_own_sessions(s, a["kadis"]) or "kadis"),
    "sessions.end_sessions_of": _admin(lambda s, a: sessions.end_sessions_of(s, a, _uid(s, "kadis"))),
    "steps.disposisi.open_round": _scenario("round.open", "kadis"),
    "steps.disposisi.distribute": _scenario("round.distribute", "sekdis"),
    "steps.isi_data.acknowledge": _scenario("submission.acknowledge", "kabid_lattas"),
    "steps.disposisi.grant_extension": _scenario("submission.extend", "sekdis"),
    "steps.disposisi.remind": _scenario("submission.remind", "sekdis"),
    "steps.isi_data.save_entries": _scenario("submission.edit", "kabid_lattas"),
    "steps.isi_data.submit": _scenario("submission.submit", "kabid_lattas"),
    "steps.isi_data.save_budget": (round_at("isi_data"), lambda s, a, c: isi_data.save_budget(
        s, a["kabid_lattas"], c["subs"]["BID-LATTAS"], {_line(s).id: "1.000.000"}) and "kabid_lattas"),
    "evidence.store_evidence": _scenario("evidence.upload", "kabid_lattas"),
    "evidence.delete_evidence": (_with_evidence, lambda s, a, c: evidence.delete_evidence(
        s, a["kabid_lattas"], c["evidence_id"]) or "kabid_lattas"),
    "unit_workbook.apply_unit_workbook": (round_at("isi_data"), _apply_workbook),
    "steps.pengolahan.accept": _scenario("submission.review", "penyusun"),
    "steps.pengolahan.return_submission": (round_at("pengolahan", "diajukan"), lambda s, a, c: pengolahan.return_submission(
        s, a["penyusun"], c["subs"]["BID-LATTAS"], "Lengkapi bukti dukung IK-03.") and "penyusun"),
    "steps.pengolahan.add_comment": _scenario("comment.create", "penyusun"),
    "steps.pengolahan.respond_comment": _scenario("comment.respond", "kabid_lattas"),
    "steps.pengolahan.resolve_comment": _scenario("comment.resolve", "penyusun"),
    "steps.penyusunan.compile_draft": _scenario("report.compile", "penyusun"),
    "steps.penyusunan.save_renja_footer": _scenario("report.renja_footer", "penyusun"),
    "steps.koreksi.send_to_planner": _scenario("report.send", "sekdis"),
    "steps.koreksi.add_correction": _scenario("correction.create", "perencana"),
    "steps.koreksi.apply_corrections": _scenario("correction.apply", "penyusun"),
    "steps.koreksi.hand_over": _scenario("report.hand_over", "perencana"),
    "steps.dokumentasi.document": _scenario("report.document", "penyusun"),
    "steps.dokumentasi.reissue": (_documented, lambda s, a, c: dokumentasi.reissue(
        s, a["penyusun"], c["round_id"], "Koreksi realisasi IK-03 sesuai daftar.",
        [("IND:IK-03", "realisasi_tw", "100")]) and "penyusun"),
    "imports.apply.commit": _admin(_pk_import),
    "imports.renstra.apply": _admin(_renstra_import),
    "masterdata.units.create_unit": _scenario("masterdata.manage", "admin"),
    "masterdata.users.reset_password": _scenario("user.manage", "admin"),
    "masterdata.sop.update_sop_step": _scenario("sop.manage", "admin"),
    "masterdata.new_year.copy_year": _admin(lambda s, a: masterdata.copy_year(s, a, _office(s), 2026, 2027)),
    "masterdata.budget.create_budget_line": _admin(lambda s, a: masterdata.create_budget_line(
        s, a, _office(s), 2026, code="2.07.03.2.01.0099", program="Program Pelatihan Kerja dan Produktivitas",
        kegiatan="Pelatihan Kerja", sub_kegiatan="Pelatihan uji", pagu="15.000.000", owner_unit_id=_lattas(s))),
    "masterdata.planning.create_indicator": _admin(lambda s, a: masterdata.create_indicator(
        s, a, _office(s), sasaran_id=s.scalar(select(Sasaran.id).order_by(Sasaran.id)), code="IK-99",
        name="Jumlah lulusan pelatihan yang bekerja", satuan="orang", owner_unit_id=_lattas(s))),
    "masterdata.planning.create_period": _admin(lambda s, a: masterdata.create_period(
        s, a, _office(s), "Renstra 2027-2031", 2027, 2031)),
    "masterdata.planning.create_sasaran": _admin(lambda s, a: masterdata.create_sasaran(
        s, a, s.scalar(select(RenstraPeriod.id).order_by(RenstraPeriod.id)), "S9", "Meningkatnya daya saing")),
    "masterdata.users.create_user": _admin(lambda s, a: masterdata.create_user(
        s, a, username="staf_uji", full_name="Staf Uji", password="SandiAwal2026", role="jft",
        unit_id=factories.unit(s, "JFT").id)),
    "masterdata.units.move_unit": _admin(lambda s, a: masterdata.move_unit(
        s, a, factories.unit(s, "SUBAG-UMUM").id, _office(s))),
    "masterdata.units.set_entry_lock_days": _admin(lambda s, a: masterdata.set_entry_lock_days(
        s, a, _office(s), 5)),
    "masterdata.units.rename_unit": _admin(lambda s, a: masterdata.rename_unit(
        s, a, _lattas(s), "Bidang Pelatihan Kerja dan Penempatan Tenaga Kerja")),
    "masterdata.budget.save_budget_lines": _admin(lambda s, a: masterdata.save_budget_lines(
        s, a, {_line(s).id: {"pagu": _line(s).pagu + 1000}})),
    "masterdata.settings.update_formula_settings": _admin(lambda s, a: masterdata.update_formula_settings(
        s, a, _office(s), negative_formula="t_over_r", capaian_rounding="truncate")),
    "masterdata.targets.save_target": _admin(lambda s, a: masterdata.save_target(
        s, a, _ind(s).id, 2026, source_pk="PK 2026 (revisi)")),
    "masterdata.targets.save_targets": _admin(lambda s, a: masterdata.save_targets(
        s, a, 2026, {_ind(s).id: {"source_ra": "RA 2026 (revisi)"}})),
    "masterdata.units.set_unit_active": (_new_unit, lambda s, a, c: masterdata.set_unit_active(
        s, a["admin"], c["unit_id"], False) and "admin"),
    "masterdata.users.set_user_active": _admin(lambda s, a: masterdata.set_user_active(
        s, a, _uid(s, "kabid_trans"), False)),
    "masterdata.budget.update_budget_line": _admin(lambda s, a: masterdata.update_budget_line(
        s, a, _line(s).id, kegiatan="Pelatihan Kerja Berbasis Kompetensi (revisi)")),
    "masterdata.planning.update_indicator": _admin(lambda s, a: masterdata.update_indicator(
        s, a, _ind(s).id, data_source="SIAPkerja Kemnaker")),
    "masterdata.planning.update_period": _admin(lambda s, a: masterdata.update_period(
        s, a, s.scalar(select(RenstraPeriod.id).order_by(RenstraPeriod.id)), "Renstra 2021-2026 (perubahan)",
        2021, 2026)),
    "masterdata.planning.update_sasaran": _admin(lambda s, a: masterdata.update_sasaran(
        s, a, s.scalar(select(Sasaran.id).order_by(Sasaran.id)), "S1",
        "Meningkatnya penyerapan tenaga kerja lokal (revisi)")),
    "masterdata.users.update_user": _admin(lambda s, a: masterdata.update_user(
        s, a, _uid(s, "kabid_trans"), jabatan="Plt. Kepala Bidang Transmigrasi")),
    "masterdata.renstra.save_indicator_renstra": _admin(lambda s, a: masterdata.save_indicator_renstra(
        s, a, _office(s), {_ind(s).id: {"target_renstra": "1.250", "tingkat_renja": "kegiatan"}})),
    "masterdata.renstra.save_renstra_budgets": _admin(lambda s, a: masterdata.save_renstra_budgets(
        s, a, _office(s), s.scalar(select(RenstraPeriod.id).order_by(RenstraPeriod.id)),
        {"2.07.03": {"pagu_akhir": "7.500.000.000"}, "2.07.99": {"pagu_akhir": "1.000.000"}})),
    "masterdata.renstra.save_prior_realisations": _admin(lambda s, a: masterdata.save_prior_realisations(
        s, a, _office(s), 2023, indicators={_ind(s).id: {"realisasi": "1.250"}, _ind(s, "IK-04").id: {"realisasi": ""}},
        codes={"2.07.03.2.01": {"realisasi": "Rp 1.250.000"}})),
    "masterdata.renstra.set_indicator_links": _admin(lambda s, a: masterdata.set_indicator_links(
        s, a, _office(s), 2026, _ind(s).id, "2.07.03.2.01.0001, 2.07.04.2.01")),
    "masterdata.renstra.update_evaluator": _admin(lambda s, a: masterdata.update_evaluator(
        s, a, _office(s), title="Kepala Bappeda", name="Dr. Maria Ulfa, M.Si.", nip="197503122000032001")),
}
# replace the whole database: checked on their own below
SPECIAL = {"backup.restore.restore_backup", "backup.restore.restore_uploaded_backup"}
RESULTS: dict[str, Any] = {"services": [], "audit_rows": 0}


def test_every_mutating_service_is_known():
    found = set(mutating_services())
    unknown = found - set(CALLS) - SPECIAL
    assert not unknown, (f"New mutating services {sorted(unknown)}: add a call to CALLS (it must write an "
                         "audit row) or, if read-only, to READ_ONLY.")
    assert not (set(CALLS) - found), f"listed but no longer found: {sorted(set(CALLS) - found)}"


def _rows(s: Session) -> dict[str, dict[str, str]]:
    """table -> primary key -> the row as JSON text (to see inserts, updates and deletes)."""
    out: dict[str, dict[str, str]] = {}
    for table in Base.metadata.sorted_tables:
        if table.name in PARTS:
            continue
        pk = [c.name for c in table.primary_key.columns]
        rows = {}
        for row in s.execute(select(table)).mappings():
            key = "/".join(str(row[c]) for c in pk)
            rows[key] = json.dumps({k: str(v) for k, v in row.items()}, sort_keys=True)
        out[table.name] = rows
    return out


def _changed(before, after) -> set[tuple[str, str]]:
    changed = set()
    for table, rows in after.items():
        old = before.get(table, {})
        for key in set(rows) | set(old):
            if rows.get(key) != old.get(key):
                changed.add((table, key))
    return changed


@pytest.mark.parametrize("service", sorted(CALLS))
def test_service_audits_every_entity_it_changes(db_url, tmp_path, service):
    from core.auth import actor_from_user

    prepare, call = CALLS[service]
    with unit_of_work(db_url) as s:
        actors = {u.username: actor_from_user(s, u) for u in s.scalars(select(User))}
        ctx = prepare(s, actors)
    ctx["tmp"] = tmp_path / "cadangan"
    with unit_of_work(db_url) as s:
        last = s.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1)) or 0
        before = _rows(s)
    started = utcnow() - dt.timedelta(seconds=5)
    with unit_of_work(db_url) as s:
        username = call(s, actors, ctx)
    with unit_of_work(db_url) as s:
        after = _rows(s)
        new = s.scalars(select(AuditLog).where(AuditLog.id > last).order_by(AuditLog.id)).all()
    mine = [a for a in new if a.actor_username == username]
    assert mine, f"{service} wrote no audit row by {username}"
    for a in mine:
        assert a.at is not None and a.at >= started, f"{service}: audit row without its time"
        assert a.action and a.entity, f"{service}: audit row without action/entity"
        assert a.before is not None or a.after is not None, f"{service}: {a.action} without before/after"
        if a.actor_id is not None:
            assert a.actor_id == actors[username].user_id
    named = {(ENTITY_TABLES.get(a.entity, a.entity), str(a.entity_id)) for a in new}
    unaudited = sorted(c for c in _changed(before, after) - named)
    assert not unaudited, f"{service} changed rows without an audit row naming them: {unaudited}"
    RESULTS["services"].append(service)
    RESULTS["audit_rows"] += len(new)


def test_restore_is_audited_in_the_restored_database(db_url, actors, tmp_path):
    path = backup.make_backup(db_url, actors["admin"], tmp_path / "cadangan")
    backup.restore_backup(path, db_url, actors["admin"], safety_backup=False)
    with unit_of_work(db_url) as s:
        row = s.scalars(select(AuditLog).where(AuditLog.action == "backup.restore")).one()
    assert row.actor_username == "admin" and row.at is not None and row.after["sha256"]
    RESULTS["services"].append("backup.restore.restore_backup")


def test_uploaded_restore_is_audited_in_the_restored_database(db_url, actors, tmp_path):
    path = backup.make_backup(db_url, actors["admin"], tmp_path / "cadangan")
    backup.restore_uploaded_backup(path.read_bytes(), path.name, db_url, actors["admin"], safety_backup=False)
    with unit_of_work(db_url) as s:
        row = s.scalars(select(AuditLog).where(AuditLog.action == "backup.restore")).one()
    assert row.actor_username == "admin" and row.at is not None and row.after["sha256"]
    assert row.entity_id.startswith("kinerja-unggahan-")
    RESULTS["services"].append("backup.restore.restore_uploaded_backup")


def teardown_module(module):
    out = ROOT / "test-artifacts"
    out.mkdir(exist_ok=True)
    (out / "audit_completeness.json").write_text(json.dumps(
        {"services": sorted(set(RESULTS["services"])), "count": len(set(RESULTS["services"])),
         "audit_rows": RESULTS["audit_rows"]}, indent=2))
