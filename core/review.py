"""SOP step 4 (Pengolahan): the penyusun checks each unit's submission, accepts or returns it, and
comments on single indicator rows; the unit answers. Every decision and comment is kept as history.

Reviews are allowed while the round is at 'isi_data' or 'pengolahan' (units arrive at different
times). When every expected unit's submission is accepted, the round moves on to 'penyusunan'.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

import pandas as pd
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from core import achievement as ach
from core import fmt, workflow
from core.actor import Actor
from core.masterdata.settings import formula_of
from core.permissions import can, require_office, require_unit_read
from core.round_status import deadline_in_force, get_submission, round_submissions
from core.round_status import submission_days_late as days_late
from core.states import NOT_DISTRIBUTED, RoundState, SubmissionState, submission_label
from db.models import (
    AuditLog,
    CollectionRound,
    Indicator,
    OrgUnit,
    ReviewComment,
    Submission,
    Target,
    User,
)

# --- reading -------------------------------------------------------------------------------


def expected_unit_ids(session: Session, office_id: int) -> list[int]:
    """Units that must report in a round: owners of the office's active indicators."""
    return sorted(set(session.scalars(
        select(Indicator.owner_unit_id).where(Indicator.office_id == office_id, Indicator.active.is_(True)))))


def missing_unit_ids(session: Session, rnd: CollectionRound) -> list[int]:
    have = {s.unit_id for s in rnd.submissions}
    return [u for u in expected_unit_ids(session, rnd.office_id) if u not in have]


def _open_comment_counts(session: Session, submission_ids: list[int]) -> dict[int, int]:
    if not submission_ids:
        return {}
    rows = session.execute(
        select(ReviewComment.submission_id, func.count())
        .where(ReviewComment.submission_id.in_(submission_ids), ReviewComment.resolved.is_(False))
        .group_by(ReviewComment.submission_id))
    return {sid: n for sid, n in rows}


def _readable(session: Session, actor: Actor, submission_id: int) -> Submission:
    """The submission, after the read check (core.permissions.read_scope) of its unit."""
    sub = get_submission(session, submission_id)
    require_unit_read(session, actor, sub.round.office_id, sub.unit_id)
    return sub


def submissions_overview(session: Session, actor: Actor, round_id: int, today: dt.date) -> pd.DataFrame:
    """One row per unit of the round: state, deadline in force, submitted at, days late, returns."""
    rnd = workflow.get_round(session, round_id)
    require_office(actor, rnd.office_id)
    subs = sorted(round_submissions(session, rnd.id, Submission.unit, Submission.extensions, Submission.reviews),
                  key=lambda s: (s.unit.sort_order, s.unit.name))
    comments = _open_comment_counts(session, [s.id for s in subs])
    rows = []
    for s in subs:
        rows.append({
            "submission_id": s.id,
            "unit_id": s.unit_id,
            "unit": s.unit.name,
            "state": s.state,
            "state_label": submission_label(s.state),
            "deadline": deadline_in_force(s),
            "extended": bool(s.extensions),
            "submitted_at": s.submitted_at,
            "days_late": days_late(s, today),
            "returns": sum(1 for r in s.reviews if r.decision == SubmissionState.DIKEMBALIKAN),
            "open_comments": comments.get(s.id, 0),
        })
    for unit_id in missing_unit_ids(session, rnd):
        unit = session.get(OrgUnit, unit_id)
        rows.append({
            "submission_id": None, "unit_id": unit_id, "unit": unit.name, "state": NOT_DISTRIBUTED,
            "state_label": submission_label(NOT_DISTRIBUTED), "deadline": rnd.deadline, "extended": False,
            "submitted_at": None, "days_late": max(0, (today - rnd.deadline).days) if rnd.deadline else 0,
            "returns": 0, "open_comments": 0,
        })
    columns = ["submission_id", "unit_id", "unit", "state", "state_label", "deadline", "extended",
               "submitted_at", "days_late", "returns", "open_comments"]
    return pd.DataFrame(rows, columns=columns)


def when(value: object) -> str:
    """A timestamp from a DataFrame cell (NaT/None shown as '–')."""
    if value is None or pd.isna(value):
        return "–"
    return fmt.datetime(pd.Timestamp(value).to_pydatetime())


def overview_table(df: pd.DataFrame) -> pd.DataFrame:
    """The overview formatted for display, with Indonesian column names."""
    return pd.DataFrame({
        "Unit": df["unit"],
        "Status": df["state_label"],
        "Tenggat": [fmt.date(d) + (" (diperpanjang)" if e else "") for d, e in zip(df["deadline"], df["extended"])],
        "Diajukan": [when(v) for v in df["submitted_at"]],
        "Terlambat (hari)": df["days_late"],
        "Dikembalikan (kali)": df["returns"],
        "Catatan terbuka": df["open_comments"],
    })


def submission_detail(session: Session, actor: Actor, submission_id: int) -> pd.DataFrame:
    """Each indicator of the unit: value against target, capaian and predikat, kendala, evidence, comments."""
    sub = _readable(session, actor, submission_id)
    rnd = sub.round
    q = rnd.quarter
    indicators = list(session.scalars(
        select(Indicator).where(Indicator.office_id == rnd.office_id, Indicator.owner_unit_id == sub.unit_id,
                                Indicator.active.is_(True)).order_by(Indicator.sort_order, Indicator.code)))
    ids = [i.id for i in indicators]
    targets = {t.indicator_id: t for t in session.scalars(
        select(Target).where(Target.indicator_id.in_(ids), Target.year == rnd.year))} if ids else {}
    reals = {r.indicator_id: r for r in sub.realizations}
    evidence: dict[Optional[int], int] = {}
    for ev in sub.evidence:
        rid = ev.realization_id
        evidence[rid] = evidence.get(rid, 0) + 1
    open_comments: dict[Optional[int], int] = {}
    for c in session.scalars(select(ReviewComment).where(ReviewComment.submission_id == sub.id,
                                                         ReviewComment.resolved.is_(False))):
        open_comments[c.indicator_id] = open_comments.get(c.indicator_id, 0) + 1
    formula = formula_of(session, rnd.office_id)
    rows = []
    for ind in indicators:
        t = targets.get(ind.id)
        target_q = t.quarter(q) if t else None
        real = reals.get(ind.id)
        value = real.value if real else None
        cap = ach.achievement(target_q, value, ind.polarity, formula=formula)
        rows.append({
            "indicator_id": ind.id,
            "code": ind.code,
            "indicator": ind.name,
            "satuan": ind.satuan,
            "polarity": ind.polarity,
            "target_annual": t.annual if t else None,
            "target_tw": target_q,
            "realisasi_tw": value,
            "capaian_tw": cap.percent,
            "capaian_reason": cap.reason,
            "predikat": ach.predicate(cap.percent, formula) or "",
            "not_measured_reason": real.not_measured_reason if real else "",
            "faktor_pendorong": real.faktor_pendorong if real else "",
            "kendala": real.kendala if real else "",
            "tindak_lanjut": real.tindak_lanjut if real else "",
            "evidence": evidence.get(real.id, 0) if real else 0,
            "needs_evidence": ind.needs_evidence,
            "open_comments": open_comments.get(ind.id, 0),
        })
    columns = ["indicator_id", "code", "indicator", "satuan", "polarity", "target_annual", "target_tw",
               "realisasi_tw", "capaian_tw", "capaian_reason", "predikat", "not_measured_reason",
               "faktor_pendorong", "kendala", "tindak_lanjut", "evidence", "needs_evidence", "open_comments"]
    return pd.DataFrame(rows, columns=columns)


def detail_table(df: pd.DataFrame) -> pd.DataFrame:
    """The detail formatted for display, with Indonesian column names."""
    return pd.DataFrame({
        "Kode": df["code"],
        "Indikator": df["indicator"],
        "Satuan": df["satuan"],
        "Target TW": [fmt.number(v) for v in df["target_tw"]],
        "Realisasi TW": [fmt.number(v) for v in df["realisasi_tw"]],
        "Capaian TW": [fmt.percent(v) if v is not None else f"– ({r})" for v, r in
                       zip(df["capaian_tw"], df["capaian_reason"])],
        "Predikat": df["predikat"],
        "Bukti dukung": df["evidence"],
        "Catatan terbuka": df["open_comments"],
        "Faktor pendorong": df["faktor_pendorong"],
        "Kendala": df["kendala"],
        "Tindak lanjut": df["tindak_lanjut"],
    })


def review_history(session: Session, actor: Actor, submission_id: int) -> pd.DataFrame:
    """Every decision on the submission, oldest first: the return reasons stay visible."""
    sub = _readable(session, actor, submission_id)
    rows = [{"review_id": r.id, "at": r.created_at, "decision": r.decision,
             "decision_label": submission_label(r.decision), "reason": r.reason,
             "reviewer": r.reviewer.full_name if r.reviewer else ""} for r in sub.reviews]
    return pd.DataFrame(rows, columns=["review_id", "at", "decision", "decision_label", "reason", "reviewer"])


def comments_for(session: Session, actor: Actor, submission_id: int) -> pd.DataFrame:
    """Every comment on the submission's rows, open and resolved, with the unit's answer."""
    _readable(session, actor, submission_id)
    users = {u.id: u.full_name for u in session.scalars(select(User))}
    inds = {i.id: i for i in session.scalars(select(Indicator))}
    rows = []
    for c in session.scalars(select(ReviewComment).where(ReviewComment.submission_id == submission_id)
                             .order_by(ReviewComment.id)):
        ind = inds.get(c.indicator_id)
        rows.append({
            "comment_id": c.id, "indicator_id": c.indicator_id, "code": ind.code if ind else "",
            "indicator": ind.name if ind else "(seluruh data unit)", "text": c.text,
            "author": users.get(c.author_id, ""), "created_at": c.created_at, "response": c.response,
            "responded_by": users.get(c.responded_by_id, "") if c.responded_by_id else "",
            "responded_at": c.responded_at, "resolved": c.resolved,
            "resolved_by": users.get(c.resolved_by_id, "") if c.resolved_by_id else "",
            "resolved_at": c.resolved_at,
        })
    columns = ["comment_id", "indicator_id", "code", "indicator", "text", "author", "created_at", "response",
               "responded_by", "responded_at", "resolved", "resolved_by", "resolved_at"]
    return pd.DataFrame(rows, columns=columns)


def notes_for_unit(session: Session, actor: Actor, submission_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The reviewer's comments on a unit's rows and the return reasons, for the unit's own page."""
    from core.entry import readable_submission

    sub = readable_submission(session, actor, submission_id)
    history = review_history(session, actor, sub.id)
    returns = history[history["decision"] == SubmissionState.DIKEMBALIKAN].reset_index(drop=True)
    comments = comments_for(session, actor, sub.id)
    can_answer = sub.round.status == RoundState.BERJALAN and can(session, actor, "comment.respond", sub.unit_id)
    return comments.assign(can_answer=[can_answer and not r for r in comments["resolved"]]), returns


# --- deciding ------------------------------------------------------------------------------


# --- comments on indicator rows ------------------------------------------------------------


def submission_for_unit(session: Session, round_id: int, unit_id: int) -> Optional[Submission]:
    return session.scalar(select(Submission).where(Submission.round_id == round_id, Submission.unit_id == unit_id))


# --- what the reviewer checks beside the indicator table (step 4) -----------------------------------


@dataclass(frozen=True)
class EvidenceGroup:
    """The evidence files of one indicator (indicator_id None: files for the unit's data as a whole)."""

    indicator_id: Optional[int]
    label: str
    needs_evidence: bool
    files: list  # core.evidence.EvidenceItem


def evidence_by_indicator(session: Session, actor: Actor, submission_id: int) -> list[EvidenceGroup]:
    """Every indicator of the unit in grid order with its files (also those without any), then the files
    attached to the unit's data as a whole."""
    from core.entry import readable_submission, unit_indicators
    from core.evidence import list_evidence

    sub = readable_submission(session, actor, submission_id)
    files = list_evidence(session, actor, sub.id)
    groups = [EvidenceGroup(i.id, f"{i.code} {i.name}", i.needs_evidence,
                            [f for f in files if f.indicator_id == i.id])
              for i in unit_indicators(session, sub.round, sub.unit_id)]
    general = [f for f in files if f.indicator_id is None or f.indicator_id not in {g.indicator_id for g in groups}]
    if general:
        groups.append(EvidenceGroup(None, "Umum (seluruh data unit)", False, general))
    return groups


@dataclass(frozen=True)
class BudgetReview:
    """The unit's DPA lines for the reviewer, formatted, with the unit's totals."""

    table: pd.DataFrame  # preformatted strings, Indonesian column names
    pagu: Decimal
    spent_before: Decimal
    spent_quarter: Decimal
    spent_total: Decimal
    absorption: Optional[Decimal]
    year_elapsed: Decimal
    missing: int  # lines whose spending of the quarter is not filled in

    @property
    def summary(self) -> str:
        text = (f"Serapan anggaran unit s.d. triwulan ini {fmt.percent(self.absorption)}: "
                f"{fmt.money(self.spent_total)} dari pagu {fmt.money(self.pagu)} "
                f"(triwulan ini {fmt.money(self.spent_quarter)}); tahun anggaran berjalan "
                f"{fmt.percent(self.year_elapsed, 0)}.")
        if self.missing:
            text += f" {self.missing} baris belum diisi realisasinya."
        return text


# the figures before the long sub kegiatan name, so they are on screen without scrolling the table
BUDGET_COLUMNS = ["Kode", "Pagu", "Realisasi s.d. TW lalu", "Realisasi TW", "Realisasi s.d. TW", "Serapan %",
                  "Sub kegiatan", "Kegiatan"]


def budget_review(session: Session, actor: Actor, submission_id: int) -> BudgetReview:
    from core.entry import _budget_lines, _budget_realizations, _spent_before, readable_submission

    sub = readable_submission(session, actor, submission_id)
    lines = _budget_lines(session, sub)
    before = _spent_before(session, sub, [b.id for b in lines])
    current = _budget_realizations(session, sub)
    rows = []
    totals = {"pagu": Decimal(0), "before": Decimal(0), "quarter": Decimal(0)}
    missing = 0
    for bl in lines:
        br = current.get(bl.id)
        amount = Decimal(br.amount) if br is not None and br.amount is not None else None
        prev = before.get(bl.id, Decimal(0))
        total = prev + (amount or 0)
        missing += amount is None
        totals["pagu"] += Decimal(bl.pagu)
        totals["before"] += prev
        totals["quarter"] += amount or 0
        rows.append([bl.code, fmt.money(bl.pagu), fmt.money(prev),
                     fmt.money(amount) if amount is not None else "– (belum diisi)", fmt.money(total),
                     fmt.percent(ach.absorption(total, bl.pagu)), bl.sub_kegiatan, bl.kegiatan])
    spent_total = totals["before"] + totals["quarter"]
    from core.recap import year_elapsed

    return BudgetReview(pd.DataFrame(rows, columns=BUDGET_COLUMNS), totals["pagu"], totals["before"],
                        totals["quarter"], spent_total, ach.absorption(spent_total, totals["pagu"]),
                        year_elapsed(sub.round.quarter), missing)


# --- what changed since the data was returned --------------------------------------------------------

REALIZATION_FIELDS = {"value": "Realisasi TW", "not_measured_reason": "Alasan tidak diukur", "note": "Catatan",
                      "faktor_pendorong": "Faktor pendorong", "kendala": "Kendala", "tindak_lanjut": "Tindak lanjut"}
CHANGE_ACTIONS = ("realization.save", "budget_realization.save", "evidence.upload", "evidence.delete",
                  "submission.submit")
CHANGE_COLUMNS = ["Bagian", "Kode", "Uraian", "Kolom", "Sebelum", "Sesudah", "Diubah oleh", "Waktu"]


@dataclass(frozen=True)
class Change:
    part: str  # Indikator | Anggaran | Bukti dukung
    code: str
    name: str
    field: str
    before: str  # formatted for people ("–" when empty)
    after: str
    by: str
    at: dt.datetime


@dataclass(frozen=True)
class ChangesSinceReturn:
    returned_at: Optional[dt.datetime]  # the last return (None: never returned)
    reason: str
    resubmitted_at: Optional[dt.datetime]  # the last Ajukan after that return
    changes: list[Change]

    @property
    def unchanged(self) -> bool:
        return self.returned_at is not None and not self.changes

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([[c.part, c.code, c.name, c.field, c.before, c.after, c.by, fmt.datetime(c.at)]
                             for c in self.changes], columns=CHANGE_COLUMNS)


def _dec(value: object) -> Optional[Decimal]:
    return None if value is None or value == "" else Decimal(str(value))


def _same_value(field: str, old: object, new: object) -> bool:
    if field in ("value", "amount"):
        return _dec(old) == _dec(new)
    return (old or "") == (new or "")


def _shown(field: str, value: object) -> str:
    if field == "value":
        return fmt.number(_dec(value))
    if field == "amount":
        return fmt.money(_dec(value))
    return str(value) if value else "–"


def changes_since_return(session: Session, actor: Actor, submission_id: int) -> ChangesSinceReturn:
    """Field by field, what the unit changed in its realisations, budget lines and evidence since the last
    return: the returned version against the data as it stands, read from the audit log (a value changed and
    changed back is no change)."""
    from core.entry import _budget_lines, _budget_realizations, _realizations, readable_submission, unit_indicators

    sub = readable_submission(session, actor, submission_id)
    ret = session.scalar(select(AuditLog).where(
        AuditLog.entity == "submission", AuditLog.entity_id == str(sub.id), AuditLog.action == "submission.return")
        .order_by(AuditLog.id.desc()).limit(1))
    if ret is None:
        return ChangesSinceReturn(None, "", None, [])
    inds = {i.id: i for i in unit_indicators(session, sub.round, sub.unit_id)}
    order = {i: n for n, i in enumerate(inds)}
    reals = _realizations(session, sub)
    real_ind = {r.id: r.indicator_id for r in reals.values()}
    lines = {b.id: b for b in _budget_lines(session, sub)}
    budget_line = {b.id: b.budget_line_id for b in _budget_realizations(session, sub).values()}
    rows = list(session.scalars(select(AuditLog).where(
        AuditLog.office_id == sub.round.office_id, AuditLog.id > ret.id, AuditLog.action.in_(CHANGE_ACTIONS),
        or_(and_(AuditLog.entity == "realization", AuditLog.entity_id.in_([str(i) for i in real_ind])),
            and_(AuditLog.entity == "budget_realization", AuditLog.entity_id.in_([str(i) for i in budget_line])),
            AuditLog.entity == "evidence",
            and_(AuditLog.entity == "submission", AuditLog.entity_id == str(sub.id))))
        .order_by(AuditLog.id)))
    names = {i: n for i, n in session.execute(select(User.id, User.full_name).where(
        User.id.in_({r.actor_id for r in rows if r.actor_id})))} if rows else {}
    resubmitted_at = None
    first: dict[tuple[str, str], AuditLog] = {}
    last: dict[tuple[str, str], AuditLog] = {}
    uploaded: dict[str, AuditLog] = {}
    deleted: dict[str, AuditLog] = {}
    for row in rows:
        if row.action == "submission.submit":
            resubmitted_at = row.at
        elif row.entity == "evidence":
            data = (row.after if row.action == "evidence.upload" else row.before) or {}
            if data.get("submission_id") != sub.id:
                continue
            (uploaded if row.action == "evidence.upload" else deleted)[row.entity_id] = row
        else:
            key = (row.entity, row.entity_id)
            first.setdefault(key, row)
            last[key] = row
    changes: list[tuple[tuple, Change]] = []

    def by(row: AuditLog) -> str:
        return names.get(row.actor_id, row.actor_username)

    for key, end in last.items():
        entity, entity_id = key
        start = (first[key].before or {})
        final = end.after or {}
        if entity == "realization":
            ind = inds.get(real_ind.get(int(entity_id)))
            fields = REALIZATION_FIELDS
            part, code, name = "Indikator", ind.code if ind else "", ind.name if ind else ""
            sort = (0, order.get(ind.id, 0) if ind else 0)
        else:
            bl = lines.get(budget_line.get(int(entity_id)))
            fields = {"amount": "Realisasi TW"}
            part, code, name = "Anggaran", bl.code if bl else "", bl.sub_kegiatan if bl else ""
            sort = (1, code)
        for n, (field, label) in enumerate(fields.items()):
            if not _same_value(field, start.get(field), final.get(field)):
                changes.append(((*sort, n), Change(part, code, name, label, _shown(field, start.get(field)),
                                                   _shown(field, final.get(field)), by(end), end.at)))
    for ev_id in set(uploaded) ^ set(deleted):
        row = uploaded.get(ev_id) or deleted[ev_id]
        data = (row.after if ev_id in uploaded else row.before) or {}
        ind = inds.get(real_ind.get(data.get("realization_id")))
        name = data.get("filename", "")
        change = Change("Bukti dukung", ind.code if ind else "", ind.name if ind else "Umum (seluruh data unit)",
                        "Berkas", "–" if ev_id in uploaded else name,
                        f"{name} (ditambahkan)" if ev_id in uploaded else "(dihapus)", by(row), row.at)
        changes.append(((2, order.get(ind.id, len(order)) if ind else len(order), row.id), change))
    changes.sort(key=lambda c: c[0])
    reason = (ret.after or {}).get("reason", "")
    return ChangesSinceReturn(ret.at, reason, resubmitted_at, [c for _, c in changes])


def unchanged_since_return(session: Session, actor: Actor, submission_id: int) -> Optional[dt.datetime]:
    """The moment of the last return when the unit has changed nothing since (so Ajukan would send the
    returned data back as it was); None when never returned, already accepted, or changed."""
    result = changes_since_return(session, actor, submission_id)
    if not result.unchanged or get_submission(session, submission_id).state == SubmissionState.DITERIMA:
        return None
    return result.returned_at
