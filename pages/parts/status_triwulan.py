"""The 'Status Triwulan' section of Beranda: late units, lagging indicators, the board, the missing list."""

from __future__ import annotations

import datetime as dt
from typing import Optional

import streamlit as st

from core import charts, exports, fmt, reminders, states, status
from core.actor import Actor
from core.markup import md
from core.round_status import round_label
from core.steps import disposisi
from core.uow import unit_of_work
from pages.parts.caches import OfficeOverview, missing_files, round_status
from pages.parts.common import flash, may, named_columns, show_flash, shown_errors, table


def render(actor: Actor, version: tuple[str, int], today: dt.date, overview: Optional[OfficeOverview]) -> None:
    """`version`: pages.parts.common.data_version(), the key of the caches here; `overview`: the office's
    (None for an account without an office)."""
    st.divider()
    st.header("Status Triwulan")
    if actor.office_id is None or overview is None:
        st.info("Akun Anda tidak terhubung dengan kantor mana pun.")
        return
    choices, default_id = overview.rounds, overview.default_round_id
    if not choices:
        st.info("Belum ada pengumpulan data triwulan.")
        return
    ids = [c[0] for c in choices]
    labels = dict(choices)
    round_id = st.columns([1, 3])[0].selectbox("Triwulan", ids, index=ids.index(default_id) if default_id in ids else 0,
                            format_func=lambda i: labels[i], key="status_round")
    with shown_errors():
        qs, missing = round_status(version, actor.office_id, round_id, today)

    state = states.ROUND_LABELS.get(qs.status, qs.status).lower()
    st.caption(f"{md(qs.title)} — {state}; langkah {qs.current_step}: {md(qs.current_step_name)}. "
               f"Keadaan per {fmt.date(today)}.")
    late = qs.late_units
    m = st.columns(6)
    m[0].metric("Langkah SOP", f"{qs.current_step} dari {qs.step_count}", help=md(qs.current_step_name))
    m[1].metric("Unit terlambat", f"{len(late)} dari {len(qs.units)}",
                delta=("ada yang terlambat" if late else "tepat waktu") if qs.units else None,
                delta_color="inverse" if late else "normal", delta_arrow="off",
                help=None if qs.units else "Belum ada unit yang menerima distribusi.")
    m[2].metric("Sudah diajukan", f"{qs.submitted} dari {len(qs.units)}", help=f"Diterima: {qs.accepted}")
    m[3].metric("Kelengkapan data", fmt.percent(qs.completeness, 1),
                help="Realisasi atau alasan tidak diukur; kendala dan tindak lanjut bila di bawah target; "
                     "bukti dukung bila diwajibkan.")
    partial = 0 < qs.measured < qs.indicator_count
    m[4].metric("Capaian TW", fmt.percent(qs.average_capaian, 1),
                delta=f"{qs.measured} dari {qs.indicator_count} indikator" if partial else None,
                delta_color="off", delta_arrow="off",
                help="Rata-rata capaian triwulan ini: realisasi TW terhadap target TW (Rencana Aksi)"
                + (f", dari {qs.measured} indikator yang sudah diisi realisasinya (termasuk draf yang "
                   "belum diajukan). " if qs.measured else ". ")
                + ", ".join(f"{k}: {v}" for k, v in qs.predicate_counts.items()))
    if qs.budget_reported:
        lag = qs.absorption_ytd - qs.year_elapsed if qs.absorption_ytd is not None else None
        m[5].metric("Serapan anggaran", fmt.percent(qs.absorption_ytd, 1),
                    delta=None if lag is None else f"{fmt.number(lag, 1)} poin", delta_color="normal",
                    help=f"Dibanding {fmt.percent(qs.year_elapsed, 0)} tahun anggaran yang telah berjalan.")
    else:  # nobody has entered this quarter's spending: no figure that looks like one
        earlier = (f" Serapan s.d. triwulan sebelumnya: {fmt.percent(qs.absorption_before, 1)}."
                   if qs.absorption_before is not None else "")
        m[5].metric("Serapan anggaran", "–", help="Belum ada realisasi anggaran triwulan ini yang diisi." + earlier)

    left, right = st.columns([2, 3])
    with left:
        st.subheader("Unit terlambat")
        if not qs.units:
            st.info("Tenggat unit berlaku setelah distribusi.")
        elif late:
            lines = []
            for u in sorted(late, key=lambda u: -u.days_late):
                what = ("belum mengajukan" if u.state in states.OUTSTANDING
                        else "terlambat mengajukan")
                lines.append(f"- **{md(u.unit)}** ({md(u.head)}): {what}, {u.days_late} hari lewat tenggat "
                             f"{fmt.date(u.deadline)}")
            st.error("\n".join(lines))
        else:
            st.success("Tidak ada unit yang terlambat.")
        st.altair_chart(charts.predicate_donut(qs.predicate_counts), width="stretch")
    with right:
        st.subheader("Indikator di bawah target")
        if not qs.measured:
            st.info("Belum ada realisasi indikator triwulan ini yang dapat dihitung capaiannya.")
        elif len(qs.behind):
            best = next(iter(qs.predicate_counts), "Sangat Tinggi")  # the office's word for the top band
            st.caption("Capaian triwulan di bawah 100 % dari target. Predikat mengikuti skala capaian "
                       f"({best} ≥ 91 %), sehingga indikator berpredikat {best} pun dapat "
                       "masih di bawah target.")
            behind = qs.behind[["Kode", "Indikator", "Capaian TW", "Predikat", "Unit", "Kendala"]]
            table(behind, "", config=named_columns(behind, "Indikator", 240))  # capaian in view beside the name
            if partial:
                st.caption(f"Dihitung dari {qs.measured} dari {qs.indicator_count} indikator yang sudah diisi "
                           "realisasinya (termasuk draf).")
        elif partial:  # the entered ones reached their target; the others are not known yet
            st.info(f"{qs.measured} dari {qs.indicator_count} indikator sudah diisi realisasinya dan semuanya "
                    f"mencapai target; {qs.indicator_count - qs.measured} indikator belum diisi.")
        else:
            st.success("Semua indikator mencapai target triwulan ini.")

    st.subheader("Papan status unit")
    if not qs.units:
        st.info("Pengumpulan data ini belum didistribusikan kepada unit kerja; papan status terisi setelah "
                "distribusi.")
        return
    table(qs.board, "", config={"Unit": st.column_config.TextColumn(pinned=True),
                                "Terlambat (hari)": st.column_config.NumberColumn(format="%d")})

    st.subheader("Siapa yang masih kurang")
    if len(missing):
        table(missing[["Unit", "Yang belum lengkap", "Kepala Unit", "Status", "Tenggat berlaku",
                       "Terlambat (hari)"]], "", config={"Unit": st.column_config.TextColumn(pinned=True)})
        d1, d2, _ = st.columns([2, 2, 1])
        base = status.missing_list_basename(qs.year, qs.quarter)

        def file(kind: str):  # made when the button is clicked, then cached until the data changes
            return lambda: missing_files(version, actor.office_id, round_id, today)[kind][2]

        d1.download_button("Unduh daftar (PDF, siap cetak)", file("pdf"), file_name=base + ".pdf",
                           mime=exports.PDF_TYPE, icon=":material/print:", on_click="ignore")
        d2.download_button("Unduh daftar (Excel)", file("xlsx"), file_name=base + ".xlsx",
                           mime=exports.XLSX_TYPE,
                           icon=":material/table_view:", on_click="ignore")
    else:
        st.success("Data semua unit sudah lengkap dan diajukan.")

    if qs.status == states.RoundState.BERJALAN and may(actor, "submission.remind"):
        render_reminders(actor, round_id, round_label(qs.year, qs.quarter), today)


def render_reminders(actor: Actor, round_id: int, label: str, today: dt.date) -> None:
    """Reminders without e-mail: a ready message per unit that has not handed in its data, to copy or to send
    by WhatsApp, and one message for all of them; what was sent is recorded (the unit sees it on Isi Data)."""
    st.subheader("Pengingat untuk unit kerja")
    show_flash("beranda", "pengingat")
    with shown_errors():
        with unit_of_work() as session:
            rems = reminders.round_reminders(session, actor, round_id, today)
    if not rems:
        st.success("Semua unit kerja sudah mengajukan data; tidak ada yang perlu diingatkan.")
        return
    st.caption("Salin pesan dengan ikon salin di pojok kanan atas kotak pesan (atau buka WhatsApp bila nomor "
               "ponsel penerima tercatat), kirimkan, lalu tekan **Tandai terkirim** agar tercatat dan terlihat "
               "oleh unit pada halaman Isi Data Kinerja.")

    def record(ids: list[int], channel: str, what: str) -> None:
        with shown_errors():
            with unit_of_work() as session:
                disposisi.remind(session, actor, round_id, ids, channel, today=today)
            flash("beranda", f"Pengingat {what} tercatat terkirim.", where="pengingat")

    with st.container(border=True):
        st.markdown(f"**Satu pesan untuk semua unit yang belum mengajukan ({len(rems)} unit)**")
        st.code(reminders.combined_text(rems, label, actor), language=None, wrap_lines=True)
        if st.button(f"Tandai terkirim ke semua unit ({len(rems)})", key="ingatkan_semua",
                     icon=":material/done_all:"):
            record([r.submission_id for r in rems], "salin", f"kepada {len(rems)} unit kerja")
    for r in rems:
        late = f"terlambat {r.days_late} hari" if r.days_late else "belum lewat tenggat"
        with st.expander(f"{md(r.unit)} — {late} · {md(r.last_reminder)}"):
            st.code(r.text, language=None, wrap_lines=True)
            links = r.wa_links
            for recipient, url in links:
                st.link_button(f"Kirim lewat WhatsApp ke {md(recipient.wa_label)}", url, icon=":material/chat:")
            if not links:
                st.caption("Nomor ponsel penerima belum tercatat (Data Induk → Pengguna); salin pesan dan "
                           "kirimkan lewat aplikasi pesan.")
            if st.button("Tandai terkirim", key=f"ingatkan_{r.submission_id}", icon=":material/done:"):
                record([r.submission_id], "whatsapp" if links else "salin", f"kepada {md(r.unit)}")
