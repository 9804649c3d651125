"""SOP steps 5–9: compile the draft, disseminate it, correct it in versions, hand it over, document it.

Every report is a new version (draf → koreksi … → final); nothing is overwritten. A correction changes
the data, not only the report: applying it writes the proposed value into the unit's Realization /
BudgetRealization, and every version is built from the data (report_doc.report_lines), so the report,
Rekap & Unduh and the archive's data snapshot always agree. Documenting a round
(step 9) writes one archive bundle per final version — report files, a data snapshot, the evidence
files and the round's history, with a manifest of SHA-256 checksums — and closes the round, after
which its data is read-only. A later correction is a reissue: a new final version with its own
archive, the old ones left byte-identical.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Optional

import pandas as pd
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from core import achievement as ach
from core import audit, exports, fmt, workflow
from core.actor import Actor
from core.config import get_settings
from core.entry import (
    _spent_before,  # the entry grid's pagu rule, one definition
    readable_submission,
)
from core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from core.parsing import parse_number, parse_text
from core.permissions import ReadScope, read_scope, require
from core.report_doc import build_report
from core.review import ensure_same_office
from db.models import (
    Archive,
    AuditLog,
    BudgetLine,
    BudgetRealization,
    CollectionRound,
    Correction,
    Indicator,
    OrgUnit,
    Realization,
    Report,
    ReportFile,
    ReviewComment,
    SopStep,
    StepRecord,
    Submission,
    User,
    utcnow,
)

KIND_LABELS = {"draf": "Draf", "koreksi": "Hasil koreksi", "final": "Final"}
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
    "tindak_lanjut": "Tindak lanjut", "program": "Program", "kegiatan": "Kegiatan",
    "sub_kegiatan": "Sub kegiatan", "pagu": "Pagu", "serapan_tw": "Serapan TW (%)",
    "serapan_ytd": "Serapan s.d. TW (%)", "alasan_tidak_diukur": "Alasan tidak diukur",
    # shown in the differences between versions only (never a correction's Kolom)
    "sasaran_code": "Kode sasaran", "iku": "IKU", "polarity": "Polaritas", "combine": "Penggabungan triwulan",
    "capaian_tw_reason": "Keterangan capaian TW",
}


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundStatus:
    """Where a round stands, for pages that show the actions of steps 4–9."""

    id: int
    year: int
    quarter: int
    title: str
    status: str
    step_number: int
    step_code: str
    step_name: str
    latest_report_id: Optional[int]
    latest_version: Optional[int]
    latest_kind: str
    open_corrections: int

    @property
    def is_open(self) -> bool:
        return self.status == "berjalan"


def round_status(session: Session, round_id: int) -> RoundStatus:
    from core.home import round_title

    rnd = workflow.get_round(session, round_id)
    step = session.scalar(select(SopStep).where(SopStep.number == rnd.current_step))
    latest = latest_report(session, round_id)
    return RoundStatus(
        id=rnd.id, year=rnd.year, quarter=rnd.quarter, title=round_title(rnd.year, rnd.quarter), status=rnd.status,
        step_number=rnd.current_step, step_code=step.code if step else "", step_name=step.short_name if step else "",
        latest_report_id=latest.id if latest else None, latest_version=latest.version if latest else None,
        latest_kind=latest.kind if latest else "", open_corrections=len(open_corrections(session, round_id)))


def current_round_id(session: Session, office_id: Optional[int]) -> Optional[int]:
    """The office's running round, newest first; None when no round is open."""
    if office_id is None:
        return None
    return session.scalar(select(CollectionRound.id).where(
        CollectionRound.office_id == office_id, CollectionRound.status == "berjalan")
        .order_by(CollectionRound.year.desc(), CollectionRound.quarter.desc()))


def documentable_rounds(session: Session, office_id: Optional[int]) -> list[RoundStatus]:
    """Rounds of the office that are documented and have a report (candidates for a reissue)."""
    if office_id is None:
        return []
    ids = session.scalars(select(CollectionRound.id).where(
        CollectionRound.office_id == office_id, CollectionRound.status == "selesai",
        CollectionRound.id.in_(select(Report.round_id))).order_by(CollectionRound.year.desc(),
                                                                   CollectionRound.quarter.desc()))
    return [round_status(session, i) for i in ids]


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
    if line.get("type") == "indikator":
        return f"{line.get('code', '')} — {line.get('name', '')}"
    return f"{line.get('code', '')} — {line.get('sub_kegiatan', '')}"


def versions(session: Session, round_id: int) -> pd.DataFrame:
    """Every report version of the round, oldest first."""
    users = {u.id: u.full_name for u in session.scalars(select(User))}
    rows = []
    for r in session.scalars(select(Report).where(Report.round_id == round_id).order_by(Report.version)):
        rows.append({
            "report_id": r.id, "version": r.version, "kind": r.kind, "kind_label": KIND_LABELS.get(r.kind, r.kind),
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


PERCENT_FIELDS = frozenset({"capaian_tw", "capaian_ytd", "serapan_tw", "serapan_ytd"})


def display_value(field: str, value: Any, line_type: str = "indikator") -> str:
    """A line value as the users read it: 1.234,5 · 85,00 % · Rp 1.250.000; text as it is."""
    if value is None or value == "":
        return "–"
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


def lines_table(session: Session, report_id: int) -> pd.DataFrame:
    """The report's lines as a recap table (indicator lines first, then budget lines)."""
    rep = get_report(session, report_id)
    rows = []
    for line in rep.lines:
        if line.get("type") == "indikator":
            rows.append({"key": line["key"], "Jenis": "Indikator", "Kode": line.get("code"),
                         "Uraian": line.get("name"), "Satuan": line.get("satuan", ""),
                         "Target TW": display_value("target_tw", line.get("target_tw")),
                         "Realisasi TW": display_value("realisasi_tw", line.get("realisasi_tw")),
                         "Capaian / serapan TW": display_value("capaian_tw", line.get("capaian_tw")),
                         "Predikat": line.get("predikat", ""), "Kendala": line.get("kendala", "")})
        else:
            rows.append({"key": line["key"], "Jenis": "Anggaran", "Kode": line.get("code"),
                         "Uraian": line.get("sub_kegiatan"), "Satuan": "Rp",
                         "Target TW": "Pagu " + display_value("pagu", line.get("pagu"), "anggaran"),
                         "Realisasi TW": display_value("realisasi_tw", line.get("realisasi_tw"), "anggaran"),
                         "Capaian / serapan TW": display_value("serapan_tw", line.get("serapan_tw"), "anggaran"),
                         "Predikat": "", "Kendala": ""})
    return pd.DataFrame(rows, columns=["key", "Jenis", "Kode", "Uraian", "Satuan", "Target TW", "Realisasi TW",
                                       "Capaian / serapan TW", "Predikat", "Kendala"])


def line_fields(session: Session, report_id: int, line_key: str) -> list[str]:
    """The fields of one line whose value a correction can change (the unit's entered data)."""
    rep = get_report(session, report_id)
    line = next((ln for ln in rep.lines if ln.get("key") == line_key), None)
    if line is None:
        return []
    return correctable_fields(line)


def proposed_label(value: str, field: str = "realisasi_tw") -> str:
    """A proposed value as the report shows numbers (3,9; 1.250,5), or what an empty one means."""
    if not value:
        return "(dihitung ulang dari data unit)"
    d = ach.to_decimal(value) if field in NUMERIC_FIELDS else None
    if d is None:
        return value
    return fmt.number(d, max(0, -d.as_tuple().exponent))


def corrections_table(session: Session, round_id: int) -> pd.DataFrame:
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


_ATTR_FIELDS = {"value": "realisasi_tw", "kendala": "kendala", "tindak_lanjut": "tindak_lanjut",
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


def _next_version(session: Session, round_id: int) -> int:
    return (session.scalar(select(func.max(Report.version)).where(Report.round_id == round_id)) or 0) + 1


def _store_report(session: Session, actor: Actor, rnd: CollectionRound, kind: str,
                  lines: Optional[list[dict[str, Any]]] = None, note: str = "") -> Report:
    version = _next_version(session, rnd.id)
    bundle = build_report(session, rnd.id, kind, version, lines)
    rep = Report(round_id=rnd.id, kind=kind, version=version, lines=copy.deepcopy(bundle.lines),
                 created_by_id=actor.user_id, created_at=utcnow(), note=note)
    session.add(rep)
    session.flush()
    for f in bundle.files:
        session.add(ReportFile(report_id=rep.id, name=f.name, media_type=f.media_type, content=f.content,
                               size=len(f.content), sha256=hashlib.sha256(f.content).hexdigest()))
    session.flush()
    session.refresh(rep, ["files"])
    audit.record(session, actor, f"report.{kind}", "report", rep.id,
                 after={"round_id": rnd.id, "kind": kind, "version": version, "note": note,
                        "files": {f.name: f.sha256 for f in rep.files}}, office_id=rnd.office_id)
    return rep


def _advance(session: Session, rnd: CollectionRound, actor: Actor, disposition: str, output_ref: str = "") -> None:
    before = {"current_step": rnd.current_step}
    workflow.advance(session, rnd, actor, disposition=disposition, output_ref=output_ref)
    audit.record(session, actor, "round.advance", "collection_round", rnd.id, before=before,
                 after={"current_step": rnd.current_step}, office_id=rnd.office_id)


def compile_draft(session: Session, actor: Actor, round_id: int, note: str = "") -> Report:
    """Step 5: the draft report from the accepted data; the round moves on to dissemination."""
    rnd = workflow.get_round(session, round_id, for_update=True)
    require(session, actor, "report.compile")
    ensure_same_office(actor, rnd)
    workflow.at_step(session, rnd, "penyusunan")
    rep = _store_report(session, actor, rnd, "draf", note=note or "Draf laporan capaian kinerja triwulan.")
    _advance(session, rnd, actor, "Draf laporan kinerja disusun.", f"Draf v{rep.version}")
    return rep


def send_to_planner(session: Session, actor: Actor, round_id: int, note: str = "") -> None:
    """Step 6: the Sekretaris disseminates the draft to the JFT Perencana, who corrects it (step 7)."""
    rnd = workflow.get_round(session, round_id, for_update=True)
    require(session, actor, "report.send")
    ensure_same_office(actor, rnd)
    workflow.at_step(session, rnd, "sosialisasi")
    rep = latest_report(session, round_id)
    if rep is None:
        raise Conflict("Belum ada draf laporan untuk disosialisasikan. Penyusun harus menyusun draf terlebih dahulu.")
    _advance(session, rnd, actor, note.strip() or "Draf laporan disampaikan kepada JFT Perencana Ahli Muda.",
             f"Draf v{rep.version}")


# --- what a correction may change ---------------------------------------------------------------

# Line fields that are entered data, per line type -> the attribute of the row that holds them
# (Realization for an indicator line, BudgetRealization for a budget line). A proposed value for one
# of them amends that row when the correction is applied.
ENTERED_FIELDS: dict[str, dict[str, str]] = {
    "indikator": {"realisasi_tw": "value", "kendala": "kendala", "tindak_lanjut": "tindak_lanjut",
                  "alasan_tidak_diukur": "not_measured_reason"},
    "anggaran": {"realisasi_tw": "amount"},
}
# Computed from the realisations (and targets / pagu) every time a version is built.
DERIVED_FIELDS = frozenset({"realisasi_ytd", "capaian_tw", "capaian_ytd", "predikat", "serapan_tw",
                            "serapan_ytd"})
# Everything else a line shows (targets, pagu, names, satuan, unit, sasaran) is master data (Data Induk).
_INDICATOR_ATTRS = ["value", "not_measured_reason", "kendala", "tindak_lanjut", "version"]
_BUDGET_ATTRS = ["amount", "version"]


def correctable_fields(line: dict[str, Any]) -> list[str]:
    """The fields of a line whose value a correction can change (entered data), in the line's order."""
    entered = ENTERED_FIELDS.get(line.get("type", "indikator"), {})
    return [k for k in line if k in entered]


def _refusal(field: str) -> str:
    label = FIELD_LABELS.get(field, field)
    if field in DERIVED_FIELDS:
        return (f"Nilai {label} tidak dapat diusulkan: kolom ini dihitung dari Realisasi; koreksi Realisasi-nya "
                "(kolom Realisasi TW), nilai ini akan dihitung ulang.")
    return (f"Nilai {label} tidak dapat diusulkan: kolom ini data induk. Nilainya diubah di Data Induk oleh "
            "Administrator, lalu catat koreksi tanpa nilai usulan agar dihitung ulang.")


def _parse_number(value: str, field: str) -> Optional[Decimal]:
    """The same number rules as every other input (core.parsing); realisations are never negative."""
    return parse_number(value, label=f"Nilai usulan untuk {FIELD_LABELS.get(field, field)}")


@dataclass
class _Amendment:
    """One proposed value resolved to the row it amends (found, or to be created in the owner's submission)."""

    key: str
    field: str
    attr: str
    value: Any  # Decimal / None for numbers, str for text
    entity: str  # realization / budget_realization
    row: Any  # the existing row, or None
    submission: Optional[Submission]
    target_id: int  # indicator id / budget line id
    label: str


def _owner_submission(session: Session, rnd: CollectionRound, unit_id: int) -> Optional[Submission]:
    return session.scalar(select(Submission).where(Submission.round_id == rnd.id, Submission.unit_id == unit_id))


def _amended_row(session: Session, rnd: CollectionRound, ref_column: Any, ref_id: int, owner_unit_id: int,
                 who: str) -> tuple[Any, Submission]:
    """The round's Realization / BudgetRealization row of one indicator / budget line (the owner unit's
    first), or None with the owner's submission where the row does not exist yet."""
    model = ref_column.class_
    row = session.scalar(select(model).join(Submission).where(Submission.round_id == rnd.id, ref_column == ref_id)
                         .order_by((Submission.unit_id == owner_unit_id).desc(), model.id))
    sub = row.submission if row is not None else _owner_submission(session, rnd, owner_unit_id)
    if sub is None:
        raise InvalidInput(f"{who} tidak mempunyai data pada pengumpulan ini; koreksi tidak dapat diterapkan pada data.")
    return row, sub


def _resolve(session: Session, rnd: CollectionRound, line: dict[str, Any], field: str, raw: str) -> _Amendment:
    """Parse a proposed value and find the row it amends; InvalidInput with the reason otherwise."""
    kind = line.get("type", "indikator")
    attr = ENTERED_FIELDS.get(kind, {}).get(field)
    if attr is None:
        raise InvalidInput(_refusal(field))
    code = line.get("code", "")
    if kind == "indikator":
        ind = session.scalar(select(Indicator).where(Indicator.office_id == rnd.office_id, Indicator.code == code))
        if ind is None:
            raise InvalidInput(f"Indikator {code} tidak ditemukan di Data Induk.")
        label = f"{ind.code} {ind.name}"
        if attr == "value":
            value: Any = _parse_number(raw, field)
            if value is None:
                raise InvalidInput(f"Nilai usulan untuk {FIELD_LABELS[field]} harus berupa angka, misalnya 12,5.")
        else:
            value = parse_text(raw)
        row, sub = _amended_row(session, rnd, Realization.indicator_id, ind.id, ind.owner_unit_id,
                                f"{label}: unit pemilik indikator")
        return _Amendment(line["key"], field, attr, value, "realization", row, sub, ind.id, label)
    bl = session.scalar(select(BudgetLine).where(BudgetLine.office_id == rnd.office_id, BudgetLine.year == rnd.year,
                                                 BudgetLine.code == code))
    if bl is None:
        raise InvalidInput(f"Baris anggaran {code} tidak ditemukan di Data Induk.")
    label = f"{bl.code} {bl.sub_kegiatan}"
    amount = _parse_number(raw, field)
    if amount is None:
        raise InvalidInput(f"Nilai usulan untuk {FIELD_LABELS[field]} harus berupa angka, misalnya 1.250.000.")
    amount = amount.quantize(Decimal("0.01"))
    row, sub = _amended_row(session, rnd, BudgetRealization.budget_line_id, bl.id, bl.owner_unit_id,
                            f"{label}: unit pemilik baris anggaran")
    # the rule of the entry grid: a quarter's spending never exceeds what is left of the pagu
    remaining = bl.pagu - _spent_before(session, sub, [bl.id]).get(bl.id, Decimal(0))
    if amount > remaining:
        raise InvalidInput(f"{label}: realisasi {fmt.money(amount)} melebihi sisa pagu {fmt.money(remaining)} "
                           f"(pagu {fmt.money(bl.pagu)} dikurangi realisasi triwulan sebelumnya). Periksa kembali "
                           "nilai usulan, atau minta Administrator memperbarui pagu di Data Induk (DPPA).")
    return _Amendment(line["key"], field, attr, amount, "budget_realization", row, sub, bl.id, label)


def _same_value(a: Any, b: Any) -> bool:
    da, db = ach.to_decimal(a), ach.to_decimal(b)
    if da is not None or db is not None:
        return da is not None and db is not None and da == db
    return (a or "") == (b or "")


def _current(am: _Amendment) -> Any:
    if am.row is None:
        return None if am.attr in ("value", "amount") else ""
    return getattr(am.row, am.attr)


def _bump(session: Session, model: type, obj: Any, label: str) -> None:
    """Raise the row's version only if nobody changed it since it was read (optimistic locking)."""
    old = obj.version
    done = session.execute(update(model).where(model.id == obj.id, model.version == old)
                           .values(version=old + 1).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise Conflict(f"Data {label} baru saja diubah oleh pengguna lain. Koreksi belum diterapkan; muat ulang "
                       "halaman lalu ulangi.")
    set_committed_value(obj, "version", old + 1)


def _amend(session: Session, actor: Actor, rnd: CollectionRound, am: _Amendment, reason: dict[str, Any]) -> None:
    """Write one proposed value into the row it belongs to, with its version bumped and an audit row."""
    now = utcnow()
    if am.entity == "realization":
        model, attrs, action = Realization, _INDICATOR_ATTRS, "realization.correct"
        row = am.row
        if row is None:
            row = Realization(submission_id=am.submission.id, indicator_id=am.target_id, version=1,
                              not_measured_reason="", note="", kendala="", tindak_lanjut="")
            session.add(row)
    else:
        model, attrs, action = BudgetRealization, _BUDGET_ATTRS, "budget_realization.correct"
        row = am.row
        if row is None:
            row = BudgetRealization(submission_id=am.submission.id, budget_line_id=am.target_id, version=1)
            session.add(row)
    before = audit.snapshot(am.row, attrs) if am.row is not None else None
    if am.row is not None:
        _bump(session, model, row, am.label)
    setattr(row, am.attr, am.value)
    row.updated_by_id = actor.user_id or None
    row.updated_at = now
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"Data {am.label} baru saja diisi oleh pengguna lain. Koreksi belum diterapkan; muat ulang "
                       "halaman lalu ulangi.") from None
    after = audit.snapshot(row, attrs) | {"field": am.field, "reason": reason}
    audit.record(session, actor, action, am.entity, row.id, before=before, after=after, office_id=rnd.office_id,
                 flush=False)
    am.row = row


def _stored_proposal(line: dict[str, Any], field: str, stored: str) -> Any:
    """A proposal as add_correction stored it: a number as plain Decimal text ("3.9"), which is machine text,
    not something a person typed, so it is read as a Decimal and not by the Indonesian reader."""
    attr = ENTERED_FIELDS.get(line.get("type", "indikator"), {}).get(field)
    return Decimal(stored) if attr in ("value", "amount") else stored


def _check_proposal(session: Session, rnd: CollectionRound, line: dict[str, Any], field: str, proposed: str
                    ) -> str:
    """The proposed value as stored (a number as plain Decimal text); refused when the field is not entered
    data, the number is bad, or a budget amount would exceed the remaining pagu."""
    am = _resolve(session, rnd, line, field, proposed)
    return str(am.value) if am.attr in ("value", "amount") else am.value


def add_correction(session: Session, actor: Actor, report_id: int, line_key: str, field: str, note: str,
                   proposed_value: str = "") -> Correction:
    """Step 7: the planner notes a correction against one line (and field) of the latest draft.

    A proposed value is only taken for entered data (Realisasi TW, kendala, tindak lanjut, alasan tidak
    diukur, realisasi anggaran): applying it amends the unit's data. Targets, pagu and names are master
    data, capaian / predikat / serapan / s.d. TW are computed: for them a correction without a value asks
    for the line to be read again from the data."""
    rep = get_report(session, report_id)
    rnd = workflow.get_round(session, rep.round_id, for_update=True)
    require(session, actor, "correction.create")
    ensure_same_office(actor, rnd)
    workflow.at_step(session, rnd, "koreksi")
    latest = latest_report(session, rnd.id)
    if latest is None or latest.id != rep.id:
        raise Conflict("Koreksi hanya dapat dicatat pada versi laporan terbaru. Buka versi terbaru lalu ulangi.")
    line = next((ln for ln in rep.lines if ln.get("key") == line_key), None)
    if line is None:
        raise InvalidInput(f"Baris '{line_key}' tidak ada dalam laporan ini. Pilih baris dari daftar.")
    field = (field or "").strip()
    if field and (field not in line or field in FIXED_FIELDS or field not in FIELD_LABELS
                  or field.endswith("_reason")):
        raise InvalidInput(f"Kolom '{field}' tidak ada pada baris ini. Pilih kolom dari daftar.")
    note = (note or "").strip()
    if not note:
        raise InvalidInput("Tuliskan catatan koreksi: apa yang salah dan mengapa.")
    proposed = (proposed_value or "").strip()
    if proposed and not field:
        raise InvalidInput("Pilih kolom yang nilainya diusulkan untuk diubah.")
    if proposed:
        proposed = _check_proposal(session, rnd, line, field, proposed)
    c = Correction(report_id=rep.id, line_key=line_key, field=field, note=note, proposed_value=proposed,
                   author_id=actor.user_id, created_at=utcnow())
    session.add(c)
    session.flush()
    audit.record(session, actor, "correction.create", "correction", c.id,
                 after=audit.snapshot(c, ["report_id", "line_key", "field", "note", "proposed_value"]),
                 office_id=rnd.office_id)
    return c


def _amend_all(session: Session, actor: Actor, rnd: CollectionRound,
               changes: list[tuple[dict[str, Any], str, str, dict[str, Any]]]) -> int:
    """Resolve every (line, field, value, reason) first, so that a refusal leaves nothing half-saved and a
    value that changed since the line was read is caught; then amend the rows in order (the last of two
    corrections of one field wins). Returns the number of rows amended."""
    resolved = []
    problems: list[str] = []
    stale: list[str] = []
    for line, field, value, reason in changes:
        try:
            am = _resolve(session, rnd, line, field, value)
        except InvalidInput as err:
            problems.append(err.message)
            continue
        if not _same_value(_current(am), line.get(field)):
            stale.append(f"Data {am.label} ({FIELD_LABELS.get(field, field)}) sudah berubah sejak koreksi dicatat: "
                         f"laporan menunjukkan {display_value(field, line.get(field), line['type'])}, data sekarang "
                         f"{display_value(field, _current(am), line['type'])}.")
            continue
        resolved.append((am, reason))
    if problems:
        raise InvalidInput("Koreksi belum diterapkan. " + " ".join(problems), problems)
    if stale:
        raise Conflict("Koreksi belum diterapkan. " + " ".join(stale) + " Susun versi baru dari data lalu catat "
                       "ulang koreksinya bila masih perlu.")
    for am, reason in resolved:
        _amend(session, actor, rnd, am, reason)
    session.flush()
    return len(resolved)


def apply_corrections(session: Session, actor: Actor, round_id: int, note: str = "") -> Report:
    """Step 7 (penyusun): every open correction with a proposed value amends the unit's data (Realization /
    BudgetRealization, audited as realization.correct / budget_realization.correct), then a new version is
    built from the data — so the report, the recap and the archive read the same numbers."""
    workflow.lock_for_write(session)  # SQLite: read the rows' versions inside the write transaction
    rnd = workflow.get_round(session, round_id, for_update=True)
    require(session, actor, "correction.apply")
    ensure_same_office(actor, rnd)
    workflow.at_step(session, rnd, "koreksi")
    pending = open_corrections(session, round_id)
    if not pending:
        raise Conflict("Tidak ada koreksi terbuka untuk diterapkan.")
    authors = dict(session.execute(select(User.id, User.full_name).where(
        User.id.in_({c.author_id for c in pending}))).all())
    changes = []
    for c in pending:
        if not c.proposed_value:
            continue  # "read again from the data": the new version is built from it anyway
        line = next((ln for ln in c.report.lines if ln.get("key") == c.line_key), None)
        if line is None:
            raise Conflict(f"Baris {c.line_key} koreksi #{c.id} tidak ada lagi dalam laporan.")
        changes.append((line, c.field, _stored_proposal(line, c.field, c.proposed_value),
                        {"correction_id": c.id, "note": c.note, "author": authors.get(c.author_id, "")}))
    _amend_all(session, actor, rnd, changes)
    rep = _store_report(session, actor, rnd, "koreksi",
                        note=note.strip() or f"Menerapkan {len(pending)} koreksi JFT Perencana.")
    now = utcnow()
    for c in pending:
        before = audit.snapshot(c, ["resolved", "applied_in_report_id"])
        c.resolved = True
        c.resolved_by_id = actor.user_id
        c.resolved_at = now
        c.applied_in_report_id = rep.id
        session.flush()
        audit.record(session, actor, "correction.apply", "correction", c.id, before=before,
                     after=audit.snapshot(c, ["resolved", "applied_in_report_id"]), office_id=rnd.office_id)
    return rep


def diff_versions(session: Session, report_id_a: int, report_id_b: int) -> pd.DataFrame:
    """What changed between two versions, line by line, with the correction note that caused it."""
    a, b = get_report(session, report_id_a), get_report(session, report_id_b)
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
            kind = (new or old).get("type", "indikator")
            rows.append({"line": key, "line_label": label, "field": field,
                         "field_label": FIELD_LABELS.get(field, field), "before": old.get(field),
                         "after": new.get(field), "note": "; ".join(note),
                         "before_label": display_value(field, old.get(field), kind),
                         "after_label": display_value(field, new.get(field), kind)})
    return pd.DataFrame(rows, columns=["line", "line_label", "field", "field_label", "before", "after", "note",
                                       "before_label", "after_label"])


def hand_over(session: Session, actor: Actor, round_id: int, note: str = "") -> None:
    """Step 8: the planner hands the corrected report over to be documented (no open corrections)."""
    rnd = workflow.get_round(session, round_id, for_update=True)
    require(session, actor, "report.hand_over")
    ensure_same_office(actor, rnd)
    step = workflow.at_step(session, rnd, "koreksi", "serah")
    pending = open_corrections(session, round_id)
    if pending:
        raise Conflict(f"Masih ada {len(pending)} koreksi terbuka. Penyusun harus menerapkannya menjadi versi "
                       "baru sebelum laporan diserahkan.")
    rep = latest_report(session, round_id)
    if rep is None:
        raise Conflict("Belum ada laporan untuk diserahkan.")
    if step.code == "koreksi":
        _advance(session, rnd, actor, "Rekap dan koreksi data kinerja triwulan selesai.", f"Versi {rep.version}")
    _advance(session, rnd, actor, note.strip() or "Laporan hasil koreksi diserahkan untuk didokumentasikan.",
             f"Versi {rep.version}")


# --- documentation and the archive ---------------------------------------------------------


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> bytes:
    """Semicolon CSV with BOM (Excel opens it directly), text neutralised by the app's one writer rule."""
    return exports.csv_bytes(rows, columns, delimiter=";")


def _json(data: Any) -> bytes:
    return json.dumps(audit.jsonable(data), ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def _evidence_path(stored_path: str) -> Path:
    p = Path(stored_path)
    return p if p.is_absolute() else get_settings().upload_dir / p


def _members(session: Session, rnd: CollectionRound, rep: Report) -> dict[str, bytes]:
    """Every file of the bundle by its name inside the zip."""
    users = {u.id: u.full_name for u in session.scalars(select(User))}
    members: dict[str, bytes] = {}
    for f in rep.files:
        members[f"laporan/{f.name}"] = f.content
    members["laporan/baris-laporan.json"] = _json(rep.lines)

    subs = list(session.scalars(select(Submission).where(Submission.round_id == rnd.id).order_by(Submission.id)))
    inds = {i.id: i for i in session.scalars(select(Indicator).where(Indicator.office_id == rnd.office_id))}
    real_rows, budget_rows, evidence_rows, review_rows, comment_rows = [], [], [], [], []
    missing: list[str] = []
    for s in subs:
        for r in sorted(s.realizations, key=lambda r: r.id):
            ind = inds.get(r.indicator_id)
            real_rows.append({"unit": s.unit.name, "kode": ind.code if ind else r.indicator_id,
                              "indikator": ind.name if ind else "", "satuan": ind.satuan if ind else "",
                              "nilai": r.value, "alasan_tidak_diukur": r.not_measured_reason, "catatan": r.note,
                              "kendala": r.kendala, "tindak_lanjut": r.tindak_lanjut, "versi": r.version,
                              "diubah_oleh": users.get(r.updated_by_id, ""), "diubah_pada": r.updated_at})
        for br in sorted(s.budget_realizations, key=lambda b: b.id):
            bl = br.budget_line
            budget_rows.append({"unit": s.unit.name, "kode": bl.code, "program": bl.program,
                                "kegiatan": bl.kegiatan, "sub_kegiatan": bl.sub_kegiatan, "pagu": bl.pagu,
                                "realisasi": br.amount, "versi": br.version,
                                "diubah_oleh": users.get(br.updated_by_id, ""), "diubah_pada": br.updated_at})
        for ev in sorted(s.evidence, key=lambda e: e.id):
            name = f"bukti/{s.unit.code}/{ev.id}-{Path(ev.filename).name}"
            path = _evidence_path(ev.stored_path)
            if path.is_file():
                members[name] = path.read_bytes()
            else:
                missing.append(f"{ev.filename} ({ev.stored_path})")
            evidence_rows.append({"unit": s.unit.name, "berkas": name, "nama_asli": ev.filename,
                                  "sha256_tercatat": ev.sha256, "ukuran": ev.size,
                                  "diunggah_oleh": users.get(ev.uploaded_by_id, ""), "diunggah_pada": ev.uploaded_at})
        for rv in s.reviews:
            review_rows.append({"unit": s.unit.name, "keputusan": rv.decision, "alasan": rv.reason,
                                "pemeriksa": users.get(rv.reviewer_id, ""), "waktu": rv.created_at})
        for c in session.scalars(select(ReviewComment).where(ReviewComment.submission_id == s.id)
                                 .order_by(ReviewComment.id)):
            ind = inds.get(c.indicator_id)
            comment_rows.append({"unit": s.unit.name, "indikator": ind.code if ind else "", "catatan": c.text,
                                 "penulis": users.get(c.author_id, ""), "waktu": c.created_at,
                                 "jawaban": c.response, "dijawab_oleh": users.get(c.responded_by_id, ""),
                                 "selesai": c.resolved, "diselesaikan_pada": c.resolved_at})
    if missing:
        members["bukti/BERKAS-TIDAK-DITEMUKAN.txt"] = (
            "Berkas bukti dukung berikut tercatat tetapi tidak ditemukan saat dokumentasi:\n"
            + "\n".join(missing) + "\n").encode("utf-8")
    steps = {s.number: s for s in session.scalars(select(SopStep))}
    step_rows = [{"langkah": r.step_number, "nama": steps[r.step_number].short_name if r.step_number in steps else "",
                  "pelaksana": users.get(r.actor_id, ""), "mulai": r.started_at, "selesai": r.finished_at,
                  "disposisi": r.disposition, "keluaran": r.output_ref}
                 for r in session.scalars(select(StepRecord).where(StepRecord.round_id == rnd.id)
                                          .order_by(StepRecord.id))]
    reports = list(session.scalars(select(Report).where(Report.round_id == rnd.id).order_by(Report.version)))
    by_id = {r.id: r for r in reports}
    correction_rows = [{"versi_laporan": by_id[c.report_id].version, "baris": c.line_key, "kolom": c.field,
                        "catatan": c.note, "nilai_usulan": c.proposed_value, "penulis": users.get(c.author_id, ""),
                        "waktu": c.created_at, "selesai": c.resolved,
                        "diterapkan_pada_versi": by_id[c.applied_in_report_id].version
                        if c.applied_in_report_id in by_id else ""}
                       for c in session.scalars(select(Correction).where(Correction.report_id.in_(list(by_id)))
                                                .order_by(Correction.id))]
    report_rows = [{"versi": r.version, "jenis": r.kind, "dibuat_oleh": users.get(r.created_by_id, ""),
                    "dibuat_pada": r.created_at, "catatan": r.note,
                    "berkas": ", ".join(f"{f.name} ({f.sha256})" for f in r.files)} for r in reports]

    members["data/realisasi-indikator.csv"] = _csv(real_rows, list(real_rows[0]) if real_rows else ["unit"])
    members["data/realisasi-anggaran.csv"] = _csv(budget_rows, list(budget_rows[0]) if budget_rows else ["unit"])
    members["data/data-pengumpulan.json"] = _json({
        "pengumpulan": {"tahun": rnd.year, "triwulan": rnd.quarter, "status": rnd.status,
                        "dibuka": rnd.opened_at, "ditutup": rnd.closed_at, "instruksi": rnd.instruction},
        "realisasi_indikator": real_rows, "realisasi_anggaran": budget_rows, "bukti_dukung": evidence_rows,
    })
    history = {"langkah": step_rows, "pemeriksaan": review_rows, "catatan_pemeriksa": comment_rows,
               "koreksi": correction_rows, "versi_laporan": report_rows}
    for name, rows in history.items():
        members[f"riwayat/{name.replace('_', '-')}.csv"] = _csv(rows, list(rows[0]) if rows else ["keterangan"])
    members["riwayat/riwayat.json"] = _json(history)
    return members


def _zip_bytes(members: dict[str, bytes], manifest_doc: dict[str, Any], when: dt.datetime) -> bytes:
    """The members (sorted, all stamped `when`) and manifest.json: the same bytes for the same content."""
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, members[name])
        info = zipfile.ZipInfo("manifest.json", date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, _json(manifest_doc))
    return buf.getvalue()


def _write_zip(path: Path, members: dict[str, bytes], manifest: dict[str, str], when: dt.datetime) -> bytes:
    data = _zip_bytes(members, {"algoritma": "sha256", "berkas": manifest}, when)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return data


def archive_path(stored: str) -> Path:
    """Where an archive bundle is on disk: stored relative to settings.archive_dir (so a restored backup
    in another data folder still finds it); absolute paths are taken as they are."""
    p = Path(stored)
    return p if p.is_absolute() else get_settings().archive_dir / p


def _archive(session: Session, actor: Actor, rnd: CollectionRound, rep: Report) -> Archive:
    members = _members(session, rnd, rep)
    manifest = {name: hashlib.sha256(content).hexdigest() for name, content in sorted(members.items())}
    relative = f"{rnd.year}-TW{rnd.quarter}/arsip-laporan-kinerja-{rnd.year}-tw{rnd.quarter}-v{rep.version}.zip"
    path = archive_path(relative)
    if path.exists():
        if session.scalar(select(Archive).where(Archive.path == relative)) is not None:
            raise Conflict("Arsip versi ini sudah ada dan tidak boleh ditimpa.")
        path.rename(path.with_suffix(f".orphan-{utcnow():%Y%m%d%H%M%S}"))  # left by a failed attempt
    now = utcnow()
    data = _write_zip(path, members, manifest, now)
    arc = Archive(round_id=rnd.id, report_id=rep.id, version=rep.version, path=relative, size=len(data),
                  sha256=hashlib.sha256(data).hexdigest(), manifest=manifest, created_by_id=actor.user_id,
                  created_at=now)
    session.add(arc)
    session.flush()
    audit.record(session, actor, "archive.create", "archive", arc.id,
                 after=audit.snapshot(arc, ["round_id", "report_id", "version", "path", "size", "sha256"]),
                 office_id=rnd.office_id)
    return arc


def document(session: Session, actor: Actor, round_id: int, note: str = "") -> Archive:
    """Step 9: the final report, its archive bundle, and the round closed (data read-only from now on)."""
    rnd = workflow.get_round(session, round_id, for_update=True)
    require(session, actor, "report.document")
    ensure_same_office(actor, rnd)
    workflow.at_step(session, rnd, "dokumentasi")
    if open_corrections(session, round_id):
        raise Conflict("Masih ada koreksi terbuka; laporan belum dapat didokumentasikan.")
    base = latest_report(session, round_id)
    if base is None:
        raise Conflict("Belum ada laporan untuk didokumentasikan.")
    # built from the data like every version: the final report says what the recap and the archive say
    rep = _store_report(session, actor, rnd, "final",
                        note=note.strip() or "Laporan kinerja triwulan final (didokumentasikan).")
    before = audit.snapshot(rnd, ["status", "current_step", "closed_at"])
    workflow.finish_current(session, rnd, actor, "Laporan kinerja triwulan didokumentasikan.",
                            f"Laporan final v{rep.version}")
    rnd.status = "selesai"
    rnd.closed_at = utcnow()
    rnd.version = (rnd.version or 0) + 1
    session.flush()
    audit.record(session, actor, "round.close", "collection_round", rnd.id, before=before,
                 after=audit.snapshot(rnd, ["status", "current_step", "closed_at"]), office_id=rnd.office_id)
    return _archive(session, actor, rnd, rep)


def reissue(session: Session, actor: Actor, round_id: int, note: str,
            changes: Optional[list[tuple[str, str, str]]] = None) -> Archive:
    """A correction after documentation: a new final version and a new archive; old ones stay as they are.

    `changes` are (line key, field, value) of entered data, with the same rules as a correction: they
    amend the unit's data (audited, the reason being `note`), and the new version is built from the data,
    so it also carries whatever the Administrator has since fixed in the master data."""
    workflow.lock_for_write(session)
    rnd = workflow.get_round(session, round_id, for_update=True)
    require(session, actor, "report.document")
    ensure_same_office(actor, rnd)
    if rnd.status != "selesai":
        raise Conflict("Penerbitan ulang hanya untuk pengumpulan data yang sudah didokumentasikan; "
                       "selama belum didokumentasikan, gunakan koreksi biasa.")
    note = (note or "").strip()
    if not note:
        raise InvalidInput("Tuliskan alasan penerbitan ulang (apa yang dikoreksi).")
    base = latest_report(session, round_id)
    if base is None:
        raise Conflict("Pengumpulan data ini belum memiliki laporan untuk diterbitkan ulang.")
    if changes:
        keys = {ln["key"]: ln for ln in base.lines}
        for key, field, _value in changes:
            if key not in keys or field not in keys[key] or field in FIXED_FIELDS:
                raise InvalidInput(f"Baris '{key}' kolom '{field}' tidak ada dalam laporan.")
        reason = {"correction_id": None, "note": note, "author": actor.full_name, "reissue_of_version": base.version}
        _amend_all(session, actor, rnd, [(keys[k], f, str(v), reason) for k, f, v in changes])
    rep = _store_report(session, actor, rnd, "final", note=note)
    return _archive(session, actor, rnd, rep)


# --- the archive list and its verification -------------------------------------------------


def archives(session: Session, office_id: Optional[int] = None) -> pd.DataFrame:
    """Every archive bundle of every round, newest round first."""
    users = {u.id: u.full_name for u in session.scalars(select(User))}
    stmt = select(Archive, CollectionRound, Report).join(CollectionRound, Archive.round_id == CollectionRound.id) \
        .join(Report, Archive.report_id == Report.id)
    if office_id is not None:
        stmt = stmt.where(CollectionRound.office_id == office_id)
    rows = []
    for arc, rnd, rep in session.execute(stmt.order_by(CollectionRound.year.desc(), CollectionRound.quarter.desc(),
                                                       Archive.version.desc())):
        rows.append({"archive_id": arc.id, "round_id": rnd.id, "year": rnd.year, "quarter": rnd.quarter,
                     "version": arc.version, "report_id": rep.id, "note": rep.note, "path": arc.path,
                     "file_name": Path(arc.path).name, "size": arc.size, "sha256": arc.sha256,
                     "members": len(arc.manifest or {}), "created_at": arc.created_at,
                     "created_by": users.get(arc.created_by_id, "")})
    return pd.DataFrame(rows, columns=["archive_id", "round_id", "year", "quarter", "version", "report_id", "note",
                                       "path", "file_name", "size", "sha256", "members", "created_at",
                                       "created_by"])


def archive_file(session: Session, archive_id: int) -> Path:
    """Where the archive bundle is; NotFound with what to do when the file is gone."""
    arc = session.get(Archive, archive_id)
    if arc is None:
        raise NotFound("Arsip tidak ditemukan.")
    path = archive_path(arc.path)
    if not path.is_file():
        raise NotFound(f"Berkas arsip tidak ditemukan di {arc.path}. Hubungi administrator untuk memulihkan "
                       "dari cadangan.")
    return path


# --- who downloads what of an archive ------------------------------------------------------------
#
# The bundle on disk is the whole round, immutable and hashed. The roles that read every unit
# (core.permissions.read_scope) download it as it is. Every other account of the office downloads its
# unit's part, cut from that same bundle (so it says what was documented, not what the data says now):
# the published report (laporan/), the round's own history (langkah, versi laporan), and of the unit data,
# evidence, reviews, reviewer comments and corrections only the rows and files of the actor's units.
# A member this code does not know is left out of a unit part (fail closed).

SHARED_MEMBERS = frozenset({"riwayat/langkah.csv", "riwayat/versi-laporan.csv"})
UNIT_CSV_MEMBERS = frozenset({"data/realisasi-indikator.csv", "data/realisasi-anggaran.csv",
                              "riwayat/pemeriksaan.csv", "riwayat/catatan-pemeriksa.csv"})
MISSING_EVIDENCE = "bukti/BERKAS-TIDAK-DITEMUKAN.txt"


@dataclass(frozen=True)
class ArchiveAccess:
    """What an actor downloads of one archive: the whole bundle, or the part of their units."""

    archive_id: int
    whole: bool
    file_name: str
    unit_names: tuple[str, ...]  # the units of a unit part, as named in the archive's rows

    @property
    def label(self) -> str:
        return "Unduh arsip (.zip)" if self.whole else "Unduh arsip bagian unit Anda (.zip)"


def _archive_scope(session: Session, actor: Actor, archive_id: int) -> tuple[Archive, ReadScope, list[OrgUnit]]:
    arc = session.get(Archive, archive_id)
    if arc is None:
        raise NotFound("Arsip tidak ditemukan.")
    rnd = session.get(CollectionRound, arc.round_id)
    scope = read_scope(session, actor, rnd.office_id)
    if scope.other_office:
        raise NotAllowed("Arsip ini milik perangkat daerah lain.")
    if scope.all_units:
        return arc, scope, []
    if not scope.unit_ids:
        raise NotAllowed("Akun Anda tidak terhubung dengan unit kerja; arsip lengkap hanya dapat diunduh oleh "
                         "Kepala Dinas, Sekretaris, Staf Penyusun, JFT Perencana, Administrator dan Pemantau.")
    units = list(session.scalars(select(OrgUnit).where(OrgUnit.id.in_(scope.unit_ids)).order_by(OrgUnit.code)))
    reporting_units = set(session.scalars(select(Submission.unit_id).where(Submission.round_id == rnd.id,
                                                                           Submission.unit_id.in_(scope.unit_ids))))
    # the units that reported in the round (a Kasubag's part is the Sekretariat's), else the account's own
    return arc, scope, [u for u in units if u.id in reporting_units] or units


def archive_access(session: Session, actor: Actor, archive_id: int) -> ArchiveAccess:
    """Whether the actor gets the whole archive or their unit's part, and its file name; NotFound (with what to
    do) when the bundle is gone from disk."""
    arc, scope, units = _archive_scope(session, actor, archive_id)
    archive_file(session, archive_id)
    name = Path(arc.path).name
    if not scope.all_units:
        name = f"{name.removesuffix('.zip')}-bagian-{'-'.join(u.code for u in units).lower()}.zip"
    return ArchiveAccess(arc.id, scope.all_units, name, tuple(u.name for u in units))


def archive_download(session: Session, actor: Actor, archive_id: int) -> tuple[str, bytes]:
    """(file name, bytes) of what the actor may download of the archive: the stored bundle itself for the roles
    that read every unit, otherwise the part of the actor's units (see above)."""
    access = archive_access(session, actor, archive_id)
    arc = session.get(Archive, archive_id)
    data = archive_file(session, archive_id).read_bytes()
    if access.whole:
        return access.file_name, data
    return access.file_name, unit_part(data, access.unit_names, arc)


def _filter_csv(content: bytes, keep: Any) -> bytes:
    """The CSV with the header and the rows for which keep(row as dict) holds; kept rows byte for byte as
    written (same dialect as exports.csv_bytes, the cells already neutralised)."""
    import csv

    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))
    if not rows:
        return content
    header = rows[0]
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows[1:]:
        if keep(dict(zip(header, row))):
            writer.writerow(row)
    return buf.getvalue().encode("utf-8-sig")


def unit_part(data: bytes, unit_names: tuple[str, ...], arc: Archive) -> bytes:
    """The part of a stored archive bundle that belongs to the named units (see the rules above), as a zip
    with its own manifest that names the bundle it was cut from."""
    names = set(unit_names) | {exports.neutralise(n) for n in unit_names}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        stored = {n: zf.read(n) for n in zf.namelist() if n != "manifest.json"}
    mine = lambda row: row.get("unit") in names  # noqa: E731
    lines = json.loads(stored.get("laporan/baris-laporan.json", b"[]"))
    my_lines = {ln.get("key") for ln in lines if ln.get("unit") in names}
    mine_line = lambda row: row.get("baris") in my_lines  # noqa: E731
    snapshot = json.loads(stored["data/data-pengumpulan.json"]) if "data/data-pengumpulan.json" in stored else {}
    evidence = [r for r in snapshot.get("bukti_dukung", []) if mine(r)]
    members: dict[str, bytes] = {}
    for name, content in stored.items():
        if name.startswith("laporan/") or name in SHARED_MEMBERS:
            members[name] = content
        elif name in UNIT_CSV_MEMBERS:
            members[name] = _filter_csv(content, mine)
        elif name == "riwayat/koreksi.csv":
            members[name] = _filter_csv(content, mine_line)
    for row in evidence:
        if row.get("berkas") in stored:
            members[row["berkas"]] = stored[row["berkas"]]
    gone = [r.get("nama_asli", "") for r in evidence if r.get("berkas") not in stored]
    if gone:
        members[MISSING_EVIDENCE] = (
            "Berkas bukti dukung berikut tercatat tetapi tidak ditemukan saat dokumentasi:\n"
            + "\n".join(gone) + "\n").encode("utf-8")
    if snapshot:
        for key in ("realisasi_indikator", "realisasi_anggaran"):
            snapshot[key] = [r for r in snapshot.get(key, []) if mine(r)]
        snapshot["bukti_dukung"] = evidence
        members["data/data-pengumpulan.json"] = _json(snapshot)
    if "riwayat/riwayat.json" in stored:
        history = json.loads(stored["riwayat/riwayat.json"])
        for key in ("pemeriksaan", "catatan_pemeriksa"):
            history[key] = [r for r in history.get(key, []) if mine(r)]
        history["koreksi"] = [r for r in history.get("koreksi", []) if mine_line(r)]
        members["riwayat/riwayat.json"] = _json(history)
    manifest = {name: hashlib.sha256(content).hexdigest() for name, content in sorted(members.items())}
    return _zip_bytes(members, {"algoritma": "sha256", "berkas": manifest, "bagian_unit": list(unit_names),
                                "dari_arsip": {"berkas": Path(arc.path).name, "sha256": arc.sha256}},
                      arc.created_at or utcnow())


def _visible_members(session: Session, actor: Actor, arc: Archive, names: list[str]) -> set[str]:
    """Which member names of the archive the actor may see listed (in a verification): all of them for the
    roles that read every unit; otherwise every name but the evidence files of other units."""
    _arc, scope, units = _archive_scope(session, actor, arc.id)
    if scope.all_units:
        return set(names)
    own = tuple(f"bukti/{u.code}/" for u in units)
    return {n for n in names if not n.startswith("bukti/") or (n.startswith(own) and n != MISSING_EVIDENCE)}


@dataclass(frozen=True)
class ArchiveCheck:
    archive_id: int
    path: str
    file_status: str  # ok / changed / missing: the zip's own SHA-256 against the Archive row
    members: pd.DataFrame  # name, expected, actual, status (ok / changed / missing / extra)

    @property
    def ok(self) -> bool:
        return self.file_status == "ok" and bool((self.members["status"] == "ok").all())


def verify_archive(session: Session, actor: Actor, archive_id: int) -> ArchiveCheck:
    """Recompute every checksum of the bundle on disk against the manifest recorded at documentation.

    Every account of the office may verify; the members listed are the ones of what the actor may download
    (core.permissions.read_scope): a unit sees no file name of another unit's evidence."""
    arc, _scope, _names = _archive_scope(session, actor, archive_id)
    check = _verify(arc)
    visible = _visible_members(session, actor, arc, list(check.members["name"]))
    if len(visible) == len(check.members):
        return check
    return ArchiveCheck(check.archive_id, check.path, check.file_status,
                        check.members[check.members["name"].isin(visible)].reset_index(drop=True))


def _verify(arc: Archive) -> ArchiveCheck:
    path = archive_path(arc.path)
    manifest = dict(arc.manifest or {})
    rows = []
    if not path.is_file():
        rows = [{"name": n, "expected": h, "actual": None, "status": "missing"} for n, h in sorted(manifest.items())]
        return ArchiveCheck(arc.id, arc.path, "missing", pd.DataFrame(rows, columns=["name", "expected", "actual",
                                                                                     "status"]))
    data = path.read_bytes()
    file_status = "ok" if hashlib.sha256(data).hexdigest() == arc.sha256 and len(data) == arc.size else "changed"
    actual: dict[str, str] = {}
    readable = True
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for name in zf.namelist():
                if name == "manifest.json":
                    continue
                try:
                    actual[name] = hashlib.sha256(zf.read(name)).hexdigest()
                except (zipfile.BadZipFile, OSError, ValueError):
                    actual[name] = "tidak-terbaca"
    except zipfile.BadZipFile:
        readable = False
    for name, expected in sorted(manifest.items()):
        if not readable:
            status, got = "changed", None
        elif name not in actual:
            status, got = "missing", None
        else:
            got = actual[name]
            status = "ok" if got == expected else "changed"
        rows.append({"name": name, "expected": expected, "actual": got, "status": status})
    for name in sorted(set(actual) - set(manifest)):
        rows.append({"name": name, "expected": None, "actual": actual[name], "status": "extra"})
    return ArchiveCheck(arc.id, arc.path, file_status,
                        pd.DataFrame(rows, columns=["name", "expected", "actual", "status"]))
