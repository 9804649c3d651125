"""Jejak Audit: who changed what and when, with the values before and after (Admin, Kepala Dinas)."""


import streamlit as st

from core import audit_view, clock
from core.uow import unit_of_work
from pages.parts.common import actor_or_stop, shown_errors

actor = actor_or_stop("pages/jejak_audit.py")

st.title("Jejak Audit")
st.caption("Setiap perubahan data tercatat bersama pelaku, waktu setempat, serta nilai sebelum dan sesudahnya. "
           "Berkas CSV memuat pula kode tindakan dan rekaman aslinya.")

with shown_errors():
    with unit_of_work() as session:
        choices = audit_view.actions(session, actor)
    c1, c2, c3 = st.columns(3)
    with c1:
        period = st.date_input("Rentang tanggal", value=(), format="DD/MM/YYYY", key="audit_rentang")
    with c2:
        action = st.selectbox("Tindakan", ["", *choices], key="audit_tindakan",
                              format_func=lambda code: audit_view.action_label(code) if code else "(semua)")
    with c3:
        username = st.text_input("Nama pengguna", key="audit_pengguna")
    text = st.text_input("Cari pada ID atau perubahan", key="audit_cari")
    start = period[0] if isinstance(period, (tuple, list)) and len(period) >= 1 else None
    end = period[1] if isinstance(period, (tuple, list)) and len(period) == 2 else start
    flt = audit_view.AuditFilter(start=start, end=end, username=username,
                                 action=action or "", text=text)
    with unit_of_work() as session:
        df = audit_view.entries(session, actor, flt)
    st.caption(f"{len(df)} baris (paling banyak {audit_view.MAX_ROWS}, terbaru di atas).")
    st.dataframe(df, hide_index=True, width="stretch", column_order=audit_view.view_columns(),
                 column_config={audit_view.time_column(): st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm:ss"),
                                "Perubahan": st.column_config.TextColumn(width="large")})
    st.download_button("Unduh CSV", audit_view.to_csv(df),
                       file_name=f"jejak-audit-{clock.today():%Y%m%d}.csv", mime="text/csv",
                       key="audit_unduh", icon=":material/download:")
