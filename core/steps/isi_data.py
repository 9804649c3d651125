"""SOP step 3, Isi Data Kinerja (pages/isi_data.py): a unit acknowledges the disposition, enters its
quarter's realisations and budget spending, and submits them.

A save applies one set of edits in one transaction with optimistic locking on Realization.version, so a
stale grid never overwrites someone else's newer value. The grids themselves are built by core.entry;
evidence files by core.evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from core import audit, workflow
from core.actor import Actor
from core.entry import (
    ENTRY_FIELDS,
    _budget_lines,
    _budget_realizations,
    _realizations,
    _spent_before,
    evidence_counts,
    unit_indicators,
    year_targets,
)
from core.entry_lock import deadline_notice, entry_lock, is_locked, office_lock_days
from core.errors import Conflict, InvalidInput
from core.fmt import date as fmt_date
from core.fmt import datetime as fmt_datetime
from core.fmt import money
from core.masterdata.settings import formula_of
from core.parsing import parse_number, parse_text
from core.permissions import require, units_in_scope
from core.round_status import deadline_in_force, get_submission, indicator_gaps
from core.sop import step_by_code
from core.states import EDITABLE, SubmissionState
from core.steps.base import PageSpec, Rule, TaskContext
from db.models import (
    BudgetRealization,
    Realization,
    Submission,
    User,
    utcnow,
)

ACTIONS = {
    "submission.acknowledge": Rule("menyatakan disposisi diterima", step="isi_data", unit_scoped=True),
    "submission.edit": Rule("mengisi data kinerja unit", step="isi_data", unit_scoped=True),
    "submission.submit": Rule("mengajukan data kinerja unit", step="isi_data", unit_scoped=True),
    "evidence.upload": Rule("mengunggah bukti dukung", step="isi_data", unit_scoped=True),
    "comment.respond": Rule("menjawab catatan pemeriksa", step="isi_data", unit_scoped=True),
}
PAGE = PageSpec("pages/isi_data.py", "Isi Data Kinerja", ":material/edit_note:", "Pengumpulan Data",
                steps=("isi_data",))


def tasks(ctx: TaskContext) -> None:
    if not ctx.may("submission.edit"):
        return
    scope = units_in_scope(ctx.session, ctx.actor)
    lock_days = office_lock_days(ctx.session, ctx.actor.office_id)
    for rnd in ctx.rounds:
        for sub in ctx.submissions(rnd.id):
            if sub.unit_id not in scope:
                continue
            deadline = deadline_in_force(sub)
            if is_locked(sub.state, deadline, lock_days, ctx.today):
                ctx.add(f"Pengisian data kinerja {rnd.label} ditutup (kunci jadwal) — minta Sekretaris "
                        "membukanya kembali", PAGE.path, deadline)
            elif sub.state in (SubmissionState.BELUM_MULAI, SubmissionState.DRAF):
                soon = deadline_notice(deadline, ctx.today)
                if soon:
                    ctx.add(f"Tenggat data kinerja {rnd.label} {soon} ({fmt_date(deadline)}): lengkapi dan "
                            "ajukan data unit Anda", PAGE.path, deadline)
                else:
                    ctx.add(f"Isi data kinerja {rnd.label} — tenggat {fmt_date(deadline)}", PAGE.path, deadline)
            elif sub.state == SubmissionState.DIKEMBALIKAN:
                ctx.add(f"Perbaiki data yang dikembalikan — {rnd.label}", PAGE.path, deadline)


def acknowledge(session: Session, actor: Actor, submission_id: int) -> Submission:
    """The unit head confirms the disposition was received (once)."""
    sub = get_submission(session, submission_id, for_update=True)
    require(session, actor, "submission.acknowledge", sub.unit_id, office_id=sub.round.office_id)
    workflow.ensure_open(sub.round)
    if sub.received_at is not None:
        who = session.get(User, sub.received_by_id) if sub.received_by_id else None
        raise Conflict(f"Disposisi sudah ditandai diterima pada {fmt_datetime(sub.received_at)}"
                       + (f" oleh {who.full_name}." if who else "."))
    before = audit.snapshot(sub, ["received_at", "received_by_id"])
    sub.received_at = utcnow()
    sub.received_by_id = actor.user_id or None
    sub.version += 1
    session.flush()
    audit.record(session, actor, "submission.acknowledge", "submission", sub.id, before=before,
                 after=audit.snapshot(sub, ["received_at", "received_by_id"]), office_id=sub.round.office_id)
    return sub


def _lock_message(sub: Submission) -> str:
    if sub.state == SubmissionState.DIAJUKAN:
        return (f"Data {sub.unit.name} sudah diajukan dan terkunci untuk diperiksa. Perubahan hanya dapat "
                "dilakukan bila data dikembalikan oleh pemeriksa.")
    return f"Data {sub.unit.name} sudah diterima dan terkunci; tidak dapat diubah lagi."


def editable_submission(session: Session, actor: Actor, submission_id: int,
                        action: str = "submission.edit") -> Submission:
    """The submission, after the permission, open-round and state checks of an edit."""
    workflow.lock_for_write(session)  # SQLite: no stale read of versions between two saves
    sub = get_submission(session, submission_id, for_update=True)
    require(session, actor, action, sub.unit_id, office_id=sub.round.office_id)
    workflow.ensure_open(sub.round)
    if sub.state not in EDITABLE:
        raise Conflict(_lock_message(sub))
    closed = entry_lock(session, sub)
    if closed is not None:
        raise Conflict(closed.message)
    return sub


@dataclass
class SaveResult:
    changed: int = 0
    messages: list[str] = field(default_factory=list)


def _field_of(name: str) -> Optional[str]:
    if name in ENTRY_FIELDS:
        return ENTRY_FIELDS[name]
    return name if name in ENTRY_FIELDS.values() else None


def _start_draft(session: Session, actor: Actor, sub: Submission) -> None:
    if sub.state in (SubmissionState.BELUM_MULAI, SubmissionState.DIKEMBALIKAN):
        before = {"state": sub.state}
        sub.state = SubmissionState.DRAF
        sub.version += 1
        audit.record(session, actor, "submission.draft", "submission", sub.id, before=before,
                     after={"state": SubmissionState.DRAF}, office_id=sub.round.office_id)


def _check_version(session: Session, actor: Actor, label: str, current: int, expected: Optional[int], entity: str,
                   entity_id: Optional[int]) -> None:
    """Refuse a save made from an older version of the row than the database holds, naming who saved it."""
    if expected is not None and int(expected) != current:
        raise audit.stale_save(session, label, entity, entity_id, actor)


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
        _check_version(session, actor, inds[ind_id].code, r.version if r else 0, expected_versions.get(ind_id),
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
                            note="", kendala="", tindak_lanjut="", faktor_pendorong="")
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
        _check_version(session, actor, f"anggaran {lines[line_id].code}", br.version if br else 0,
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


def submission_problems(session: Session, sub: Submission) -> list[str]:
    """Everything that stops a submission, in Indonesian, one line per problem."""
    rnd = sub.round
    problems: list[str] = []
    reals = _realizations(session, sub)
    counts = evidence_counts(session, sub.id)
    inds = unit_indicators(session, rnd, sub.unit_id)
    targets = year_targets(session, [i.id for i in inds], rnd.year)
    formula = formula_of(session, rnd.office_id)
    for ind in inds:
        label = f"{ind.code} {ind.name}"
        r = reals.get(ind.id)
        t = targets.get(ind.id)
        gaps = indicator_gaps(r.value if r else None, r.not_measured_reason if r else None,
                              r.kendala if r else None, r.tindak_lanjut if r else None,
                              t.quarter(rnd.quarter) if t else None, ind.polarity, ind.needs_evidence,
                              counts.get(ind.id, 0) > 0, formula, r.faktor_pendorong if r else None)
        if gaps.value:
            problems.append(f"{label}: isi Realisasi TW, atau tulis alasan bila indikator tidak diukur "
                            "pada triwulan ini.")
        if gaps.kendala:
            problems.append(f"{label}: capaian di bawah target; isi Kendala.")
        if gaps.tindak_lanjut:
            problems.append(f"{label}: capaian di bawah target; isi Tindak lanjut.")
        if gaps.pendorong:
            problems.append(f"{label}: capaian mencapai atau melampaui target; isi Faktor pendorong.")
        if gaps.evidence:
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
    sub.state = SubmissionState.DIAJUKAN
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
