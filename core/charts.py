"""Altair charts of progress against targets; pages only render them. Data comes from core.recap frames.

Every chart has Indonesian titles and tooltips and colours achievement by the predicate scale of
core.achievement. Decimals are turned into floats here, for display only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Optional

import altair as alt
import pandas as pd

from core import achievement as ach
from core import fmt


def predicate_scale(labels: tuple[str, ...] = ach.PREDICATE_ORDER) -> alt.Scale:
    """The predicate colours, in the office's words (core.achievement.Formula.predicate_order)."""
    return alt.Scale(domain=list(labels) + ["–"], range=[ach.PREDICATE_COLOURS[p] for p in labels] + ["#9e9e9e"])


PREDICATE_SCALE = predicate_scale()


def _scale_of(values: Any) -> alt.Scale:
    """The scale of the label set the shown predicates are written in (the office's setting)."""
    present = {str(v) for v in values}
    for labels in ach.PREDICATE_LABEL_SETS.values():
        if present & set(labels):
            return predicate_scale(labels)
    return PREDICATE_SCALE
RISK_SCALE = alt.Scale(domain=["Berisiko", "Aman"], range=["#d93025", "#1a7f37"])
TARGET_COLOUR = "#1F4E79"
# Axis labels of a duration in minutes, in Indonesian words.
DURATION_LABEL = ("datum.value >= 1440 ? (datum.value / 1440) + ' hari' : "
                  "datum.value >= 60 ? (datum.value / 60) + ' jam' : datum.value + ' menit'")


def _float(v: Any) -> Optional[float]:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return None
    return float(v) if isinstance(v, (Decimal, int, float)) else None


def _floats(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    out = df.copy()
    for c in cols:
        if c in out.columns:
            out[c] = [_float(v) for v in out[c]]
    return out


def _text(df: pd.DataFrame, col: str, kind: str = "number") -> list[str]:
    f = {"number": fmt.number, "percent": fmt.percent, "money": fmt.money}[kind]
    return [f(v) if v is not None and not (isinstance(v, float) and pd.isna(v)) else "–" for v in df[col]]


def _empty(message: str) -> alt.Chart:
    return alt.Chart(pd.DataFrame({"pesan": [message]})).mark_text(size=14, color="#666").encode(
        text="pesan:N").properties(height=80)


def realisation_vs_target(long: pd.DataFrame, indicator_code: str) -> alt.LayerChart | alt.Chart:
    """Realisation of one indicator by quarter as bars, its quarterly target as a line with points."""
    df = long[long["code"] == indicator_code]
    if df.empty:
        return _empty("Tidak ada data untuk indikator ini.")
    df = _floats(df, ["target", "realisasi", "capaian"])
    df["target_teks"] = _text(df, "target")
    df["realisasi_teks"] = _text(df, "realisasi")
    df["capaian_teks"] = _text(df, "capaian", "percent")
    name = df["name"].iloc[0]
    satuan = df["satuan"].iloc[0]
    tooltip = [alt.Tooltip("triwulan:N", title="Triwulan"), alt.Tooltip("realisasi_teks:N", title="Realisasi"),
               alt.Tooltip("target_teks:N", title="Target"), alt.Tooltip("capaian_teks:N", title="Capaian"),
               alt.Tooltip("predikat:N", title="Predikat")]
    base = alt.Chart(df).encode(x=alt.X("triwulan:N", title="Triwulan", sort=["TW I", "TW II", "TW III", "TW IV"], axis=alt.Axis(labelAngle=0)))
    bars = base.mark_bar(opacity=0.85).encode(
        y=alt.Y("realisasi:Q", title=f"Nilai ({satuan})"),
        color=alt.Color("predikat:N", title="Predikat", scale=_scale_of(df["predikat"])),
        tooltip=tooltip)
    line = base.mark_line(color=TARGET_COLOUR, point=alt.OverlayMarkDef(color=TARGET_COLOUR, size=60)).encode(
        y=alt.Y("target:Q"), tooltip=tooltip)
    title = f"{indicator_code} {name}"
    if df["polarity"].iloc[0] == "negatif":
        title += " (makin rendah makin baik)"
    return alt.layer(bars, line).properties(title=alt.TitleParams(title, subtitle="Batang: realisasi; garis: target"),
                                            height=300)


def achievement_by(summary: pd.DataFrame, by: str = "unit", title: Optional[str] = None) -> alt.LayerChart | alt.Chart:
    """Average capaian by unit or sasaran (from recap.unit_recap / sasaran_recap), coloured by predicate."""
    df = summary[summary["rata_capaian"].notna()] if len(summary) else summary
    if df.empty:
        return _empty("Belum ada capaian yang dapat dihitung.")
    df = _floats(df, ["rata_capaian"])
    df["capaian_teks"] = _text(df, "rata_capaian", "percent")
    label = {"unit": "Unit", "sasaran": "Sasaran"}[by]
    bars = alt.Chart(df).mark_bar().encode(
        y=alt.Y(f"{by}:N", title=label, sort="-x", axis=alt.Axis(labelLimit=320)),
        x=alt.X("rata_capaian:Q", title="Rata-rata capaian (%)"),
        color=alt.Color("predikat:N", title="Predikat", scale=_scale_of(df["predikat"])),
        tooltip=[alt.Tooltip(f"{by}:N", title=label), alt.Tooltip("capaian_teks:N", title="Rata-rata capaian"),
                 alt.Tooltip("predikat:N", title="Predikat"), alt.Tooltip("dinilai:Q", title="Indikator dinilai")])
    rule = alt.Chart(pd.DataFrame({"x": [100.0]})).mark_rule(color=TARGET_COLOUR, strokeDash=[4, 4]).encode(x="x:Q")
    return alt.layer(bars, rule).properties(title=title or f"Capaian per {label.lower()}")


def indicator_achievement(ind: pd.DataFrame, column: str = "capaian_tw") -> alt.LayerChart | alt.Chart:
    """Capaian of every indicator (recap.indicator_recap) as bars coloured by predicate, 100 % marked."""
    df = ind[ind[column].notna()] if len(ind) else ind
    if df.empty:
        return _empty("Belum ada capaian yang dapat dihitung.")
    df = _floats(df, [column])
    df["label"] = df["code"] + " " + df["name"]
    df["capaian_teks"] = _text(df, column, "percent")
    pred_col = "predikat_tw" if column == "capaian_tw" else "predikat"
    bars = alt.Chart(df).mark_bar().encode(
        y=alt.Y("label:N", title="Indikator", sort=None, axis=alt.Axis(labelLimit=360)),
        x=alt.X(f"{column}:Q", title="Capaian (%)"),
        color=alt.Color(f"{pred_col}:N", title="Predikat", scale=_scale_of(df[pred_col])),
        tooltip=[alt.Tooltip("label:N", title="Indikator"), alt.Tooltip("unit:N", title="Unit"),
                 alt.Tooltip("capaian_teks:N", title="Capaian"), alt.Tooltip(f"{pred_col}:N", title="Predikat")])
    rule = alt.Chart(pd.DataFrame({"x": [100.0]})).mark_rule(color=TARGET_COLOUR, strokeDash=[4, 4]).encode(x="x:Q")
    return alt.layer(bars, rule).properties(title="Capaian per indikator")


def budget_absorption(budget: pd.DataFrame, by: str = "unit") -> alt.LayerChart | alt.Chart:
    """Serapan anggaran s.d. TW per unit/program beside the share of the year elapsed (a rule)."""
    if budget.empty:
        return _empty("Belum ada data anggaran.")
    df = _floats(budget, ["pagu", "realisasi_anggaran_ytd", "serapan_ytd", "tahun_berjalan"])
    df["serapan_teks"] = _text(df, "serapan_ytd", "percent")
    df["pagu_teks"] = _text(df, "pagu", "money")
    df["realisasi_teks"] = _text(df, "realisasi_anggaran_ytd", "money")
    elapsed = float(df["tahun_berjalan"].iloc[0])
    df["status"] = ["Tertinggal" if (s or 0) < elapsed else "Sesuai jadwal" for s in df["serapan_ytd"]]
    label = {"unit": "Unit", "program": "Program", "line": "Sub kegiatan"}.get(by, "Unit")
    field = "sub_kegiatan" if by == "line" else by
    bars = alt.Chart(df).mark_bar().encode(
        y=alt.Y(f"{field}:N", title=label, sort="-x", axis=alt.Axis(labelLimit=320)),
        x=alt.X("serapan_ytd:Q", title="Serapan anggaran s.d. triwulan (%)"),
        color=alt.Color("status:N", title="Status",
                        scale=alt.Scale(domain=["Sesuai jadwal", "Tertinggal"], range=["#1a7f37", "#f2994a"])),
        tooltip=[alt.Tooltip(f"{field}:N", title=label), alt.Tooltip("pagu_teks:N", title="Pagu"),
                 alt.Tooltip("realisasi_teks:N", title="Realisasi"), alt.Tooltip("serapan_teks:N", title="Serapan"),
                 alt.Tooltip("status:N", title="Status")])
    rule = alt.Chart(pd.DataFrame({"x": [elapsed], "teks": [f"Tahun berjalan {fmt.percent(elapsed, 0)}"]})).mark_rule(
        color=TARGET_COLOUR, strokeDash=[4, 4], size=2).encode(
        x="x:Q", tooltip=alt.Tooltip("teks:N", title="Pembanding"))
    return alt.layer(bars, rule).properties(
        title=alt.TitleParams("Serapan anggaran dibanding bagian tahun berjalan",
                              subtitle=f"Garis putus-putus: {fmt.percent(elapsed, 0)} tahun telah berjalan"))


def projection_chart(proj: pd.DataFrame) -> alt.LayerChart | alt.Chart:
    """Projected year-end capaian against the annual target; red bars are at risk of missing it."""
    df = proj[proj["capaian_proyeksi"].notna()] if len(proj) else proj
    if df.empty:
        return _empty("Belum ada data untuk proyeksi.")
    df = _floats(df, ["capaian_proyeksi", "proyeksi", "target_tahunan", "realisasi_ytd"])
    df["label"] = df["code"] + " " + df["name"]
    df["risiko"] = ["Berisiko" if r else "Aman" for r in df["berisiko"]]
    df["proyeksi_teks"] = _text(df, "proyeksi")
    df["target_teks"] = _text(df, "target_tahunan")
    df["capaian_teks"] = _text(df, "capaian_proyeksi", "percent")
    bars = alt.Chart(df).mark_bar().encode(
        y=alt.Y("label:N", title="Indikator", sort="x", axis=alt.Axis(labelLimit=360)),
        x=alt.X("capaian_proyeksi:Q", title="Proyeksi capaian akhir tahun (%)"),
        color=alt.Color("risiko:N", title="Target tahunan", scale=RISK_SCALE),
        tooltip=[alt.Tooltip("label:N", title="Indikator"), alt.Tooltip("proyeksi_teks:N", title="Proyeksi"),
                 alt.Tooltip("target_teks:N", title="Target tahunan"),
                 alt.Tooltip("capaian_teks:N", title="Proyeksi capaian"), alt.Tooltip("risiko:N", title="Status")])
    rule = alt.Chart(pd.DataFrame({"x": [100.0]})).mark_rule(color=TARGET_COLOUR, strokeDash=[4, 4]).encode(x="x:Q")
    return alt.layer(bars, rule).properties(
        title=alt.TitleParams("Proyeksi akhir tahun terhadap target tahunan",
                              subtitle="Merah: berisiko tidak mencapai target tahunan"))


def trend_chart(long: pd.DataFrame, codes: Optional[list[str]] = None) -> alt.Chart:
    """Capaian by quarter per indicator as lines: the trend over the year."""
    df = long[long["capaian"].notna()]
    if codes:
        df = df[df["code"].isin(codes)]
    if df.empty:
        return _empty("Belum ada capaian yang dapat dihitung.")
    df = _floats(df, ["capaian"])
    df["capaian_teks"] = _text(df, "capaian", "percent")
    return alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("triwulan:N", title="Triwulan", sort=["TW I", "TW II", "TW III", "TW IV"], axis=alt.Axis(labelAngle=0)),
        y=alt.Y("capaian:Q", title="Capaian (%)"),
        color=alt.Color("code:N", title="Indikator"),
        tooltip=[alt.Tooltip("code:N", title="Kode"), alt.Tooltip("name:N", title="Indikator"),
                 alt.Tooltip("triwulan:N", title="Triwulan"), alt.Tooltip("capaian_teks:N", title="Capaian"),
                 alt.Tooltip("predikat:N", title="Predikat")],
    ).properties(title="Tren capaian per triwulan")


def step_durations_chart(steps: pd.DataFrame) -> alt.LayerChart | alt.Chart:
    """Median actual duration of each SOP step across rounds beside its standard time (log scale)."""
    if steps.empty:
        return _empty("Belum ada langkah SOP yang selesai.")
    agg = (steps.groupby(["langkah", "nama_langkah", "standar_menit"], as_index=False)
           .agg(menit=("menit", "median"), putaran=("menit", "size"), melebihi=("melebihi", "sum")))
    agg["label"] = [f"{n}. {s}" for n, s in zip(agg["langkah"], agg["nama_langkah"])]
    agg["durasi_teks"] = [fmt.duration(m) for m in agg["menit"]]
    agg["standar_teks"] = [fmt.duration(m) for m in agg["standar_menit"]]
    agg["status"] = ["Melebihi standar" if m > s else "Sesuai standar"
                     for m, s in zip(agg["menit"], agg["standar_menit"])]
    agg["menit"] = agg["menit"].astype(float).clip(lower=1)
    agg["standar_menit"] = agg["standar_menit"].astype(float)
    order = list(agg.sort_values("langkah")["label"])
    tooltip = [alt.Tooltip("label:N", title="Langkah"), alt.Tooltip("durasi_teks:N", title="Median durasi"),
               alt.Tooltip("standar_teks:N", title="Waktu standar"), alt.Tooltip("putaran:Q", title="Putaran"),
               alt.Tooltip("melebihi:Q", title="Melebihi standar (kali)")]
    bars = alt.Chart(agg).mark_bar().encode(
        y=alt.Y("label:N", title="Langkah SOP", sort=order, axis=alt.Axis(labelLimit=240)),
        x=alt.X("menit:Q", title="Durasi (skala logaritmik)", scale=alt.Scale(type="symlog", constant=10),
                axis=alt.Axis(values=[10, 30, 60, 240, 1440, 4320, 14400], labelExpr=DURATION_LABEL)),
        color=alt.Color("status:N", title="Status",
                        scale=alt.Scale(domain=["Sesuai standar", "Melebihi standar"], range=["#1a7f37", "#d93025"])),
        tooltip=tooltip)
    ticks = alt.Chart(agg).mark_tick(color=TARGET_COLOUR, thickness=3, size=22).encode(
        y=alt.Y("label:N", sort=order), x=alt.X("standar_menit:Q"), tooltip=tooltip)
    return alt.layer(bars, ticks).properties(
        title=alt.TitleParams("Durasi langkah SOP dibanding waktu standar",
                              subtitle="Batang: median durasi antar putaran; garis biru: waktu standar"))


def predicate_donut(counts: dict[str, int]) -> alt.Chart:
    """Number of indicators per predicate."""
    df = pd.DataFrame({"predikat": list(counts), "jumlah": list(counts.values())})
    df = df[df["jumlah"] > 0]
    if df.empty:
        return _empty("Belum ada capaian.")
    return alt.Chart(df).mark_arc(innerRadius=50).encode(
        theta=alt.Theta("jumlah:Q"),
        color=alt.Color("predikat:N", title="Predikat", scale=_scale_of(counts)),
        tooltip=[alt.Tooltip("predikat:N", title="Predikat"), alt.Tooltip("jumlah:Q", title="Jumlah indikator")],
    ).properties(title="Jumlah indikator per predikat", height=200)
