"""Beranda: who is logged in and where the office's current collection round stands."""

import streamlit as st

from core import fmt, home
from core.markup import md
from core.uow import unit_of_work
from pages._common import actor_or_stop

actor = actor_or_stop("pages/beranda.py")

with unit_of_work() as session:
    me = home.profile(session, actor)
    rnd = home.current_round(session, actor.office_id)

st.title("Beranda")
st.caption(me.office_name)

left, right = st.columns([1, 2])
with left:
    with st.container(border=True):
        st.subheader(me.full_name)
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
            st.markdown(f"**{rnd.title}**")
            st.markdown(
                f"Langkah {rnd.current_step}: {rnd.current_step_name}  \n"
                f"Tenggat: {fmt.date(rnd.deadline)}"
            )
            if rnd.instruction:
                st.markdown(f"> {md(rnd.instruction)}")

# Tugas saya: what this user has to do next in the SOP round.
from core import tasks  # noqa: E402

with unit_of_work() as session:
    my_tasks = tasks.my_tasks(session, actor)
with st.container(border=True):
    st.subheader("Tugas saya")
    if not my_tasks:
        st.caption("Tidak ada tugas yang menunggu Anda saat ini.")
    for task in my_tasks:
        text = f":red[{task.text} — terlambat]" if task.late else task.text
        if task.page_path:
            st.page_link(task.page_path, label=text, icon=":material/arrow_forward:")
        else:
            st.markdown(f"- {text}")

# Status Triwulan (everyone): late units, lagging indicators, the board of units, who is still missing.
from pages import _status_triwulan  # noqa: E402

_status_triwulan.render(actor)

# Linimasa pengumpulan data: each SOP step against its standard time, and the SOP's Peringatan.
import datetime as _dt  # noqa: E402

from core import timeline  # noqa: E402

if rnd is not None:
    with unit_of_work() as session:
        steps_df = timeline.round_timeline(session, rnd.id, timeline.now())
        late_df = timeline.late_units(session, rnd.id, _dt.date.today())
    with st.container(border=True):
        st.subheader("Linimasa pengumpulan data")
        if not late_df.empty:
            st.warning(timeline.late_units_message(late_df), icon=":material/warning:")
        over = timeline.over_standard_steps(steps_df)
        if over:
            st.markdown(":red[**Melebihi waktu baku SOP:** " + "; ".join(over) + "]")
        st.dataframe(timeline.timeline_styled(steps_df), hide_index=True, width="stretch")
