"""The framework's floor: Beranda's tables, metrics and charts drawn from data computed in advance.

bench/page_probe.py computes what Beranda shows (same core functions, same office and user), pickles it
and points KINERJA_BENCH_BARE at the file; this script only draws it, with the same elements in the
same order as pages/beranda.py and pages/parts/status_triwulan.py. The time of this page is what Streamlit
itself costs for that output; Beranda's time over it is what the app adds.
"""

from __future__ import annotations

import os
import pickle

import streamlit as st

from core import charts, timeline


@st.cache_resource
def _load(path: str) -> dict:
    with open(path, "rb") as fh:
        return pickle.load(fh)


d = _load(os.environ["KINERJA_BENCH_BARE"])
st.title("Beranda")
st.caption(d["office_name"])
left, right = st.columns([1, 2])
with left:
    with st.container(border=True):
        st.subheader(d["full_name"])
        st.markdown(d["profile_md"])
with right:
    with st.container(border=True):
        st.subheader("Pengumpulan data saat ini")
        st.markdown(d["round_md"])
with st.container(border=True):
    st.subheader("Tugas saya")
    for text in d["tasks"]:
        st.markdown(f"- {text}")
st.divider()
st.header("Status Triwulan")
st.columns([1, 3])[0].selectbox("Triwulan", d["round_labels"], key="status_round")
st.caption(d["status_caption"])
m = st.columns(6)
for col, (label, value, delta) in zip(m, d["metrics"]):
    col.metric(label, value, delta=delta, delta_arrow="off")
left, right = st.columns([2, 3])
with left:
    st.subheader("Unit terlambat")
    if d["late_md"]:
        st.error(d["late_md"])
    else:
        st.success("Tidak ada unit yang terlambat.")
    st.altair_chart(charts.predicate_donut(d["predicate_counts"]), width="stretch")
with right:
    st.subheader("Indikator di bawah target")
    st.dataframe(d["behind"], hide_index=True)
st.subheader("Papan status unit")
st.dataframe(d["board"], hide_index=True)
st.subheader("Siapa yang masih kurang")
st.dataframe(d["missing"], hide_index=True)
d1, d2, _ = st.columns([1, 1, 2])
d1.download_button("Unduh daftar (PDF, siap cetak)", d["pdf"], file_name="daftar.pdf", on_click="ignore")
d2.download_button("Unduh daftar (Excel)", d["xlsx"], file_name="daftar.xlsx", on_click="ignore")
with st.container(border=True):
    st.subheader("Linimasa pengumpulan data")
    if d["late_message"]:
        st.warning(d["late_message"])
    st.dataframe(timeline.timeline_styled(d["steps"]), hide_index=True, width="stretch")
