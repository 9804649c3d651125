"""The round's timeline against the SOP's standard times, and the units holding the collection up.

SOP Peringatan: "Apabila Pengumpulan Data Kinerja tidak terselesaikan dengan baik dan benar maka
kegiatan pelaporan akan terhambat" — so lateness is computed here and shown where nobody misses it.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core import fmt, workflow
from core.actor import ROLE_LABELS
from core.markup import md
from core.review import missing_unit_ids, when
from core.round_status import deadline_in_force
from core.states import NOT_DISTRIBUTED, OUTSTANDING, submission_label
from db.models import OrgUnit, SopStep, StepRecord, Submission, User, utcnow

WARNING = ("Apabila Pengumpulan Data Kinerja tidak terselesaikan dengan baik dan benar maka kegiatan "
           "pelaporan akan terhambat.")
COLUMNS = ["number", "code", "name", "executor", "actor_name", "status", "started", "finished",
           "duration_minutes", "standard_minutes", "standard_label", "over_standard"]


def now() -> dt.datetime:
    """The moment step records are compared with (naive UTC, as they are stored)."""
    return utcnow()


def round_timeline(session: Session, round_id: int, now: dt.datetime) -> pd.DataFrame:
    """One row per SOP step: who did it, when, how long against the SOP's standard time.

    A step that ran more than once (e.g. after a return) spans its first start to its last finish;
    a step still running is measured up to `now`.
    """
    rnd = workflow.get_round(session, round_id)
    records: dict[int, list[StepRecord]] = {}
    for rec in session.scalars(select(StepRecord).where(StepRecord.round_id == rnd.id).order_by(StepRecord.id)):
        records.setdefault(rec.step_number, []).append(rec)
    # only the people who ran this round's steps, not every user of the regency
    ids = {r.actor_id for recs in records.values() for r in recs if r.actor_id}
    users = dict(session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all()) if ids else {}
    rows = []
    for step in session.scalars(select(SopStep).order_by(SopStep.number)):
        recs = records.get(step.number, [])
        started = min((r.started_at for r in recs), default=None)
        running = any(r.finished_at is None for r in recs)
        finished = None if running or not recs else max(r.finished_at for r in recs)
        if started is None:
            status, minutes = "belum", None
        else:
            status = "selesai" if finished is not None else "berjalan"
            minutes = _minutes(started, finished if finished is not None else now)
        actor_ids = [r.actor_id for r in recs if r.actor_id]
        rows.append({
            "number": step.number,
            "code": step.code,
            "name": step.short_name,
            "executor": ", ".join(ROLE_LABELS.get(r, r) for r in step.executor_roles),
            "actor_name": users.get(actor_ids[-1], "") if actor_ids else "",
            "status": status,
            "started": started,
            "finished": finished,
            "duration_minutes": minutes,
            "standard_minutes": step.standard_minutes,
            "standard_label": step.standard_label,
            "over_standard": bool(minutes is not None and minutes > step.standard_minutes),
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def _minutes(start: dt.datetime, end: dt.datetime) -> float:
    return max(0.0, round((end - start).total_seconds() / 60, 1))


def as_of(df: pd.DataFrame, now: dt.datetime) -> pd.DataFrame:
    """The timeline of `round_timeline` with its running steps measured up to `now` instead.

    Only a running step's duration depends on the clock, so a timeline read once (and kept until the data
    changes) shows the same as one read now. Returns a new frame; `df` is left as it was."""
    running = [i for i, s in enumerate(df["status"]) if s == "berjalan"]
    if not running:
        return df
    out = df.copy()
    for i in running:
        minutes = _minutes(out.at[i, "started"], now)
        out.at[i, "duration_minutes"] = minutes
        out.at[i, "over_standard"] = bool(minutes > out.at[i, "standard_minutes"])
    return out


def timeline_table(df: pd.DataFrame) -> pd.DataFrame:
    """The timeline formatted for display, with Indonesian column names."""
    status = {"belum": "Belum dimulai", "berjalan": "Sedang berjalan", "selesai": "Selesai"}
    return pd.DataFrame({
        "Langkah": df["number"],
        "Kegiatan": df["name"],
        "Pelaksana (SOP)": df["executor"],
        "Dilaksanakan oleh": [a or "–" for a in df["actor_name"]],
        "Status": [status.get(s, s) for s in df["status"]],
        "Mulai": [when(v) for v in df["started"]],
        "Selesai": [when(v) for v in df["finished"]],
        "Durasi": ["–" if v is None or pd.isna(v) else fmt.duration(v) for v in df["duration_minutes"]],
        "Waktu baku": df["standard_label"],
        "Melebihi waktu baku": ["Ya" if o else "" for o in df["over_standard"]],
    })


def late_units(session: Session, round_id: int, today: dt.date) -> pd.DataFrame:
    """Units whose data is still outstanding after the deadline in force, most days late first."""
    rnd = workflow.get_round(session, round_id)
    rows = []
    # units and extensions loaded with the submissions: two queries, not two per unit
    subs = session.scalars(select(Submission).where(Submission.round_id == rnd.id).order_by(Submission.id)
                           .options(selectinload(Submission.unit), selectinload(Submission.extensions)))
    for sub in subs:
        if sub.state not in OUTSTANDING:
            continue
        late = (today - deadline_in_force(sub)).days
        if late <= 0:
            continue
        rows.append({"submission_id": sub.id, "unit": sub.unit.name, "state": sub.state,
                     "state_label": submission_label(sub.state), "deadline": deadline_in_force(sub),
                     "days_late": late})
    if rnd.deadline is not None and rnd.deadline < today:
        for unit_id in missing_unit_ids(session, rnd):
            unit = session.get(OrgUnit, unit_id)
            rows.append({"submission_id": None, "unit": unit.name, "state": NOT_DISTRIBUTED,
                         "state_label": submission_label(NOT_DISTRIBUTED), "deadline": rnd.deadline,
                         "days_late": (today - rnd.deadline).days})
    rows.sort(key=lambda r: (-r["days_late"], r["unit"]))
    return pd.DataFrame(rows, columns=["submission_id", "unit", "state", "state_label", "deadline", "days_late"])


def late_units_message(df: pd.DataFrame) -> str:
    """The Peringatan with each late unit and its days late, as Markdown for a warning box."""
    if df.empty:
        return ""
    items = "\n".join(f"- {md(u)}: terlambat {d} hari (status {s}, tenggat {fmt.date(t)})"
                      for u, d, s, t in zip(df["unit"], df["days_late"], df["state_label"], df["deadline"]))
    return f"**Peringatan SOP:** {WARNING}\n\nUnit yang belum menyelesaikan data melewati tenggat:\n\n{items}"


def timeline_styled(df: pd.DataFrame):
    """The display table with the steps that ran over the SOP standard highlighted (a pandas Styler)."""
    table = timeline_table(df)
    over = list(df["over_standard"])

    def _row(row: pd.Series) -> list[str]:
        style = "background-color: #fde2e1; color: #8a1c14; font-weight: 600" if over[row.name] else ""
        return [style] * len(row)

    return table.style.apply(_row, axis=1)


def over_standard_steps(df: pd.DataFrame) -> list[str]:
    """'Langkah 4 Pengolahan (40 menit; baku 15 menit)' for each step that ran over its standard time."""
    return [f"Langkah {n} {md(name)} ({fmt.duration(m)}; baku {md(label)})"
            for n, name, m, label, o in zip(df["number"], df["name"], df["duration_minutes"], df["standard_label"],
                                            df["over_standard"]) if o]
