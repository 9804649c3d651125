"""Disposisi (SOP steps 1–2): the Kepala Dinas opens the quarter's collection; the Sekretaris distributes it."""

import datetime as dt

import streamlit as st

from core import clock, fmt, round_status
from core.markup import md
from core.permissions import can
from core.states import EDITABLE
from core.steps import disposisi
from core.uow import unit_of_work
from pages.parts.common import actor_or_stop, executors_of, flash, show_flash, shown_errors, table

actor = actor_or_stop("pages/disposisi.py")

st.title("Disposisi")
st.caption("Langkah 1–2 SOP Mekanisme Pengumpulan Data Kinerja: Kepala Dinas memerintahkan pengumpulan data "
           "triwulan, Sekretaris meneruskannya kepada Kabid/Kasubag dan Jabatan Fungsional Tertentu.")
show_flash("disposisi")


today = clock.today()
with unit_of_work() as session:
    may_open = can(session, actor, "round.open")
    may_distribute = can(session, actor, "round.distribute")
    may_extend = can(session, actor, "submission.extend")
    all_rounds = round_status.list_rounds(session, actor.office_id)
    history = round_status.rounds_table(session, actor.office_id)

# --- Langkah 1: Kepala Dinas membuka pengumpulan data --------------------------------------------
year, quarter = round_status.collection_quarter(today)
current_open = any((r.year, r.quarter) == (year, quarter) for r in all_rounds)
if may_open:
    st.subheader("Buka pengumpulan data (Langkah 1 — Disposisi)")
    if current_open:
        st.caption(f"Pengumpulan data {round_status.round_label(year, quarter)} sudah dibuka. Formulir di bawah hanya "
                   "untuk membuka triwulan lain.")
    box = st.expander("Buka pengumpulan data triwulan lain") if current_open else st.container()
    with box, st.form("buka_pengumpulan"):
        c1, c2, c3 = st.columns(3)
        tahun = c1.number_input("Tahun", min_value=2000, max_value=2100, value=year, step=1)
        triwulan = c2.selectbox("Triwulan", [1, 2, 3, 4], index=quarter - 1, format_func=fmt.quarter_label)
        tenggat = c3.date_input("Tenggat pengumpulan", value=today + dt.timedelta(days=7), format="DD/MM/YYYY")
        instruksi = st.text_area(
            "Instruksi Kepala Dinas",
            value=f"Kumpulkan data capaian kinerja {round_status.round_label(year, quarter)} sesuai Perjanjian Kinerja "
                  "dan Rencana Aksi, beserta bukti dukung.",
        )
        if st.form_submit_button("Buka pengumpulan data", type="primary"):
            with shown_errors():
                with unit_of_work() as session:
                    rnd = disposisi.open_round(session, actor, int(tahun), int(triwulan), instruksi, tenggat,
                                            today=today)
                    label = round_status.round_label(rnd.year, rnd.quarter)
                flash("disposisi", f"Pengumpulan data {label} dibuka dan diteruskan kepada "
                                   f"{executors_of('distribusi')} untuk didistribusikan.")

# --- Langkah 2: Sekretaris mendistribusikan ---------------------------------------------------------
running = [r for r in all_rounds if r.is_open]
if running:
    chosen = running[0]
    if len(running) > 1:
        chosen = st.selectbox("Pengumpulan data yang berjalan", running, format_func=lambda r: r.label)
    st.subheader(f"Pengumpulan data {chosen.label}")
    st.markdown(f"Langkah saat ini: **{chosen.step_number}. {chosen.step_name}** · "
                f"Tenggat Kepala Dinas: **{fmt.date(chosen.deadline)}**")
    if chosen.instruction:
        st.markdown(f"> {md(chosen.instruction)}")

    if chosen.step_code == "distribusi":
        if may_distribute:
            st.markdown("#### Distribusi kepada unit kerja (Langkah 2)")
            st.caption("Semua unit kerja yang memiliki indikator kinerja sudah tercantum. Sesuaikan tenggat dan "
                       "teks disposisi tiap unit, hapus centang 'Ikut' bila unit tidak perlu melapor.")
            with unit_of_work() as session:
                plan = disposisi.assignments_table(disposisi.default_assignments(session, chosen.id))
            edited = st.data_editor(
                plan,
                key=f"distribusi_{chosen.id}",
                hide_index=True,
                num_rows="fixed",
                disabled=["Unit kerja"],
                column_config={
                    "unit_id": None,
                    "Ikut": st.column_config.CheckboxColumn("Ikut", width="small"),
                    "Unit kerja": st.column_config.TextColumn("Unit kerja", width="medium"),
                    "Tenggat": st.column_config.DateColumn("Tenggat", format="DD/MM/YYYY", required=True),
                    "Disposisi": st.column_config.TextColumn("Disposisi", width="large", required=True),
                },
                width="stretch",
            )
            catatan = st.text_area("Catatan disposisi Sekretaris",
                                   value="Diteruskan kepada Kabid/Kasubag dan JFT untuk segera diisi.")
            if st.button("Distribusikan", type="primary"):
                with shown_errors():
                    with unit_of_work() as session:
                        subs = disposisi.distribute(session, actor, chosen.id, disposisi.assignments_from_table(edited),
                                                 catatan)
                        n = len(subs)
                    flash("disposisi", f"Pengumpulan data {chosen.label} didistribusikan kepada {n} unit kerja.")
        else:
            st.info("Menunggu Sekretaris mendistribusikan pengumpulan data kepada unit kerja.")
    else:
        with unit_of_work() as session:
            board = round_status.submissions_table(session, actor, chosen.id, today)
            choices = round_status.submission_rows(session, actor, chosen.id, today)
            log = round_status.extensions_table(session, actor, chosen.id)
        if len(board):
            st.markdown("#### Unit kerja dan tanda terima disposisi")
            table(board, "")
        if may_extend:
            open_subs = [s for s in choices if s.state in EDITABLE]
            if open_subs:
                st.markdown("#### Perpanjangan tenggat")
                sub = st.selectbox("Unit kerja", open_subs, key="perpanjangan_unit",
                                   format_func=lambda s: f"{s.unit_name} (tenggat {fmt.date(s.deadline_in_force)})")
                baru = st.date_input("Tenggat baru", value=sub.deadline_in_force + dt.timedelta(days=3),
                                     format="DD/MM/YYYY", key=f"perpanjangan_tenggat_{sub.id}_{sub.extensions}")
                alasan = st.text_area("Alasan perpanjangan", key=f"perpanjangan_alasan_{sub.id}_{sub.extensions}")
                if st.button("Beri perpanjangan"):
                    with shown_errors():
                        with unit_of_work() as session:
                            disposisi.grant_extension(session, actor, sub.id, baru, alasan)
                        flash("disposisi", f"Tenggat {sub.unit_name} diperpanjang sampai {fmt.date(baru)}.")
        st.markdown("#### Riwayat perpanjangan")
        if len(log):
            table(log, "")
        else:
            st.caption("Belum ada perpanjangan tenggat.")
elif not may_open:
    st.info(f"Belum ada pengumpulan data yang berjalan. {executors_of('disposisi')} membukanya pada halaman ini.")

st.subheader("Riwayat pengumpulan data")
if len(history):
    table(history, "")
else:
    st.caption("Belum ada pengumpulan data.")

