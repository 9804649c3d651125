"""Jejak Audit reads as the office reads it: Indonesian action names for every action the app records, times
and day filters in the office's time zone (WIB), and field-by-field changes instead of JSON — for audit rows
written by the real services, on SQLite and PostgreSQL; and the page under AppTest."""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from core import audit, audit_view, evidence, fmt, masterdata, states
from core.audit_view import AuditFilter
from core.auth import actor_for
from core.steps import isi_data, pengolahan
from core.uow import unit_of_work
from db.models import BudgetRealization, Indicator, Realization
from tests import factories
from tests.apptest import logged_in

ROOT = Path(__file__).resolve().parent.parent


# --- every action code has an Indonesian name ---------------------------------------------------------


class _Codes:
    """The action codes of every audit.record call in a module, followed through the simple ways the services
    pass them: a literal, `a if c else b`, an f-string over a parameter, a local variable, or a parameter of
    the enclosing function whose callers pass literals (callers in the same module, or in a module that
    imports the function by name, e.g. the modules of a package calling a helper of its common module)."""

    def __init__(self, path: Path, scans: list[_Codes] | None = None) -> None:
        self.path = path
        self.module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        self.scans = scans if scans is not None else [self]  # every module scanned, for the callers
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.imported = {(node.module, alias.asname or alias.name) for node in ast.walk(self.tree)
                         if isinstance(node, ast.ImportFrom) for alias in node.names}
        self.parents: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
        self.unresolved: list[str] = []

    def _function(self, node: ast.AST):
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return node
        return None

    def _calls_to(self, name: str):
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call):
                f = node.func
                if (isinstance(f, ast.Name) and f.id == name) or (isinstance(f, ast.Attribute) and f.attr == name):
                    yield node

    def _param(self, fn, name: str):
        """(module scan, expression) of every expression passed to parameter `name` of `fn` by the calls in
        this module and in the modules that import `fn` from it."""
        params = [a.arg for a in fn.args.args]
        index = params.index(name)
        callers = [s for s in self.scans if s is self or (self.module, fn.name) in s.imported]
        for scan in callers:
            for call in scan._calls_to(fn.name):
                kw = next((k.value for k in call.keywords if k.arg == name), None)
                if kw is not None:
                    yield scan, kw
                elif index < len(call.args):
                    yield scan, call.args[index]
                elif fn.args.defaults and index >= len(params) - len(fn.args.defaults):
                    yield self, fn.args.defaults[index - (len(params) - len(fn.args.defaults))]

    def resolve(self, expr: ast.AST, depth: int = 0) -> set[str]:
        where = f"{self.path.relative_to(ROOT)}:{getattr(expr, 'lineno', '?')}"
        if depth > 5:
            self.unresolved.append(where)
            return set()
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return {expr.value}
        if isinstance(expr, ast.IfExp):
            return self.resolve(expr.body, depth + 1) | self.resolve(expr.orelse, depth + 1)
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) \
                and isinstance(getattr(states, expr.value.id, None), type):  # a core.states enum member
            return {str(getattr(getattr(states, expr.value.id), expr.attr))}
        if isinstance(expr, ast.JoinedStr):
            out = {""}
            for part in expr.values:
                inner = self.resolve(part.value if isinstance(part, ast.FormattedValue) else part, depth + 1)
                out = {a + b for a in out for b in inner}
            return out
        if isinstance(expr, ast.Name):
            fn = self._function(expr)
            if fn is not None:
                found: set[str] = set()
                for node in ast.walk(fn):
                    if isinstance(node, ast.Assign):
                        for target in node.targets:
                            if isinstance(target, ast.Name) and target.id == expr.id:
                                found |= self.resolve(node.value, depth + 1)
                            elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                                for t, v in zip(target.elts, node.value.elts):
                                    if isinstance(t, ast.Name) and t.id == expr.id:
                                        found |= self.resolve(v, depth + 1)
                if found:
                    return found
                if expr.id in [a.arg for a in fn.args.args]:
                    out: set[str] = set()
                    for scan, passed in self._param(fn, expr.id):
                        out |= scan.resolve(passed, depth + 1)
                    if out:
                        return out
        self.unresolved.append(where)
        return set()

    def codes(self) -> set[str]:
        out: set[str] = set()
        for call in ast.walk(self.tree):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "record"
                    and isinstance(call.func.value, ast.Name) and call.func.value.id == "audit"):
                continue
            action = next((k.value for k in call.keywords if k.arg == "action"), None)
            if action is None and len(call.args) > 2:
                action = call.args[2]
            if action is None:
                self.unresolved.append(f"{self.path.relative_to(ROOT)}:{call.lineno}")
                continue
            out |= self.resolve(action)
        return out


def recorded_actions() -> tuple[set[str], list[str]]:
    codes: set[str] = set()
    unresolved: list[str] = []
    scans: list[_Codes] = []
    for path in sorted([*(ROOT / "core").rglob("*.py"), *(ROOT / "db").rglob("*.py")]):
        scans.append(_Codes(path, scans))
    for scan in scans:
        codes |= scan.codes()
    for scan in scans:  # a module's expressions are resolved while scanning the modules they are passed to
        unresolved += scan.unresolved
    return codes, unresolved


def test_every_action_the_app_records_has_an_indonesian_name():
    codes, unresolved = recorded_actions()
    assert not unresolved, f"kode tindakan audit yang tidak dapat dibaca dari sumbernya: {unresolved}"
    # the scan finds the codes built from variables and f-strings too
    assert {"round.close", "correction.apply", "unit.deactivate", "user.activate", "report.final",
            "realization.correct", "budget_realization.correct", "seed.demo"} <= codes
    missing = sorted(codes - set(audit_view.ACTION_LABELS))
    assert not missing, f"tindakan tanpa nama Indonesia di core.audit_view.ACTION_LABELS: {missing}"


def test_action_names_are_distinct_and_unknown_codes_show_as_themselves():
    names = list(audit_view.ACTION_LABELS.values())
    assert len(names) == len(set(names)), "two actions would look the same in the filter"
    for code in ("auth.logout", "auth.sessions_revoked", "auth.lockout_lifted", "backup.restore_forced"):
        assert code in audit_view.ACTION_LABELS
    assert audit_view.action_label("auth.logout") == "Keluar"
    assert audit_view.action_label("backup.restore_forced") == "Pemulihan cadangan dipaksa"
    assert audit_view.action_label("something.new") == "something.new"


# --- field-by-field changes of rows the services wrote -------------------------------------------------


def newest(session, actor, action: str) -> dict:
    df = audit_view.entries(session, actor, AuditFilter(action=action))
    assert len(df), f"no audit row {action}"
    return df.iloc[0].to_dict()


def test_saved_realisation_reads_field_by_field_with_indonesian_numbers(session, actors):
    rnd = factories.make_round(session, at="isi_data", state="draf", factor=Decimal(1))
    sub = factories.submission_of(session, rnd, "BID-LATTAS")
    real = session.scalars(select(Realization).where(Realization.submission_id == sub.id)
                           .order_by(Realization.indicator_id)).first()
    old, ind_id = real.value, real.indicator_id
    assert real.kendala == ""
    isi_data.save_entries(session, actors["kabid_lattas"], sub.id,
                       {ind_id: {"Realisasi TW": "1.234,5", "Kendala": "Cuaca buruk"}})
    session.commit()
    row = newest(session, actors["admin"], "realization.save")
    assert row["Tindakan"] == "Realisasi indikator disimpan" and row["Kode tindakan"] == "realization.save"
    assert row["Entitas"] == "Realisasi indikator"
    # the version the save bumped is bookkeeping, kept in the JSON only
    assert row["Perubahan"] == f"Realisasi TW: {fmt.number(old, 4)} → 1.234,5; Kendala: – → Cuaca buruk"
    assert '"version"' in row["Sesudah (JSON)"]


def test_budget_realisation_reads_in_rupiah(session, actors):
    rnd = factories.make_round(session, at="isi_data", state="draf")
    sub = factories.submission_of(session, rnd, "BID-LATTAS")
    br = session.scalars(select(BudgetRealization).where(BudgetRealization.submission_id == sub.id)
                         .order_by(BudgetRealization.budget_line_id)).first()
    old = br.amount
    isi_data.save_budget(session, actors["kabid_lattas"], sub.id, {br.budget_line_id: "300.000.000"})
    session.commit()
    row = newest(session, actors["admin"], "budget_realization.save")
    assert row["Perubahan"] == f"Realisasi anggaran TW: {fmt.money(old)} → Rp 300.000.000"


def test_return_names_the_state_in_indonesian_and_the_reason(session, actors):
    rnd = factories.make_round(session, at="pengolahan", state="diajukan")
    sub = factories.submission_of(session, rnd, "BID-LATTAS")
    pengolahan.return_submission(session, actors["penyusun"], sub.id, "Realisasi IK-03 belum sesuai.")
    session.commit()
    row = newest(session, actors["kadis"], "submission.return")
    assert row["Tindakan"] == "Data dikembalikan"
    assert row["Perubahan"] == "Status: Diajukan → Dikembalikan; Alasan: Realisasi IK-03 belum sesuai."
    # text search reads the readable text too
    found = audit_view.entries(session, actors["kadis"], AuditFilter(text="diajukan → dikembalikan"))
    assert list(found["Kode tindakan"]) == ["submission.return"]


def test_created_and_deleted_records_and_passwords(session, actors):
    admin = actors["admin"]
    lattas = factories.unit(session, "BID-LATTAS")
    uid = masterdata.create_user(session, admin, username="budi", full_name="Budi Santoso", password="Rahasia-2026!",
                                 role="jft", unit_id=lattas.id, jabatan="Pranata Komputer")
    masterdata.reset_password(session, admin, uid, "Sandi-Baru-2026!")
    session.commit()
    created = newest(session, admin, "user.create")
    assert created["Tindakan"] == "Pengguna ditambahkan"
    assert created["Perubahan"] == ("dibuat: Nama pengguna: budi; Nama lengkap: Budi Santoso; NIP: –; "
                                    "Jabatan: Pranata Komputer; Pangkat/golongan: –; Surel: –; Nomor ponsel: –; "
                                    f"Peran: Jabatan Fungsional Tertentu; Unit kerja: {lattas.name}; Aktif: ya")
    reset = newest(session, admin, "user.reset_password")
    assert reset["Perubahan"] == "Kata sandi: *** → *** (disetel ulang oleh administrator)"
    assert "Rahasia" not in audit_view.to_csv(audit_view.entries(session, admin)).decode("utf-8-sig")

    rnd = factories.make_round(session, at="isi_data", state="draf")
    sub = factories.submission_of(session, rnd, "BID-LATTAS")
    kabid = actors["kabid_lattas"]
    ind = session.scalar(select(Indicator).where(Indicator.owner_unit_id == lattas.id).order_by(Indicator.id))
    ev = evidence.store_evidence(session, kabid, sub.id, ind.id, "daftar-hadir.pdf", factories.PDF)
    session.commit()
    evidence.delete_evidence(session, kabid, ev.id)
    session.commit()
    deleted = newest(session, admin, "evidence.delete")
    assert deleted["Tindakan"] == "Bukti dukung dihapus"
    assert deleted["Perubahan"].startswith(f"dihapus: Data unit: {sub.id}; ")
    assert "Nama berkas: daftar-hadir.pdf" in deleted["Perubahan"]
    assert f"Ukuran (bita): {fmt.number(len(factories.PDF))}" in deleted["Perubahan"]
    assert "Diunggah oleh: kabid_lattas" in deleted["Perubahan"]
    uploaded = newest(session, admin, "evidence.upload")
    assert uploaded["Perubahan"].startswith("dibuat: ") and "Indikator" not in uploaded["Perubahan"]


def test_unknown_keys_and_actions_fall_back_to_their_names():
    text = audit_view.describe("plugin.thing", "gadget", {"colour": "merah", "kendala": ""},
                               {"colour": "biru", "kendala": "Hujan", "api_token": "abc"})
    assert text == "colour: merah → biru; Kendala: – → Hujan; api_token: ***"
    assert audit_view.describe("auth.locked", "user", None, {"locked_until": "2026-12-01T07:05:00"}) \
        == "Terkunci sampai: 1 Desember 2026 14.05 WIB"
    assert audit_view.describe("x.y", "z", None, None) == ""


# --- times and days in WIB ------------------------------------------------------------------------------


def _row_at(session, actor, moment_utc: dt.datetime, note: str) -> None:
    e = audit.record(session, actor, "sop.update", "sop_step", 1, before={"output": "lama"}, after={"output": note})
    e.at = moment_utc
    session.flush()


def test_days_are_office_days_and_times_are_wib(session, actors):
    admin = actors["admin"]
    _row_at(session, admin, dt.datetime(2026, 11, 30, 17, 0), "pagi")  # 00.00 WIB on 1 December
    _row_at(session, admin, dt.datetime(2026, 12, 1, 16, 30), "malam")  # 23.30 WIB on 1 December
    _row_at(session, admin, dt.datetime(2026, 12, 1, 17, 30), "dini hari")  # 00.30 WIB on 2 December
    session.commit()

    def outputs(start, end=None):
        df = audit_view.entries(session, admin, AuditFilter(start=start, end=end or start, action="sop.update"))
        return [p.split(" → ")[1] for p in df["Perubahan"]]

    assert outputs(dt.date(2026, 12, 1)) == ["malam", "pagi"]
    assert outputs(dt.date(2026, 12, 2)) == ["dini hari"]
    assert outputs(dt.date(2026, 11, 30)) == []
    assert outputs(dt.date(2026, 12, 1), dt.date(2026, 12, 2)) == ["dini hari", "malam", "pagi"]

    df = audit_view.entries(session, admin, AuditFilter(action="sop.update"))
    assert audit_view.time_column() == "Waktu (WIB)" and "Waktu (UTC)" not in df.columns
    assert list(df["Waktu (WIB)"][:3]) == [dt.datetime(2026, 12, 2, 0, 30), dt.datetime(2026, 12, 1, 23, 30),
                                          dt.datetime(2026, 12, 1, 0, 0)]
    assert df.iloc[0]["Tindakan"] == "Langkah SOP diubah" and df.iloc[0]["Entitas"] == "Langkah SOP"

    rows = list(csv.DictReader(io.StringIO(audit_view.to_csv(df).decode("utf-8-sig"))))
    assert list(rows[0]) == audit_view.columns()
    assert rows[0]["Waktu (WIB)"] == "02/12/2026 00:30:00" and rows[1]["Waktu (WIB)"] == "01/12/2026 23:30:00"
    assert rows[0]["Tindakan"] == "Langkah SOP diubah" and rows[0]["Kode tindakan"] == "sop.update"
    assert rows[0]["Perubahan"] == "Keluaran: lama → dini hari"


def test_the_time_column_follows_the_configured_zone(monkeypatch):
    from core.config import get_settings

    monkeypatch.setenv("KINERJA_TIMEZONE", "Asia/Jayapura")
    get_settings.cache_clear()
    try:
        assert audit_view.time_column() == "Waktu (WIT)"
        assert audit_view.local_time(dt.datetime(2026, 12, 1, 16, 30)) == dt.datetime(2026, 12, 2, 1, 30)
    finally:
        monkeypatch.delenv("KINERJA_TIMEZONE")
        get_settings.cache_clear()


# --- the page -------------------------------------------------------------------------------------------


def test_page_shows_indonesian_actions_wib_times_and_changes(sqlite_url):
    with unit_of_work(sqlite_url) as s:
        rnd = factories.make_round(s, at="pengolahan", state="diajukan")
        sub = factories.submission_of(s, rnd, "BID-LATTAS")
        pengolahan.return_submission(s, actor_for(s, "penyusun"), sub.id, "Lengkapi bukti IK-03.")
    at = logged_in("admin", "pages/jejak_audit.py")
    assert not at.exception, at.exception
    box = at.selectbox(key="audit_tindakan")
    assert "Data dikembalikan" in box.options and "submission.return" not in box.options
    assert box.options[0] == "(semua)"
    table = at.dataframe[0]
    assert list(table.proto.column_order) == audit_view.view_columns()
    assert "Waktu (WIB)" in table.value.columns and "Waktu (UTC)" not in table.value.columns
    first = table.value.iloc[0]
    assert first["Tindakan"] == "Data dikembalikan"
    assert first["Perubahan"] == "Status: Diajukan → Dikembalikan; Alasan: Lengkapi bukti IK-03."

    box.set_value("submission.return").run()
    assert not at.exception, at.exception
    assert set(at.dataframe[0].value["Tindakan"]) == {"Data dikembalikan"}
