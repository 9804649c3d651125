"""Beranda: who is logged in and where the office's current collection round stands."""

import streamlit as st

from core import clock, fmt, timeline
from core.markup import md
from pages.parts import status_triwulan
from pages.parts.caches import note_viewed, office_overview, personal
from pages.parts.common import actor_or_stop, data_version, table

actor = actor_or_stop("pages/beranda.py")


version = data_version(actor.office_id)
today = clock.today()
me, my_tasks = personal(version, actor, today)
overview = None
if actor.office_id is not None:
    note_viewed(actor.office_id)
    overview = office_overview(version, actor.office_id, today)
rnd = overview.current if overview else None

st.title("Beranda")
st.caption(md(me.office_name))

left, right = st.columns([1, 2])
with left:
    with st.container(border=True):
        st.subheader(md(me.full_name))
        st.markdown(
            f"**Jabatan:** {md(me.jabatan) or '–'}  \n"
            f"**NIP:** {me.nip or '–'}  \n"
            f"**Peran:** {me.role_label}  \n"
            f"**Unit kerja:** {md(me.unit_name) or '–'}"
        )
with right:
    with st.container(border=True):
        st.subheader("Pengumpulan data saat ini")
        if rnd is None:
            st.info("Belum ada pengumpulan data yang dibuka.")
        else:
            st.markdown(f"**{md(rnd.title)}**")
            st.markdown(
                f"Langkah {rnd.step_number} dari {rnd.step_count}: **{md(rnd.step_name)}** — {md(rnd.step_title)}  \n"
                f"Tenggat: {fmt.date(rnd.deadline)}"
            )
            if rnd.instruction:
                st.markdown(f"> {md(rnd.instruction)}")

# Tugas saya: what this user has to do next in the SOP round.
with st.container(border=True):
    st.subheader("Tugas saya")
    if not my_tasks:
        st.caption("Tidak ada tugas yang menunggu Anda saat ini.")
    for task in my_tasks:
        text = f":red[{md(task.text)} — terlambat]" if task.late else md(task.text)
        if task.page_path:
            st.page_link(task.page_path, label=text, icon=":material/arrow_forward:")
        else:
            st.markdown(f"- {text}")

# Status Triwulan (everyone): late units, lagging indicators, the board of units, who is still missing.
status_triwulan.render(actor, version, today, overview)

# Linimasa pengumpulan data: each SOP step against its standard time, and the SOP's Peringatan.
if rnd is not None:
    with st.container(border=True):
        st.subheader("Linimasa pengumpulan data")
        if not overview.late.empty:
            st.warning(timeline.late_units_message(overview.late), icon=":material/warning:")
        steps_df = timeline.as_of(overview.steps, timeline.now())  # running steps measured up to now
        over = timeline.over_standard_steps(steps_df)
        if over:
            st.markdown(":red[**Melebihi waktu baku SOP:** " + "; ".join(over) + "]")
        table(timeline.timeline_styled(steps_df), "Belum ada langkah yang tercatat.")
