"""SOP steps 6–8, Sosialisasi, Koreksi and Serah (pages/koreksi.py).

Step 6: the Sekretaris disseminates the draft to the JFT Perencana. Step 7: the planner notes corrections
against the lines of the latest version; the Staf Penyusun applies them. A correction changes the data,
not only the report: applying it writes the proposed value into the unit's Realization /
BudgetRealization, and the new version is built from the data, so the report, Rekap & Unduh and the
archive always agree. Step 8: the planner hands the corrected report over to be documented.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from core import achievement as ach
from core import audit, fmt, workflow
from core.actor import Actor
from core.entry import _spent_before
from core.errors import Conflict, InvalidInput
from core.parsing import parse_number, parse_text
from core.report_versions import (
    CATATAN_LABEL,
    DERIVED_FIELDS,
    ENTERED_FIELDS,
    FIELD_LABELS,
    FIXED_FIELDS,
    display_value,
    get_report,
    latest_report,
    open_corrections,
)
from core.states import ReportKind
from core.steps.base import PageSpec, Rule, TaskContext, begin
from core.steps.penyusunan import _advance, _store_report
from db.models import (
    BudgetLine,
    BudgetRealization,
    CollectionRound,
    Correction,
    Indicator,
    Realization,
    Report,
    Submission,
    User,
    utcnow,
)

ACTIONS = {
    "report.send": Rule("mensosialisasikan draf kepada JFT Perencana", step="sosialisasi"),
    "correction.create": Rule("mencatat koreksi draf laporan", step="koreksi"),
    # the planner's corrections become data and a new version through the one who compiles the draft
    "correction.apply": Rule("menerapkan koreksi ke versi draf baru", step="penyusunan"),
    "report.hand_over": Rule("menyerahkan laporan untuk didokumentasikan", step="serah"),
}
PAGE = PageSpec("pages/koreksi.py", "Sosialisasi & Koreksi", ":material/rate_review:", "Pengumpulan Data",
                steps=("sosialisasi", "koreksi", "serah", "penyusunan"))


def tasks(ctx: TaskContext) -> None:
    for rnd in ctx.rounds:
        if rnd.at("sosialisasi") and ctx.may("report.send"):
            ctx.add(f"Sosialisasikan draf laporan {rnd.label} kepada JFT Perencana", PAGE.path)
        if rnd.at("koreksi") and ctx.may("correction.create"):
            ctx.add(f"Koreksi draf laporan {rnd.label}", PAGE.path)
        if rnd.at("koreksi") and rnd.open_corrections and ctx.may("correction.apply"):
            ctx.add(f"Terapkan koreksi ke draf laporan {rnd.label} ({rnd.open_corrections} koreksi)", PAGE.path)
        if rnd.at("serah") and ctx.may("report.hand_over"):
            ctx.add(f"Serahkan laporan {rnd.label} untuk didokumentasikan", PAGE.path)


def send_to_planner(session: Session, actor: Actor, round_id: int, note: str = "") -> None:
    """Step 6: the Sekretaris disseminates the draft to the JFT Perencana, who corrects it (step 7)."""
    rnd, _step = begin(session, actor, "report.send", round_id, "sosialisasi")
    rep = latest_report(session, round_id)
    if rep is None:
        raise Conflict("Belum ada draf laporan untuk disosialisasikan. Penyusun harus menyusun draf terlebih dahulu.")
    _advance(session, rnd, actor, note.strip() or "Draf laporan disampaikan kepada JFT Perencana Ahli Muda.",
             f"Draf v{rep.version}")


# The attributes of the rows a correction amends, read before and after for the audit.
_INDICATOR_ATTRS = ["value", "not_measured_reason", "faktor_pendorong", "kendala", "tindak_lanjut", "version"]
_BUDGET_ATTRS = ["amount", "version"]


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
    if kind == "catatan":  # the E.81 footer: the round's own column
        return _Amendment(line["key"], field, attr, parse_text(raw), "collection_round", rnd, None, rnd.id,
                          CATATAN_LABEL)
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


def _current(am: _Amendment, line: Optional[dict[str, Any]] = None) -> Any:
    if am.entity == "collection_round":
        own = getattr(am.row, am.attr)
        # NULL: the report showed the text compiled from the units' entries, which step 7 does not change
        return own if own is not None else (line or {}).get(am.field, "")
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
    if am.entity == "collection_round":  # the E.81 footer; the round is locked by begin()
        before = {am.attr: getattr(rnd, am.attr)}
        setattr(rnd, am.attr, am.value)
        session.flush()
        audit.record(session, actor, "round.renja_footer_correct", "collection_round", rnd.id, before=before,
                     after={am.attr: am.value, "field": am.field, "reason": reason}, office_id=rnd.office_id,
                     flush=False)
        return
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
    rnd, _step = begin(session, actor, "correction.create", rep.round_id, "koreksi")
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
        if not _same_value(_current(am, line), line.get(field)):
            stale.append(f"Data {am.label} ({FIELD_LABELS.get(field, field)}) sudah berubah sejak koreksi dicatat: "
                         f"laporan menunjukkan {display_value(field, line.get(field), line['type'])}, data sekarang "
                         f"{display_value(field, _current(am, line), line['type'])}.")
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
    rnd, _step = begin(session, actor, "correction.apply", round_id, "koreksi")
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
    rep = _store_report(session, actor, rnd, ReportKind.KOREKSI,
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


def hand_over(session: Session, actor: Actor, round_id: int, note: str = "") -> None:
    """Step 8: the planner hands the corrected report over to be documented (no open corrections)."""
    rnd, step = begin(session, actor, "report.hand_over", round_id, "koreksi", "serah")
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
