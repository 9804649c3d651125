"""Akun Saya: the user's own details and password change."""

import streamlit as st

from core import auth
from core.markup import md
from core.uow import unit_of_work
from pages._common import actor_or_stop, shown_errors

actor = actor_or_stop("pages/akun.py")

st.title("Akun Saya")
st.markdown(
    f"**{md(actor.full_name)}** — {md(actor.jabatan) or actor.role_label}  \n"
    f"Nama pengguna: `{actor.username}` · NIP: {actor.nip or '–'}"
)

st.subheader("Ganti kata sandi")
with st.form("ganti_sandi", clear_on_submit=True):
    old = st.text_input("Kata sandi lama", type="password")
    new = st.text_input("Kata sandi baru", type="password",
                        help="Minimal 8 karakter, memuat huruf dan angka.")
    repeat = st.text_input("Ulangi kata sandi baru", type="password")
    submitted = st.form_submit_button("Simpan kata sandi baru", type="primary")
if submitted:
    with shown_errors():
        with unit_of_work() as session:
            auth.change_own_password(session, actor, old, new, repeat)
        st.success("Kata sandi berhasil diganti. Gunakan kata sandi baru saat masuk berikutnya.")
