"""SOP step 3 (Isi Data Kinerja): a unit enters its quarter's realisations and budget spending, then submits.

The grid a unit edits is built here as a DataFrame (read-only context beside the editable cells); a save
applies one set of edits in one transaction with optimistic locking on Realization.version, so a stale
grid never overwrites someone else's newer value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Optional

import pandas as pd
from sqlalchemy import func, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from core import audit, workflow
from core.achievement import absorption, achievement, below_target, combine, predicate, ytd_achievement
from core.actor import Actor
from core.errors import Conflict, InvalidInput
from core.fmt import date as fmt_date
from core.fmt import money, quarter_label
from core.parsing import parse_number, parse_text
from core.permissions import require, require_unit_read, units_in_scope
from core.rounds import STATE_LABELS, deadline_in_force, get_submission, round_label
from core.sop import step_by_code
from db.models import (
    BudgetLine,
    BudgetRealization,
    CollectionRound,
    Evidence,
    Indicator,
    Realization,
    Review,
    Sasaran,
    Submission,
    Target,
    utcnow,
)

EDITABLE_STATES = ("belum_mulai", "draf", "dikembalikan")

# Editable grid columns -> Realization attributes.
ENTRY_FIELDS = {
    "Realisasi TW": "value",
    "Alasan tidak diukur": "not_measured_reason",
    "Catatan": "note",
    "Kendala": "kendala",
    "Tindak lanjut": "tindak_lanjut",
}
ENTRY_EDITABLE = tuple(ENTRY_FIELDS)
BUDGET_EDITABLE = ("Realisasi TW",)
HIDDEN = ("indicator_id", "version", "budget_line_id")


# --- access ---------------------------------------------------------------------------------


def readable_submission(session: Session, actor: Actor, submission_id: int) -> Submission:
    """The submission, after the read check of core.permissions.read_scope (the one rule of who reads
    which unit's data)."""
    sub = get_submission(session, submission_id)
    require_unit_read(session, actor, sub.round.office_id, sub.unit_id)
    return sub


def _lock_message(sub: Submission) -> str:
    if sub.state == "diajukan":
        return (f"Data {sub.unit.name} sudah diajukan dan terkunci untuk diperiksa. Perubahan hanya dapat "
                "dilakukan bila data dikembalikan oleh pemeriksa.")
    return f"Data {sub.unit.name} sudah diterima dan terkunci; tidak dapat diubah lagi."


def editable_submission(session: Session, actor: Actor, submission_id: int,
                        action: str = "submission.edit") -> Submission:
    """The submission, after the permission, open-round and state checks of an edit."""
    workflow.lock_for_write(session)  # SQLite: no stale read of versions between two saves
    sub = get_submission(session, submission_id, for_update=True)
    require(session, actor, action, sub.unit_id)
    workflow.ensure_open(sub.round)
    if sub.state not in EDITABLE_STATES:
        raise Conflict(_lock_message(sub))
    return sub


def is_editable(session: Session, actor: Actor, submission_id: int) -> bool:
    try:
        sub = get_submission(session, submission_id)
        from core.permissions import can

        return (can(session, actor, "submission.edit", sub.unit_id) and sub.round.status == "berjalan"
                and sub.state in EDITABLE_STATES)
    except Exception:  # noqa: BLE001 - a read-only view on any doubt
        return False


# --- the indicator grid -----------------------------------------------------------------------


def unit_indicators(session: Session, rnd: CollectionRound, unit_id: int) -> list[Indicator]:
    return list(session.scalars(
        select(Indicator).join(Sasaran, Sasaran.id == Indicator.sasaran_id).options(contains_eager(Indicator.sasaran))
        .where(Indicator.office_id == rnd.office_id, Indicator.owner_unit_id == unit_id,
               Indicator.active.is_(True))
        .order_by(Sasaran.sort_order, Indicator.sort_order, Indicator.id)))


def year_targets(session: Session, indicator_ids: list[int], year: int) -> dict[int, Target]:
    """indicator id -> its targets of the year, in one query (not one lazy load per indicator)."""
    if not indicator_ids:
        return {}
    return {t.indicator_id: t for t in session.scalars(
        select(Target).where(Target.indicator_id.in_(indicator_ids), Target.year == year))}


def earlier_values(session: Session, rnd: CollectionRound, indicator_ids: list[int]) -> dict[tuple[int, int], Decimal]:
    """(indicator id, quarter) -> realisation of the same year's earlier rounds."""
    if rnd.quarter == 1 or not indicator_ids:
        return {}
    rows = session.execute(
        select(Realization.indicator_id, CollectionRound.quarter, Realization.value)
        .join(Submission, Submission.id == Realization.submission_id)
        .join(CollectionRound, CollectionRound.id == Submission.round_id)
        .where(CollectionRound.office_id == rnd.office_id, CollectionRound.year == rnd.year,
               CollectionRound.quarter < rnd.quarter, Realization.indicator_id.in_(indicator_ids),
               Realization.value.is_not(None)))
    return {(i, q): v for i, q, v in rows}


def _realizations(session: Session, sub: Submission) -> dict[int, Realization]:
    return {r.indicator_id: r for r in session.scalars(
        select(Realization).where(Realization.submission_id == sub.id))}


def evidence_counts(session: Session, submission_id: int) -> dict[int, int]:
    """indicator id -> number of evidence files attached to its realisation."""
    rows = session.execute(
        select(Realization.indicator_id, func.count(Evidence.id))
        .join(Evidence, Evidence.realization_id == Realization.id)
        .where(Evidence.submission_id == submission_id).group_by(Realization.indicator_id))
    return {i: n for i, n in rows}


def _float(value: Optional[Decimal]) -> Optional[float]:
    """Decimal to float only at the grid boundary (the widget shows floats)."""
    return None if value is None else float(value)


def _exact(value: Optional[Decimal]) -> Optional[Decimal]:
    return value


def entry_table(session: Session, actor: Actor, submission_id: int, exact: bool = False) -> pd.DataFrame:
    """The unit's indicators for st.data_editor: context read-only, realisation columns editable.

    Numbers are floats (empty = NaN) for code that computes with the frame; with `exact` they stay the
    Decimals the database holds (None when empty), for a grid that shows them as Indonesian text."""
    _f = _exact if exact else _float
    sub = readable_submission(session, actor, submission_id)
    rnd = sub.round
    q = rnd.quarter
    inds = unit_indicators(session, rnd, sub.unit_id)
    targets = year_targets(session, [i.id for i in inds], rnd.year)
    earlier = earlier_values(session, rnd, [i.id for i in inds])
    reals = _realizations(session, sub)
    counts = evidence_counts(session, sub.id)
    rows = []
    for n, ind in enumerate(inds, start=1):
        t = targets.get(ind.id)
        r = reals.get(ind.id)
        value = r.value if r else None
        tq = t.quarter(q) if t else None
        cap = achievement(tq, value, ind.polarity)
        qvalues = [earlier.get((ind.id, k)) for k in range(1, q)] + [value]
        qtargets = [t.quarter(k) if t else None for k in range(1, 5)]
        ytd = ytd_achievement(qtargets, qvalues, q, ind.combine, ind.polarity)
        row: dict[str, Any] = {
            "No": n,
            "Sasaran": ind.sasaran.name,
            "Kode": ind.code,
            "Indikator": ind.name,
            "Satuan": ind.satuan,
            "Target tahunan (PK)": _f(t.annual if t else None),
            "Target TW (RA)": _f(tq),
        }
        for k in range(1, q):
            row[f"Realisasi {quarter_label(k)}"] = _f(earlier.get((ind.id, k)))
        row.update({
            "Realisasi TW": _f(value),
            "Realisasi s.d. TW": _f(combine(qvalues, ind.combine) if value is not None else None),
            "Capaian TW %": _f(cap.percent),
            "Capaian s.d. TW %": _f(ytd.percent),
            "Predikat": predicate(cap.percent) or f"– ({cap.reason})",
            "Bukti": counts.get(ind.id, 0),
            "Alasan tidak diukur": r.not_measured_reason if r else "",
            "Catatan": r.note if r else "",
            "Kendala": r.kendala if r else "",
            "Tindak lanjut": r.tindak_lanjut if r else "",
            "indicator_id": ind.id,
            "version": r.version if r else 0,
        })
        rows.append(row)
    if exact:
        return pd.DataFrame(rows)
    return _numeric(pd.DataFrame(rows), ("Target tahunan (PK)", "Target TW (RA)", "Realisasi TW",
                                         "Realisasi s.d. TW", "Capaian TW %", "Capaian s.d. TW %",
                                         *(f"Realisasi {quarter_label(k)}" for k in range(1, q))))


def _numeric(df: pd.DataFrame, columns) -> pd.DataFrame:
    """Float columns (empty = NaN) so the grid shows blanks and a NumberColumn, not 'None'."""
    for c in columns:
        if c in df.columns:
            df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    return df


@dataclass
class SaveResult:
    changed: int = 0
    messages: list[str] = field(default_factory=list)


def _field_of(name: str) -> Optional[str]:
    if name in ENTRY_FIELDS:
        return ENTRY_FIELDS[name]
    return name if name in ENTRY_FIELDS.values() else None


def _start_draft(session: Session, actor: Actor, sub: Submission) -> None:
    if sub.state in ("belum_mulai", "dikembalikan"):
        before = {"state": sub.state}
        sub.state = "draf"
        sub.version += 1
        audit.record(session, actor, "submission.draft", "submission", sub.id, before=before,
                     after={"state": "draf"}, office_id=sub.round.office_id)


def _check_version(session: Session, label: str, current: int, expected: Optional[int], entity: str,
                   entity_id: Optional[int]) -> None:
    """Refuse a save made from an older version of the row than the database holds, naming who saved it."""
    if expected is not None and int(expected) != current:
        raise audit.stale_save(session, label, entity, entity_id)


def _same(old: Any, new: Any) -> bool:
    if isinstance(new, Decimal) or isinstance(old, Decimal):
        return old is not None and new is not None and Decimal(old) == Decimal(new)
    if old is None and new is None:
        return True
    return (old or "") == (new or "")


def _bump_version(session: Session, model: type, obj: Any, label: str) -> None:
    """Raise the row's version only if nobody changed it since we read it (a concurrent save loses)."""
    old = obj.version
    done = session.execute(
        update(model).where(model.id == obj.id, model.version == old).values(version=old + 1)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise audit.stale_save(session, label, model.__tablename__.rstrip("s"), obj.id)
    obj.version = old + 1


def _bump_versions(session: Session, rows: list[Realization], labels: dict[int, str]) -> None:
    """_bump_version for many rows in one statement; a row nobody else changed comes back in RETURNING,
    so a row that is missing is the one someone changed since it was read."""
    if not rows:
        return
    t = Realization.__table__
    bumped = set(session.connection().execute(
        # `id IN` lets SQLite use the primary key (it scans the table for a row-value IN alone)
        update(t).where(t.c.id.in_([r.id for r in rows]),
                        tuple_(t.c.id, t.c.version).in_([(r.id, r.version) for r in rows]))
        .values(version=t.c.version + 1).returning(t.c.id)).scalars())
    for r in rows:
        if r.id not in bumped:
            raise audit.stale_save(session, labels.get(r.indicator_id, "indikator"), "realization", r.id)
    for r in rows:
        set_committed_value(r, "version", r.version + 1)


def _flush_or_conflict(session: Session, label: str) -> None:
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"{label} baru saja diisi oleh pengguna lain. Simpanan Anda dibatalkan; muat ulang "
                       "halaman — nilai yang lebih baru akan ditampilkan — lalu ulangi perubahan Anda.") from None


def save_entries(session: Session, actor: Actor, submission_id: int, changes: dict[int, dict[str, Any]],
                 expected_versions: Optional[dict[int, int]] = None) -> SaveResult:
    """Apply one save of the grid: {indicator id: {column or field: value}}; all or nothing."""
    sub = editable_submission(session, actor, submission_id)
    expected_versions = {int(k): v for k, v in (expected_versions or {}).items()}
    inds = {i.id: i for i in unit_indicators(session, sub.round, sub.unit_id)}
    reals = _realizations(session, sub)
    problems: list[str] = []
    parsed: dict[int, dict[str, Any]] = {}
    for raw_id, fields in changes.items():
        ind_id = int(raw_id)
        ind = inds.get(ind_id)
        if ind is None:
            problems.append(f"Indikator #{ind_id} bukan indikator unit {sub.unit.name}.")
            continue
        label = f"{ind.code} {ind.name}"
        out: dict[str, Any] = {}
        for name, value in fields.items():
            attr = _field_of(name)
            if attr is None:
                problems.append(f"{label}: kolom '{name}' tidak dapat diubah di sini.")
                continue
            if attr == "value":
                try:
                    out[attr] = parse_number(value, label=f"{label}, Realisasi TW")
                except InvalidInput as err:
                    problems.append(err.message)
            else:
                out[attr] = parse_text(value)
        parsed[ind_id] = out
    if problems:
        raise InvalidInput("Data belum disimpan. Perbaiki: " + " ".join(problems), problems)
    for ind_id in parsed:
        r = reals.get(ind_id)
        _check_version(session, inds[ind_id].code, r.version if r else 0, expected_versions.get(ind_id),
                       "realization", r.id if r else None)
    result = SaveResult()
    now = utcnow()
    fields_audited = ["value", *ENTRY_FIELDS.values(), "version"]
    changed: list[tuple[Realization, Optional[dict[str, Any]]]] = []
    for ind_id, fields in parsed.items():
        r = reals.get(ind_id)
        diffs = {attr: value for attr, value in fields.items()
                 if not _same(getattr(r, attr) if r else (None if attr == "value" else ""), value)}
        if not diffs:
            continue
        before = audit.snapshot(r, fields_audited) if r else None
        if r is None:
            r = Realization(submission_id=sub.id, indicator_id=ind_id, version=0, not_measured_reason="",
                            note="", kendala="", tindak_lanjut="")
            session.add(r)
        for attr, value in diffs.items():
            setattr(r, attr, value)
        r.updated_by_id = actor.user_id or None
        r.updated_at = now
        changed.append((r, before))
    # One conditional version bump for all existing rows, one flush, one batch of audit rows: a grid
    # save is a handful of round trips, not three per row (PostgreSQL pays each one).
    _bump_versions(session, [r for r, before in changed if before is not None],
                   {i.id: i.code for i in inds.values()})
    for r, before in changed:
        if before is None:
            r.version = 1
    _flush_or_conflict(session, ", ".join(f"{inds[r.indicator_id].code} {inds[r.indicator_id].name}"
                                          for r, before in changed if before is None) or "Data")
    for r, before in changed:
        audit.record(session, actor, "realization.save", "realization", r.id, before=before,
                     after=audit.snapshot(r, fields_audited), office_id=sub.round.office_id, flush=False)
        result.changed += 1
    if result.changed:
        _start_draft(session, actor, sub)
    session.flush()
    return result


# --- the budget grid --------------------------------------------------------------------------


def _budget_lines(session: Session, sub: Submission) -> list[BudgetLine]:
    return list(session.scalars(select(BudgetLine).where(
        BudgetLine.office_id == sub.round.office_id, BudgetLine.year == sub.round.year,
        BudgetLine.owner_unit_id == sub.unit_id).order_by(BudgetLine.code, BudgetLine.id)))


def _budget_realizations(session: Session, sub: Submission) -> dict[int, BudgetRealization]:
    return {b.budget_line_id: b for b in session.scalars(
        select(BudgetRealization).where(BudgetRealization.submission_id == sub.id))}


def _spent_before(session: Session, sub: Submission, line_ids: list[int]) -> dict[int, Decimal]:
    if not line_ids:
        return {}
    rows = session.execute(
        select(BudgetRealization.budget_line_id, func.sum(BudgetRealization.amount))
        .join(Submission, Submission.id == BudgetRealization.submission_id)
        .join(CollectionRound, CollectionRound.id == Submission.round_id)
        .where(CollectionRound.office_id == sub.round.office_id, CollectionRound.year == sub.round.year,
               CollectionRound.quarter < sub.round.quarter, BudgetRealization.budget_line_id.in_(line_ids))
        .group_by(BudgetRealization.budget_line_id))
    return {i: Decimal(v or 0) for i, v in rows}


def budget_table(session: Session, actor: Actor, submission_id: int, exact: bool = False) -> pd.DataFrame:
    """The unit's DPA lines: pagu and spending so far read-only, this quarter's spending editable
    (`exact`: Decimals instead of floats, as in entry_table)."""
    _f = _exact if exact else _float
    sub = readable_submission(session, actor, submission_id)
    lines = _budget_lines(session, sub)
    before = _spent_before(session, sub, [b.id for b in lines])
    current = _budget_realizations(session, sub)
    rows = []
    for bl in lines:
        br = current.get(bl.id)
        prev = before.get(bl.id, Decimal(0))
        amount = br.amount if br else None
        total = prev + (amount or 0)
        rows.append({
            "Kode": bl.code,
            "Program": bl.program,
            "Kegiatan": bl.kegiatan,
            "Sub kegiatan": bl.sub_kegiatan,
            "Pagu": _f(bl.pagu),
            "Realisasi s.d. TW lalu": _f(prev),
            "Realisasi TW": _f(amount),
            "Realisasi s.d. TW": _f(total),
            "Serapan %": _f(absorption(total, bl.pagu)),
            "budget_line_id": bl.id,
            "version": br.version if br else 0,
        })
    if exact:
        return pd.DataFrame(rows)
    return _numeric(pd.DataFrame(rows), ("Pagu", "Realisasi s.d. TW lalu", "Realisasi TW", "Realisasi s.d. TW",
                                         "Serapan %"))


def save_budget(session: Session, actor: Actor, submission_id: int, changes: dict[int, Any],
                expected_versions: Optional[dict[int, int]] = None) -> SaveResult:
    """Apply one save of the budget grid: {budget line id: amount or {"Realisasi TW": amount}}."""
    sub = editable_submission(session, actor, submission_id)
    expected_versions = {int(k): v for k, v in (expected_versions or {}).items()}
    lines = {b.id: b for b in _budget_lines(session, sub)}
    before_spent = _spent_before(session, sub, list(lines))
    current = _budget_realizations(session, sub)
    problems: list[str] = []
    parsed: dict[int, Optional[Decimal]] = {}
    for raw_id, value in changes.items():
        line_id = int(raw_id)
        if isinstance(value, dict):
            unknown = [k for k in value if k not in ("Realisasi TW", "amount")]
            if unknown:
                problems.append(f"Kolom {', '.join(unknown)} tidak dapat diubah.")
            value = value.get("Realisasi TW", value.get("amount"))
        bl = lines.get(line_id)
        if bl is None:
            problems.append(f"Baris anggaran #{line_id} bukan milik unit {sub.unit.name}.")
            continue
        label = f"{bl.code} {bl.sub_kegiatan}"
        try:
            amount = parse_number(value, label=f"{label}, Realisasi TW")
        except InvalidInput as err:
            problems.append(err.message)
            continue
        if amount is not None:
            amount = amount.quantize(Decimal("0.01"))
            remaining = bl.pagu - before_spent.get(line_id, Decimal(0))
            if amount > remaining:
                problems.append(f"{label}: realisasi {money(amount)} melebihi sisa pagu {money(remaining)} "
                                f"(pagu {money(bl.pagu)} dikurangi realisasi triwulan sebelumnya).")
                continue
        parsed[line_id] = amount
    if problems:
        raise InvalidInput("Realisasi anggaran belum disimpan. Perbaiki: " + " ".join(problems), problems)
    for line_id in parsed:
        br = current.get(line_id)
        _check_version(session, f"anggaran {lines[line_id].code}", br.version if br else 0,
                       expected_versions.get(line_id), "budget_realization", br.id if br else None)
    result = SaveResult()
    for line_id, amount in parsed.items():
        br = current.get(line_id)
        if br is None and amount is None:
            continue
        if br is not None and ((br.amount is None and amount is None) or
                               (br.amount is not None and amount is not None and Decimal(br.amount) == amount)):
            continue
        before = audit.snapshot(br, ["amount", "version"]) if br else None
        label = f"anggaran {lines[line_id].code}"
        if br is None:
            br = BudgetRealization(submission_id=sub.id, budget_line_id=line_id, version=1)
            session.add(br)
        else:
            _bump_version(session, BudgetRealization, br, label)
        br.amount = amount
        br.updated_by_id = actor.user_id or None
        br.updated_at = utcnow()
        _flush_or_conflict(session, label)
        audit.record(session, actor, "budget_realization.save", "budget_realization", br.id, before=before,
                     after=audit.snapshot(br, ["amount", "version"]), office_id=sub.round.office_id)
        result.changed += 1
    if result.changed:
        _start_draft(session, actor, sub)
    session.flush()
    return result


# --- Ajukan -----------------------------------------------------------------------------------


def submission_problems(session: Session, sub: Submission) -> list[str]:
    """Everything that stops a submission, in Indonesian, one line per problem."""
    rnd = sub.round
    problems: list[str] = []
    reals = _realizations(session, sub)
    counts = evidence_counts(session, sub.id)
    inds = unit_indicators(session, rnd, sub.unit_id)
    targets = year_targets(session, [i.id for i in inds], rnd.year)
    for ind in inds:
        label = f"{ind.code} {ind.name}"
        r = reals.get(ind.id)
        value = r.value if r else None
        reason = (r.not_measured_reason if r else "").strip()
        if value is None:
            if not reason:
                problems.append(f"{label}: isi Realisasi TW, atau tulis alasan bila indikator tidak diukur "
                                "pada triwulan ini.")
            continue
        t = targets.get(ind.id)
        if below_target(t.quarter(rnd.quarter) if t else None, value, ind.polarity):
            if not (r.kendala or "").strip():
                problems.append(f"{label}: capaian di bawah target; isi Kendala.")
            if not (r.tindak_lanjut or "").strip():
                problems.append(f"{label}: capaian di bawah target; isi Tindak lanjut.")
        if ind.needs_evidence and counts.get(ind.id, 0) == 0:
            problems.append(f"{label}: unggah sekurang-kurangnya satu bukti dukung.")
    return problems


def submit(session: Session, actor: Actor, submission_id: int, confirm_flags: bool = False) -> Submission:
    """Ajukan: validate, lock the unit's data for review; the round moves on when every unit has submitted.

    Values that look implausible (core.plausibility) stop the first Ajukan; with `confirm_flags` the unit
    says they are right, and the flags it confirmed are kept in the audit row for the reviewer."""
    from core import plausibility  # it builds on this module's helpers

    sub = editable_submission(session, actor, submission_id, action="submission.submit")
    problems = submission_problems(session, sub)
    if problems:
        raise InvalidInput(f"Data belum dapat diajukan; ada {len(problems)} hal yang perlu dilengkapi.", problems)
    flags = plausibility.flags(session, sub)
    if flags and not confirm_flags:
        raise InvalidInput("Periksa nilai berikut. Bila sudah benar, centang konfirmasi lalu ajukan kembali.",
                           [f.message for f in flags])
    fields = ["state", "submitted_at", "first_submitted_at", "received_at", "received_by_id", "version"]
    before = audit.snapshot(sub, fields)
    now = utcnow()
    sub.state = "diajukan"
    sub.submitted_at = now
    sub.submitted_by_id = actor.user_id or None
    if sub.first_submitted_at is None:
        sub.first_submitted_at = now
    if sub.received_at is None:  # a unit that submits has evidently received the disposition
        sub.received_at = now
        sub.received_by_id = actor.user_id or None
    sub.version += 1
    session.flush()
    after = audit.snapshot(sub, fields)
    if flags:
        after["confirmed_flags"] = [f.as_audit() for f in flags]
    audit.record(session, actor, "submission.submit", "submission", sub.id, before=before, after=after,
                 office_id=sub.round.office_id)
    rnd = workflow.get_round(session, sub.round_id, for_update=True)
    current = step_by_code(session, "isi_data")
    waiting = session.scalar(select(func.count()).select_from(Submission).where(
        Submission.round_id == rnd.id, Submission.first_submitted_at.is_(None)))
    if rnd.current_step == current.number and waiting == 0:
        before_round = {"current_step": rnd.current_step}
        workflow.advance(session, rnd, actor, disposition="Seluruh unit kerja telah mengajukan data kinerja.")
        audit.record(session, actor, "round.advance", "collection_round", rnd.id, before=before_round,
                     after={"current_step": rnd.current_step}, office_id=rnd.office_id)
    return sub


# --- what the entry page shows about a submission -----------------------------------------------


@dataclass(frozen=True)
class SubmissionView:
    id: int
    round_id: int
    round_label: str
    unit_id: int
    unit_name: str
    state: str
    state_label: str
    deadline: dt.date
    deadline_label: str
    disposition: str
    instruction: str
    received_at: Optional[dt.datetime]
    submitted_at: Optional[dt.datetime]
    return_reason: str
    editable: bool
    round_open: bool


def submission_view(session: Session, actor: Actor, submission_id: int) -> SubmissionView:
    sub = readable_submission(session, actor, submission_id)
    rnd = sub.round
    returned = session.scalar(select(Review).where(Review.submission_id == sub.id,
                                                   Review.decision == "dikembalikan")
                              .order_by(Review.id.desc()))
    deadline = deadline_in_force(sub)
    return SubmissionView(
        id=sub.id, round_id=rnd.id, round_label=round_label(rnd.year, rnd.quarter), unit_id=sub.unit_id,
        unit_name=sub.unit.name, state=sub.state, state_label=STATE_LABELS[sub.state], deadline=deadline,
        deadline_label=fmt_date(deadline), disposition=sub.disposition, instruction=rnd.instruction,
        received_at=sub.received_at, submitted_at=sub.submitted_at,
        return_reason=returned.reason if returned else "",
        editable=is_editable(session, actor, sub.id), round_open=rnd.status == "berjalan",
    )


@dataclass(frozen=True)
class SubmissionChoice:
    id: int
    label: str
    state: str
    round_open: bool = True


def my_submissions(session: Session, actor: Actor) -> list[SubmissionChoice]:
    """Submissions of the actor's unit(s), open rounds first, newest first."""
    if actor.office_id is None:
        return []
    rows = session.execute(
        select(Submission, CollectionRound)
        .join(CollectionRound, CollectionRound.id == Submission.round_id)
        .where(CollectionRound.office_id == actor.office_id).options(joinedload(Submission.unit))
        .order_by(CollectionRound.status, CollectionRound.year.desc(), CollectionRound.quarter.desc()))
    scope = units_in_scope(session, actor)
    out = []
    for sub, rnd in rows:
        if sub.unit_id in scope:
            out.append(SubmissionChoice(sub.id, f"{round_label(rnd.year, rnd.quarter)} — {sub.unit.name} "
                                                f"({STATE_LABELS[sub.state]})", sub.state,
                                        rnd.status == "berjalan"))
    return out
