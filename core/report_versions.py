"""The versions of a round's report as the pages read them: lines, files, corrections, differences.

The versions are made by the step modules (core.steps.penyusunan, koreksi, dokumentasi); this module
only reads them. Field names and labels of a report line live here, for the correction form and the
differences between versions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Optional

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core import achievement as ach
from core import fmt
from core.actor import Actor
from core.entry import readable_submission
from core.errors import InvalidInput, NotAllowed, NotFound
from core.permissions import read_scope, require_office
from core.states import report_kind_label
from db.models import (
    AuditLog,
    BudgetRealization,
    CollectionRound,
    Correction,
    Indicator,
    Realization,
    Report,
    ReportFile,
    User,
)

# Line fields that hold numbers (as strings); a proposed value for them must be a number.
NUMERIC_FIELDS = frozenset({
    "target_tahunan", "target_tw", "target_ytd", "realisasi_tw", "realisasi_ytd", "capaian_tw", "capaian_ytd",
    "pagu", "serapan_tw", "serapan_ytd",
})
FIXED_FIELDS = frozenset({"key", "type"})
FIELD_LABELS = {
    "sasaran": "Sasaran", "code": "Kode", "name": "Indikator", "satuan": "Satuan", "unit": "Unit",
    "target_tahunan": "Target tahunan", "target_tw": "Target TW", "target_ytd": "Target s.d. TW",
    "realisasi_tw": "Realisasi TW", "realisasi_ytd": "Realisasi s.d. TW", "capaian_tw": "Capaian TW (%)",
    "capaian_ytd": "Capaian s.d. TW (%)", "predikat": "Predikat", "kendala": "Kendala",
    "faktor_pendorong": "Faktor pendorong",
    "tindak_lanjut": "Tindak lanjut", "program": "Program", "kegiatan": "Kegiatan",
    "sub_kegiatan": "Sub kegiatan", "pagu": "Pagu", "serapan_tw": "Serapan TW (%)",
    "serapan_ytd": "Serapan s.d. TW (%)", "alasan_tidak_diukur": "Alasan tidak diukur",
    # shown in the differences between versions only (never a correction's Kolom)
    "sasaran_code": "Kode sasaran", "iku": "IKU", "polarity": "Polaritas", "combine": "Penggabungan triwulan",
    "capaian_tw_reason": "Keterangan capaian TW",
    # the footer of the Renja evaluation (E.81), line CATATAN: set at step 5, correctable at step 7
    "faktor_penghambat": "Faktor penghambat",
    "tindak_lanjut_tw": "Tindak lanjut triwulan berikutnya", "tindak_lanjut_renja": "Tindak lanjut Renja berikutnya",
    # the E.81 figures of a line (differences between versions only)
    "real_q": "Realisasi TW I–IV", "renstra_target": "Target Renstra", "renstra_years": "Realisasi tahun Renstra",
    "renstra_prev": "Realisasi Renstra s.d. tahun lalu", "renstra_prev_missing": "Tahun tanpa realisasi",
    "renja_level": "Tingkat Renja", "budget_codes": "Kode DPA terkait", "end_pagu": "Pagu akhir Renstra",
    "spent_prev": "Realisasi anggaran Renstra s.d. tahun lalu", "spent_prev_missing": "Tahun tanpa realisasi anggaran",
    "period": "Periode Renstra", "start_year": "Tahun awal Renstra", "end_year": "Tahun akhir Renstra",
}
CATATAN_KEY = "CATATAN"
CATATAN_LABEL = "Catatan Evaluasi Hasil Renja (E.81)"
COMPILED_NOTE = "Dihimpun ulang dari isian unit kerja."


# --- reading -------------------------------------------------------------------------------


def get_report(session: Session, report_id: int) -> Report:
    rep = session.get(Report, report_id)
    if rep is None:
        raise NotFound("Laporan tidak ditemukan.")
    return rep


def latest_report(session: Session, round_id: int) -> Optional[Report]:
    return session.scalar(select(Report).where(Report.round_id == round_id).order_by(Report.version.desc()))


def open_corrections(session: Session, round_id: int) -> list[Correction]:
    return list(session.scalars(
        select(Correction).join(Report, Correction.report_id == Report.id)
        .where(Report.round_id == round_id, Correction.resolved.is_(False)).order_by(Correction.id)))


def line_label(line: dict[str, Any]) -> str:
    if line.get("type") == "catatan":
        return CATATAN_LABEL
    if line.get("type") == "renstra":
        return "Data Renstra (E.81)"
    if line.get("type") == "indikator":
        return f"{line.get('code', '')} — {line.get('name', '')}"
    return f"{line.get('code', '')} — {line.get('sub_kegiatan', '')}"


def _round_office(session: Session, round_id: int) -> Optional[int]:
    return session.scalar(select(CollectionRound.office_id).where(CollectionRound.id == round_id))


def _readable_report(session: Session, actor: Actor, report_id: int) -> Report:
    rep = get_report(session, report_id)
    require_office(actor, _round_office(session, rep.round_id))
    return rep


def versions(session: Session, actor: Actor, round_id: int) -> pd.DataFrame:
    """Every report version of the round, oldest first."""
    require_office(actor, _round_office(session, round_id))
    users = {u.id: u.full_name for u in session.scalars(select(User))}
    rows = []
    for r in session.scalars(select(Report).where(Report.round_id == round_id).order_by(Report.version)):
        rows.append({
            "report_id": r.id, "version": r.version, "kind": r.kind, "kind_label": report_kind_label(r.kind),
            "created_at": r.created_at, "created_by": users.get(r.created_by_id, ""), "note": r.note,
            "files": len(r.files), "corrections": len(r.corrections),
            "open_corrections": sum(1 for c in r.corrections if not c.resolved),
        })
    return pd.DataFrame(rows, columns=["report_id", "version", "kind", "kind_label", "created_at", "created_by",
                                       "note", "files", "corrections", "open_corrections"])


def report_files(session: Session, report_id: int) -> list[ReportFile]:
    return list(get_report(session, report_id).files)


@dataclass(frozen=True)
class FileItem:
    name: str
    media_type: str
    size: int
    sha256: str
    content: bytes


def report_file_items(session: Session, actor: Actor, report_id: int) -> list[FileItem]:
    """The report's files as plain data (for download buttons).

    A final (documented) report is what the office publishes: every account of the office reads it. A draft
    or correction version is working material with every unit's data: only the roles that read every unit
    (core.permissions.read_scope) read it."""
    rep = get_report(session, report_id)
    scope = read_scope(session, actor, rep.round.office_id)
    if scope.other_office:
        raise NotAllowed("Laporan ini milik perangkat daerah lain.")
    if rep.kind != "final" and not scope.all_units:
        raise NotAllowed("Draf laporan memuat data seluruh unit kerja; Anda hanya dapat mengunduh laporan "
                         "final yang sudah didokumentasikan.")
    return [FileItem(f.name, f.media_type, f.size, f.sha256, f.content) for f in rep.files]


def file_label(name: str) -> str:
    """What a report file is, for its download button: "Laporan Capaian Kinerja — Excel", "Evaluasi Hasil
    Renja (E.81) — PDF"."""
    kind = {"xlsx": "Excel", "pdf": "PDF", "zip": "ZIP"}.get(name.rsplit(".", 1)[-1].lower(), "Berkas")
    what = "Evaluasi Hasil Renja (E.81)" if name.startswith("evaluasi-renja") else "Laporan Capaian Kinerja"
    return f"{what} — {kind}"


PERCENT_FIELDS = frozenset({"capaian_tw", "capaian_ytd", "serapan_tw", "serapan_ytd"})


def display_value(field: str, value: Any, line_type: str = "indikator") -> str:
    """A line value as the users read it: 1.234,5 · 85,00 % · Rp 1.250.000; text as it is."""
    if value is None or value == "":
        return "–"
    if field in _AMOUNT_LISTS:  # quarterly values, by year, by DPA code: each as a number
        money = line_type == "anggaran" or field in ("end_pagu", "spent_prev")
        items = value.items() if isinstance(value, dict) else enumerate(value)
        shown = [_item(v, money) if isinstance(value, list) else f"{k}: {_item(v, money)}" for k, v in items]
        return "; ".join(shown) or "–"
    if isinstance(value, dict):  # years without a figure, by DPA code
        return "; ".join(f"{k}: {display_value('', v)}" for k, v in value.items()) or "–"
    if isinstance(value, (list, tuple)):  # years, DPA codes
        return ", ".join(str(v) for v in value) or "–"
    if field in NUMERIC_FIELDS:
        number = ach.to_decimal(value)
        if number is None:
            return str(value)
        if field in PERCENT_FIELDS:
            return fmt.percent(number)
        if line_type == "anggaran":
            return fmt.money(number)
        return fmt.number(number)
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    return str(value)


_AMOUNT_LISTS = {"real_q", "renstra_years", "end_pagu", "spent_prev"}


def _item(value: Any, money: bool) -> str:
    number = ach.to_decimal(value) if value is not None else None
    if number is None:
        return "–" if value is None else str(value)
    return fmt.money(number) if money else fmt.number(number)


def lines_table(session: Session, actor: Actor, report_id: int) -> pd.DataFrame:
    """The report's lines as a recap table (indicator lines first, then budget lines)."""
    rep = _readable_report(session, actor, report_id)
    rows = []
    for line in rep.lines:
        if line.get("type") == "renstra":
            continue  # figures of the E.81, not a line a person reads or corrects
        if line.get("type") == "catatan":
            rows.append({"key": line["key"], "Jenis": "Catatan", "Kode": "E.81", "Uraian": CATATAN_LABEL,
                         "Satuan": "", "Target TW / pagu": "", "Realisasi TW": "", "Capaian / serapan TW": "",
                         "Predikat": "", "Kendala": line.get("faktor_penghambat", "")})
        elif line.get("type") == "indikator":
            rows.append({"key": line["key"], "Jenis": "Indikator", "Kode": line.get("code"),
                         "Uraian": line.get("name"), "Satuan": line.get("satuan", ""),
                         "Target TW / pagu": display_value("target_tw", line.get("target_tw")),
                         "Realisasi TW": display_value("realisasi_tw", line.get("realisasi_tw")),
                         "Capaian / serapan TW": display_value("capaian_tw", line.get("capaian_tw")),
                         "Predikat": line.get("predikat", ""), "Kendala": line.get("kendala", "")})
        else:
            rows.append({"key": line["key"], "Jenis": "Anggaran", "Kode": line.get("code"),
                         "Uraian": line.get("sub_kegiatan"), "Satuan": "Rp",
                         # the year's pagu, the figure a quarter's spending is measured against (serapan)
                         "Target TW / pagu": display_value("pagu", line.get("pagu"), "anggaran"),
                         "Realisasi TW": display_value("realisasi_tw", line.get("realisasi_tw"), "anggaran"),
                         "Capaian / serapan TW": display_value("serapan_tw", line.get("serapan_tw"), "anggaran"),
                         "Predikat": "", "Kendala": ""})
    return pd.DataFrame(rows, columns=["key", "Jenis", "Kode", "Uraian", "Satuan", "Target TW / pagu", "Realisasi TW",
                                       "Capaian / serapan TW", "Predikat", "Kendala"])


def line_fields(session: Session, actor: Actor, report_id: int, line_key: str) -> list[str]:
    """The fields of one line whose value a correction can change (the unit's entered data)."""
    rep = _readable_report(session, actor, report_id)
    line = next((ln for ln in rep.lines if ln.get("key") == line_key), None)
    if line is None:
        return []
    return correctable_fields(line)


def line_text(session: Session, actor: Actor, report_id: int, line_key: str, field: str) -> str:
    """The text a line of the report holds in a text field (kendala, faktor penghambat…), to start a proposed
    correction from; "" for a number field, an unknown line or field."""
    if not field or field in NUMERIC_FIELDS:
        return ""
    rep = _readable_report(session, actor, report_id)
    line = next((ln for ln in rep.lines if ln.get("key") == line_key), None)
    value = (line or {}).get(field)
    return value if isinstance(value, str) else ""


def proposed_label(value: str, field: str = "realisasi_tw") -> str:
    """A proposed value as the report shows numbers (3,9; 1.250,5), or what an empty one means."""
    if not value:
        return "(dihitung ulang dari data unit)"
    d = ach.to_decimal(value) if field in NUMERIC_FIELDS else None
    if d is None:
        return value
    return fmt.number(d, max(0, -d.as_tuple().exponent))


def corrections_table(session: Session, actor: Actor, round_id: int) -> pd.DataFrame:
    require_office(actor, _round_office(session, round_id))
    reports = {r.id: r for r in session.scalars(select(Report).where(Report.round_id == round_id))}
    found = list(session.scalars(select(Correction).where(Correction.report_id.in_(list(reports) or [0]))
                                 .order_by(Correction.id)))
    authors = {c.author_id for c in found if c.author_id}  # their names only, not every user of the regency
    users = dict(session.execute(select(User.id, User.full_name).where(User.id.in_(authors))).all()) if authors else {}
    rows = []
    for c in found:
        applied = reports.get(c.applied_in_report_id) if c.applied_in_report_id else None
        rows.append({
            "correction_id": c.id, "report_version": reports[c.report_id].version, "line_key": c.line_key,
            "field": c.field, "note": c.note, "proposed_value": c.proposed_value,
            "author": users.get(c.author_id, ""), "created_at": c.created_at, "resolved": c.resolved,
            "applied_in_version": applied.version if applied else None,
            "field_label": FIELD_LABELS.get(c.field, c.field) if c.field else "(seluruh baris)",
            "status_label": f"Diterapkan pada versi {applied.version}" if applied else "Terbuka",
            "proposed_label": proposed_label(c.proposed_value, c.field),
        })
    return pd.DataFrame(rows, columns=["correction_id", "report_version", "line_key", "field", "note",
                                       "proposed_value", "author", "created_at", "resolved", "applied_in_version",
                                       "field_label", "status_label", "proposed_label"])


@dataclass(frozen=True)
class CorrectedValue:
    """One value of a unit's data that a correction (step 7, or a reissue) changed, for the unit to see."""

    kind: str  # indikator / anggaran
    code: str  # indicator code or budget line code
    name: str
    field: str
    field_label: str
    before: str  # Indonesian-formatted (3,71; Rp 1.250.000; text as written; "–" when empty)
    after: str
    note: str
    author: str
    applied_at: dt.datetime  # UTC, as every stored moment


_ATTR_FIELDS = {"value": "realisasi_tw", "kendala": "kendala", "faktor_pendorong": "faktor_pendorong", "tindak_lanjut": "tindak_lanjut",
                "not_measured_reason": "alasan_tidak_diukur", "amount": "realisasi_tw"}


def _shown(attr: str, value: Any) -> str:
    if value is None or value == "":
        return "–"
    if attr == "amount":
        return fmt.money(ach.to_decimal(value))
    if attr == "value":
        d = ach.to_decimal(value)
        return fmt.number(d, 4) if d is not None else str(value)
    return str(value)


def corrections_of_submission(session: Session, actor: Actor, submission_id: int) -> list[CorrectedValue]:
    """Which of the submission's values were changed by a correction, oldest first (read from the audit
    rows those changes wrote, so the before value is the one the row really held)."""
    sub = readable_submission(session, actor, submission_id)
    reals = {r.id: r for r in session.scalars(select(Realization).where(Realization.submission_id == sub.id))}
    budget = {b.id: b for b in session.scalars(select(BudgetRealization)
                                               .where(BudgetRealization.submission_id == sub.id))}
    wanted = [(AuditLog.entity == "realization") & AuditLog.entity_id.in_([str(i) for i in reals])] if reals else []
    if budget:
        wanted.append((AuditLog.entity == "budget_realization") & AuditLog.entity_id.in_([str(i) for i in budget]))
    if not wanted:
        return []
    rows = list(session.scalars(select(AuditLog).where(
        AuditLog.action.in_(("realization.correct", "budget_realization.correct")), or_(*wanted))
        .order_by(AuditLog.id)))
    inds = {i.id: i for i in session.scalars(select(Indicator).where(
        Indicator.id.in_({r.indicator_id for r in reals.values()})))} if reals else {}
    out = []
    for a in rows:
        after = a.after or {}
        before = a.before or {}
        reason = after.get("reason") or {}
        field = after.get("field", "")
        if a.entity == "realization":
            ind = inds.get(reals[int(a.entity_id)].indicator_id)
            kind, code, name = "indikator", ind.code if ind else "", ind.name if ind else ""
        else:
            bl = budget[int(a.entity_id)].budget_line
            kind, code, name = "anggaran", bl.code, bl.sub_kegiatan
        entered = ENTERED_FIELDS[kind]
        attr = entered.get(field) or next((k for k in after if k in _ATTR_FIELDS), "")
        out.append(CorrectedValue(
            kind=kind, code=code, name=name, field=field, field_label=FIELD_LABELS.get(field, field),
            before=_shown(attr, before.get(attr)), after=_shown(attr, after.get(attr)),
            note=reason.get("note", ""), author=reason.get("author", ""), applied_at=a.at))
    return out


# --- building versions ---------------------------------------------------------------------


# --- what a correction may change ---------------------------------------------------------------


def diff_versions(session: Session, actor: Actor, report_id_a: int, report_id_b: int) -> pd.DataFrame:
    """What changed between two versions, line by line, with the correction note that caused it."""
    a, b = _readable_report(session, actor, report_id_a), _readable_report(session, actor, report_id_b)
    if a.round_id != b.round_id:
        raise InvalidInput("Kedua versi yang dibandingkan harus dari pengumpulan data yang sama.")
    lo, hi = sorted((a.version, b.version))
    between = {r.id for r in session.scalars(select(Report).where(
        Report.round_id == a.round_id, Report.version > lo, Report.version <= hi))}
    notes: dict[tuple[str, str], list[str]] = {}
    for c in session.scalars(select(Correction).where(Correction.applied_in_report_id.in_(list(between) or [0]))
                             .order_by(Correction.id)):
        notes.setdefault((c.line_key, c.field), []).append(c.note)
    before_lines = {ln["key"]: ln for ln in a.lines}
    after_lines = {ln["key"]: ln for ln in b.lines}
    rows = []
    for key in list(before_lines) + [k for k in after_lines if k not in before_lines]:
        old, new = before_lines.get(key, {}), after_lines.get(key, {})
        label = line_label(new or old)
        for field in list(old) + [f for f in new if f not in old]:
            if field in FIXED_FIELDS or old.get(field) == new.get(field):
                continue
            note = notes.get((key, field)) or notes.get((key, "")) or [
                n for (k, _f), ns in notes.items() if k == key for n in ns]
            if not note and key == CATATAN_KEY and (new or old).get("type") == "catatan":
                note = [COMPILED_NOTE]  # the footer follows the units' entries a correction changed
            kind = (new or old).get("type", "indikator")
            rows.append({"line": key, "line_label": label, "field": field,
                         "field_label": FIELD_LABELS.get(field, field), "before": old.get(field),
                         "after": new.get(field), "note": "; ".join(note),
                         "before_label": display_value(field, old.get(field), kind),
                         "after_label": display_value(field, new.get(field), kind)})
    return pd.DataFrame(rows, columns=["line", "line_label", "field", "field_label", "before", "after", "note",
                                       "before_label", "after_label"])


# --- documentation and the archive ---------------------------------------------------------


# --- the archive list and its verification -------------------------------------------------


# --- who downloads what of an archive ------------------------------------------------------------
#
# The bundle on disk is the whole round, immutable and hashed. The roles that read every unit
# (core.permissions.read_scope) download it as it is. Every other account of the office downloads its
# unit's part, cut from that same bundle (so it says what was documented, not what the data says now):
# the published report (laporan/), the round's own history (langkah, versi laporan), and of the unit data,
# evidence, reviews, reviewer comments and corrections only the rows and files of the actor's units.
# A member this code does not know is left out of a unit part (fail closed).


# Line fields that are entered data, per line type -> the attribute of the row that holds them
# (Realization for an indicator line, BudgetRealization for a budget line). A proposed value for one
# of them amends that row when the correction is applied.
ENTERED_FIELDS: dict[str, dict[str, str]] = {
    "indikator": {"realisasi_tw": "value", "faktor_pendorong": "faktor_pendorong", "kendala": "kendala",
                  "tindak_lanjut": "tindak_lanjut",
                  "alasan_tidak_diukur": "not_measured_reason"},
    "anggaran": {"realisasi_tw": "amount"},
    # the E.81 footer: the round's own columns (CollectionRound)
    "catatan": {"faktor_pendorong": "faktor_pendorong", "faktor_penghambat": "faktor_penghambat",
                "tindak_lanjut_tw": "tindak_lanjut_tw", "tindak_lanjut_renja": "tindak_lanjut_renja"},
}


# Computed from the realisations (and targets / pagu) every time a version is built.
DERIVED_FIELDS = frozenset({"realisasi_ytd", "capaian_tw", "capaian_ytd", "predikat", "serapan_tw",
                            "serapan_ytd"})


def correctable_fields(line: dict[str, Any]) -> list[str]:
    """The fields of a line whose value a correction can change (entered data), in the line's order."""
    entered = ENTERED_FIELDS.get(line.get("type", "indikator"), {})
    return [k for k in line if k in entered]
