"""Akun Saya: the user's own details and password change."""

import streamlit as st

from core import auth, sessions
from core import masterdata as md_users
from core.config import get_settings
from core.markup import md
from core.uow import unit_of_work
from pages.parts import session_cookie
from pages.parts.common import actor_or_stop, shown_errors

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
            generation = auth.change_own_password(session, actor, old, new, repeat)
        # every other session and cookie of this user has ended; this browser goes on with a new cookie
        st.session_state["session_gen"] = generation
        session_cookie.write(get_settings(), sessions.issue_token(get_settings(), actor.username, generation))
        st.success("Kata sandi berhasil diganti. Sesi Anda di tab dan peramban lain sudah diakhiri; "
                   "gunakan kata sandi baru saat masuk berikutnya.")

st.subheader("Nomor ponsel")
with unit_of_work() as session:
    current_phone = md_users.own_phone(session, actor)
with st.form("nomor_ponsel"):
    phone = st.text_input("Nomor ponsel (WhatsApp, boleh kosong)", value=current_phone,
                          placeholder="mis. 0812-3456-7890", key="akun_telepon",
                          help="Dipakai Sekretaris untuk mengirim pengingat pengumpulan data lewat WhatsApp.")
    phone_saved = st.form_submit_button("Simpan nomor ponsel")
if phone_saved:
    with shown_errors():
        with unit_of_work() as session:
            md_users.change_own_phone(session, actor, phone)
        st.success("Nomor ponsel disimpan." if phone.strip() else "Nomor ponsel dihapus.")
