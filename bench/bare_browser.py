"""The browser bench's floor: a bare Streamlit app with the widgets of the app's main actions.

Served by bench/browser.py beside the app. A login form, two pages in a hidden navigation with sidebar
links (as app.py), on the second a 60-row × 11-column grid with Simpan draf, Ajukan, a form with Terima,
Susun draf laporan and download buttons of prebuilt bytes — nothing computed, nothing stored. The time of
an action here is what Streamlit and the browser cost for it; the app's time over it is what the app adds.
"""

from __future__ import annotations

import os

import pandas as pd
import streamlit as st

st.set_page_config(page_title="Bare", layout="wide")


@st.cache_resource
def _grid() -> pd.DataFrame:
    return pd.DataFrame({"No": range(1, 61), "Kode": [f"IK-{i:02d}" for i in range(1, 61)],
                         "Indikator": [f"Indikator kinerja {i}" for i in range(1, 61)], "Satuan": "%",
                         "Target TW": 100.0, "Realisasi TW": 90.0, "Capaian TW": 90.0, "Predikat": "Tinggi",
                         "Faktor pendorong": "", "Kendala": "", "Tindak lanjut": ""})


@st.cache_resource
def _file() -> bytes:
    return os.urandom(int(os.environ.get("KINERJA_BARE_FILE_BYTES", "60000")))


def login() -> None:
    st.title("Masuk")
    with st.form("login"):
        user = st.text_input("Nama pengguna")
        st.text_input("Kata sandi", type="password")
        if st.form_submit_button("Masuk"):
            st.session_state["user"] = user
            st.rerun()


def beranda() -> None:
    st.title("Beranda")
    st.metric("Langkah SOP", "3 dari 9")
    st.dataframe(_grid().head(10), hide_index=True)


def isi_data() -> None:
    st.title("Isi Data Kinerja")
    st.subheader("Realisasi indikator kinerja")
    edited = st.data_editor(_grid(), hide_index=True, key="grid", disabled=["No", "Kode", "Indikator"])
    if st.button("Simpan draf", type="primary"):
        st.success(f"Draf disimpan ({int((edited['Realisasi TW'] != 90.0).sum())} indikator diperbarui).")
    if st.button("Ajukan", type="primary", key="ajukan"):
        st.success("Data kinerja diajukan.")
    with st.form("terima"):
        st.text_input("Catatan")
        if st.form_submit_button("Terima", type="primary"):
            st.success("Data diterima.")
    if st.button("Susun draf laporan", type="primary"):
        st.success("Draf laporan versi 1 disusun.")
    c = st.columns(2)
    c[0].download_button("Unduh laporan (XLSX)", _file(), file_name="laporan.xlsx", on_click="ignore")
    c[1].download_button("Unduh laporan (PDF)", _file(), file_name="laporan.pdf", on_click="ignore")


if "user" not in st.session_state:
    st.navigation([st.Page(login, title="Masuk")], position="hidden").run()
else:
    pages = [st.Page(beranda, title="Beranda", default=True), st.Page(isi_data, title="Isi Data Kinerja")]
    page = st.navigation({"Umum": pages}, position="hidden")
    with st.sidebar:
        st.markdown(f"**{st.session_state['user']}**")
        for p in pages:
            st.page_link(p, label=p.title)
    page.run()
