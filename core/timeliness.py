"""Timeliness and completeness over time: each unit across the office's last rounds (on time, late by n days,
extensions, returns, completeness) — DHIS2's *reporting rate summary* for this SOP — with its chart and XLSX.

One round's figures come from core.status.quarter_status, the same numbers the status board shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

import altair as alt
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import clock, fmt
from core.achievement import _q
from core.actor import Actor
from core.permissions import require_office
from core.round_status import list_rounds
from core.states import SubmissionState
from db.models import Extension, Review, Submission

ON_TIME = "Tepat waktu"
LATE = "Terlambat"
MISSING = "Belum diajukan"
PENDING = "Belum jatuh tempo"  # not handed in, and its deadline in force has not passed: neither late nor on time
CATEGORIES = (ON_TIME, LATE, MISSING, PENDING)
COLOURS = ("#1a7f37", "#e8710a", "#d93025", "#9aa0a6")
DUE = (ON_TIME, LATE, MISSING)  # what the rates count


@dataclass
class Timeliness:
    detail: pd.DataFrame  # one row per unit and round
    by_unit: pd.DataFrame  # one row per unit, one column per round
    by_round: pd.DataFrame  # one row per round: the reporting rate
    labels: list[str]  # the rounds, oldest first

    @property
    def period(self) -> str:
        return f"{self.labels[0]} – {self.labels[-1]}" if self.labels else ""


def _counts(session: Session, model, column, round_id: int, *where) -> dict[int, int]:
    return dict(session.execute(
        select(Submission.unit_id, func.count(column)).join(model, column == Submission.id)
        .where(Submission.round_id == round_id, *where).group_by(Submission.unit_id)).all())


def timeliness(session: Session, actor: Actor, office_id: int, today: Optional[dt.date] = None,
               last: int = 8) -> Timeliness:
    """The office's last `last` rounds, oldest first."""
    from core.status import quarter_status

    require_office(actor, office_id)
    today = today or clock.today()
    rounds = list(reversed(list_rounds(session, office_id)[:last]))
    rows = []
    for order, rnd in enumerate(rounds):
        qs = quarter_status(session, office_id, rnd.id, today)
        extensions = _counts(session, Extension, Extension.submission_id, rnd.id)
        returns = _counts(session, Review, Review.submission_id, rnd.id,
                          Review.decision == SubmissionState.DIKEMBALIKAN)
        for u in qs.units:
            handed_in = u.first_submitted_at is not None
            category = (ON_TIME if u.submitted_on_time else LATE if handed_in
                        else MISSING if u.deadline is None or u.deadline < today else PENDING)
            rows.append({
                "Triwulan": rnd.label, "urut": order, "Unit": u.unit, "Tenggat berlaku": u.deadline,
                "Diajukan": clock.local_date(u.first_submitted_at) if handed_in else None,
                "Ketepatan": category, "Terlambat (hari)": u.days_late,
                "Perpanjangan": extensions.get(u.unit_id, 0), "Pengembalian": returns.get(u.unit_id, 0),
                "Kelengkapan (%)": _q(Decimal(u.complete) / u.indicators * 100) if u.indicators else None,
            })
    detail = pd.DataFrame(rows, columns=["Triwulan", "urut", "Unit", "Tenggat berlaku", "Diajukan", "Ketepatan",
                                         "Terlambat (hari)", "Perpanjangan", "Pengembalian", "Kelengkapan (%)"])
    labels = [r.label for r in rounds]
    return Timeliness(detail, _by_unit(detail, labels), _by_round(detail, labels), labels)


def cell_text(category: str, days_late: int) -> str:
    if category == ON_TIME:
        return ON_TIME
    if category == LATE:
        return f"Terlambat {days_late} hari"
    if category == PENDING:
        return PENDING
    return MISSING + (f" ({days_late} hari lewat)" if days_late else "")


def _mean(values: list[Optional[Decimal]]) -> Optional[Decimal]:
    vals = [v for v in values if v is not None]
    return _q(sum(vals, Decimal(0)) / len(vals)) if vals else None


def _by_unit(detail: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    out = []
    for unit, rows in detail.groupby("Unit", sort=False):
        cells = {r["Triwulan"]: cell_text(r["Ketepatan"], r["Terlambat (hari)"]) for r in rows.to_dict("records")}
        on_time = int((rows["Ketepatan"] == ON_TIME).sum())
        due = int(rows["Ketepatan"].isin(DUE).sum())
        late_days = [d for d, c in zip(rows["Terlambat (hari)"], rows["Ketepatan"]) if c != ON_TIME and d]
        out.append({"Unit": unit, **{label: cells.get(label, "–") for label in labels},
                    "Tepat waktu": f"{on_time} dari {due}",
                    "Rata-rata keterlambatan (hari)": _q(Decimal(sum(late_days)) / len(late_days)) if late_days else 0,
                    "Perpanjangan": int(rows["Perpanjangan"].sum()), "Pengembalian": int(rows["Pengembalian"].sum()),
                    "Kelengkapan rata-rata (%)": _mean(list(rows["Kelengkapan (%)"]))})
    return pd.DataFrame(out, columns=["Unit", *labels, "Tepat waktu", "Rata-rata keterlambatan (hari)",
                                      "Perpanjangan", "Pengembalian", "Kelengkapan rata-rata (%)"])


def _by_round(detail: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    out = []
    for label in labels:
        rows = detail[detail["Triwulan"] == label]
        n = len(rows)
        counts = {c: int((rows["Ketepatan"] == c).sum()) for c in CATEGORIES}
        due = n - counts[PENDING]
        out.append({"Triwulan": label, "Unit": n, ON_TIME: counts[ON_TIME], LATE: counts[LATE],
                    MISSING: counts[MISSING], PENDING: counts[PENDING],
                    "Ketepatan waktu (%)": _q(Decimal(counts[ON_TIME]) / due * 100) if due else None,
                    "Kelengkapan (%)": _mean(list(rows["Kelengkapan (%)"]))})
    return pd.DataFrame(out, columns=["Triwulan", "Unit", *CATEGORIES, "Ketepatan waktu (%)", "Kelengkapan (%)"])


def for_screen(df: pd.DataFrame) -> pd.DataFrame:
    """Percentages, decimals and dates written the Indonesian way for st.dataframe."""
    out = df.drop(columns=[c for c in ("urut",) if c in df.columns]).copy()
    for col in out.columns:
        if col.endswith("(%)"):
            out[col] = [fmt.percent(v, 1) for v in out[col]]
        elif col == "Rata-rata keterlambatan (hari)":
            out[col] = [fmt.number(v, 1) for v in out[col]]
        elif col in ("Tenggat berlaku", "Diajukan"):
            out[col] = [fmt.date(v) if v is not None and v == v else "–" for v in out[col]]
    return out


def chart(t: Timeliness) -> alt.Chart:
    """Unit × round, coloured by on time / late / not handed in, with the days late written in."""
    if t.detail.empty:
        return alt.Chart(pd.DataFrame({"t": ["Belum ada pengumpulan data."]})).mark_text(size=14).encode(text="t:N")
    df = t.detail[["Triwulan", "Unit", "Ketepatan", "Terlambat (hari)", "Perpanjangan", "Pengembalian"]].copy()
    df["teks"] = [str(d) if d else "" for d in df["Terlambat (hari)"]]
    df["kelengkapan"] = [fmt.percent(v, 1) for v in t.detail["Kelengkapan (%)"]]
    base = alt.Chart(df).encode(
        x=alt.X("Triwulan:N", sort=t.labels, title="Triwulan", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("Unit:N", sort=list(t.by_unit["Unit"]), title=None, axis=alt.Axis(labelLimit=260)))
    tooltip = [alt.Tooltip("Unit:N"), alt.Tooltip("Triwulan:N"), alt.Tooltip("Ketepatan:N"),
               alt.Tooltip("Terlambat (hari):Q"), alt.Tooltip("Perpanjangan:Q"), alt.Tooltip("Pengembalian:Q"),
               alt.Tooltip("kelengkapan:N", title="Kelengkapan")]
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color("Ketepatan:N", title="Ketepatan",
                        scale=alt.Scale(domain=list(CATEGORIES), range=list(COLOURS))),
        tooltip=tooltip)
    text = base.mark_text(color="white", fontWeight="bold").encode(text="teks:N", tooltip=tooltip)
    return alt.layer(cells, text).properties(
        title=alt.TitleParams("Ketepatan waktu pengajuan data per unit",
                              subtitle="Angka di dalam kotak: hari keterlambatan dari tenggat yang berlaku"),
        height=alt.Step(34))


def xlsx(session: Session, actor: Actor, office_id: int, today: Optional[dt.date] = None, last: int = 8) -> bytes:
    """The three tables in one workbook (text cells neutralised by core.exports)."""
    from core import exports

    today = today or clock.today()
    t = timeliness(session, actor, office_id, today, last)
    sig = exports.signer(session, office_id)
    return exports.to_xlsx({"Per Unit": t.by_unit, "Per Triwulan": t.by_round,
                            "Rincian": t.detail.drop(columns=["urut"])},
                           "Ketepatan Waktu dan Kelengkapan Pelaporan Data Kinerja", sig.office_name,
                           f"Periode {t.period}", sig, today)
