"""Impor Excel: templates of the PK, RA and DPA, upload with a preview of every problem, then one commit."""


import streamlit as st

from core import clock, imports
from core import masterdata as md
from core.uow import unit_of_work
from pages.parts.common import actor_or_stop, data_version, flash, parsed_once, show_flash, shown_errors, table

actor = actor_or_stop("pages/impor.py")
office_id = actor.office_id

st.title("Impor Excel")
st.caption("Masukkan Perjanjian Kinerja, Rencana Aksi, DPA/DPPA, target akhir Renstra, dan realisasi tahun-tahun "
           "sebelum aplikasi dari Excel: unduh templat, isi, unggah, periksa pratinjau, lalu simpan. Bila masih ada "
           "masalah, tidak ada data yang disimpan.")

show_flash("impor")

left, right = st.columns(2)
kind = left.radio("Dokumen", imports.KINDS, format_func=imports.KIND_LABELS.get, horizontal=True, key="impor_jenis")
year = int(right.number_input("Tahun", 2000, 2100, clock.today().year + 1, step=1, key="impor_tahun"))

st.subheader("1. Unduh templat")
period = None
if kind in ("RENSTRA", "REALISASI"):
    from core import renja

    with unit_of_work() as session:
        found = renja.period_of(session, office_id, year) if office_id is not None else None
        period = (found.name, found.start_year, found.end_year) if found else None
    if period is None:
        st.warning(f"Tidak ada periode Renstra yang mencakup tahun {year}. Pilih tahun di dalam periode Renstra "
                   "(lihat Data Induk → Renstra & Indikator).")
        st.stop()
    st.caption(f"Periode {period[0]} ({period[1]}–{period[2]}), periode Renstra yang mencakup tahun {year}. "
               + ("Kode DPA terkait dibaca dari DPA tahun ini." if kind == "RENSTRA" else
                  "Hanya tahun sebelum data triwulan dikumpulkan di aplikasi yang diimpor; tahun sesudahnya "
                  "dihitung dari data triwulan."))
def template_bytes(kind: str, year: int) -> bytes:
    """The template, made when its button is clicked."""
    with unit_of_work() as session:
        return imports.template(kind, session, office_id, year)


st.download_button(f"Unduh templat {kind} {year} (.xlsx)", data=lambda: template_bytes(kind, year),
                   file_name=f"templat_{kind}_{year}.xlsx", on_click="ignore",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   icon=":material/download:", key="unduh_templat")
st.caption("Templat sudah berisi kode dan nama indikator (PK/RA/Renstra), baris DPA tahun itu, atau program dan "
           "kegiatan dengan nilai yang tersimpan. Lembar 'Petunjuk' menjelaskan setiap kolom. Angka boleh ditulis "
           "1.250.000.000 atau 12,5.")

st.subheader("2. Unggah dan periksa")
round_no = st.session_state.setdefault("impor_ke", 0)  # a new uploader after each commit
uploaded = st.file_uploader(f"Berkas {kind} yang sudah diisi (.xlsx, paling besar "
                            f"{imports.MAX_FILE_BYTES // (1024 * 1024)} MB)", type=["xlsx"],
                            key=f"unggah_{kind}_{year}_{round_no}")
if kind in ("PK", "RA"):
    st.caption("Bila target triwulan (RA) tidak cocok dengan target tahunan (PK) menurut aturan akumulasi "
               "indikator, baris itu memerlukan alasan di kolom 'Alasan Selisih'; alasannya disimpan bersama "
               "target, seperti di Data Induk.")
preview = None
if uploaded is not None:
    with shown_errors():
        upload_data = uploaded.getvalue()

        def _parse_upload():
            with unit_of_work() as session:
                return imports.parse(kind, upload_data, session, office_id, year=year)

        preview = parsed_once("impor_pratinjau", upload_data, (kind, year, office_id, data_version()),
                              _parse_upload)
if preview is not None:
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Baris baru", preview.inserts)
    c2.metric("Baris diubah", preview.updates)
    c3.metric("Tidak berubah", preview.unchanged)
    c4.metric("Masalah", len(preview.problems))
    if preview.problems:
        st.error(f"Ada {len(preview.problems)} masalah. Perbaiki baris berikut di Excel lalu unggah kembali; "
                 "belum ada data yang disimpan.")
        table(preview.problems_frame(), "")
    if preview.warnings:
        st.warning("Target triwulan yang tidak cocok dengan target tahunan, disimpan dengan alasannya:")
        table(preview.warnings_frame(), "")
    with st.expander(f"Pratinjau {len(preview.rows)} baris yang terbaca", expanded=not preview.problems):
        table(preview.rows, "Tidak ada baris yang terbaca.")

    st.subheader("3. Simpan")
    nothing = preview.inserts + preview.updates == 0
    if st.button("Simpan semua", type="primary", disabled=not preview.ok or nothing, key="impor_simpan"):
        result = None
        with shown_errors():
            with unit_of_work() as session:
                result = imports.commit(session, actor, preview)
        if result is not None:
            st.session_state["impor_ke"] = round_no + 1
            flash("impor", f"Impor {kind} {year} tersimpan: {result.inserted} baris baru, {result.updated} diubah, "
                           f"{result.unchanged} tidak berubah.")
    if preview.ok and nothing:
        st.info("Berkas ini tidak mengubah apa pun: semua baris sama dengan data yang tersimpan.")

st.divider()
st.subheader("Siapkan tahun baru")
st.caption("Menyalin daftar target indikator (dengan nilai kosong) dan baris DPA (dengan pagu 0) ke tahun "
           "berikutnya, siap diisi melalui impor PK, RA dan DPA. Data tahun tujuan yang sudah ada tidak ditimpa.")
a, b, c = st.columns([1, 1, 2])
from_year = int(a.number_input("Dari tahun", 2000, 2100, clock.today().year, step=1, key="salin_dari"))
to_year = int(b.number_input("Ke tahun", 2000, 2100, clock.today().year + 1, step=1, key="salin_ke"))
if c.button("Salin ke tahun baru", key="salin_tahun"):
    copied = None
    with shown_errors():
        with unit_of_work() as session:
            copied = md.copy_year(session, actor, office_id, from_year, to_year)
    if copied is not None:
        flash("impor", f"Tahun {to_year} disiapkan: {copied.targets} baris target dan "
                       f"{copied.budget_lines} baris DPA (pagu 0).")
