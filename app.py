"""Kinerja: page config, login, then the role-aware navigation. Nothing else lives here."""

import time

import streamlit as st

st.set_page_config(
    page_title="Kinerja — Disnakerperintrans Kapuas Hulu",
    page_icon=":material/monitoring:",
    layout="wide",
)

import streamlit_authenticator as stauth  # noqa: E402

from core import auth  # noqa: E402
from core.config import check_production_safety, get_settings  # noqa: E402
from core.errors import KinerjaError  # noqa: E402
from core.markup import md  # noqa: E402
from core.navigation import pages_for  # noqa: E402
from core.uow import unit_of_work  # noqa: E402
from db.seed import ensure_database  # noqa: E402

settings = get_settings()
try:
    check_production_safety(settings)
except RuntimeError as err:
    st.error(str(err))
    st.stop()


@st.cache_resource(show_spinner="Menyiapkan basis data…")
def _prepare_database(url: str) -> bool:
    return ensure_database(url)


_prepare_database(settings.database_url)


@st.cache_resource(show_spinner=False)
def _tune_process() -> bool:
    from core.process import tune_gc

    return tune_gc()  # once per server process, after the imports of the first run


_tune_process()


@st.cache_resource(show_spinner=False)
def _start_cache_warmer(enabled: bool) -> bool:
    if not enabled:
        return False
    from pages._office_cache import start_warmer

    start_warmer()  # once per server process: Beranda's office data made again right after each change
    return True


_start_cache_warmer(settings.warm_caches)

with unit_of_work() as session:
    # signed in: only this user's entry (the full list is for the login form), with the lock-out check
    # and the actor from the same read of the user
    rerun = auth.rerun_state(
        session, st.session_state.get("username") if st.session_state.get("authentication_status") else None)
credentials = rerun.credentials

authenticator = stauth.Authenticate(
    credentials,
    settings.cookie_name,
    settings.cookie_key,
    settings.cookie_expiry_days,
    auto_hash=False,
    login_sleep_time=0.1,
)

if not st.session_state.get("authentication_status"):
    st.title("Kinerja")
    st.caption(
        "Pengumpulan Data Kinerja Triwulan — Dinas Tenaga Kerja, Perindustrian dan Transmigrasi "
        "Kabupaten Kapuas Hulu"
    )
    st.session_state.pop("login_message", None)
    st.session_state.pop("last_activity", None)  # a new login starts a new idle clock
    expired = st.session_state.pop("expired_message", None)
    if expired:
        st.warning(expired)
    try:
        authenticator.login(
            location="main",
            fields={
                "Form name": "Masuk",
                "Username": "Nama pengguna",
                "Password": "Kata sandi",
                "Login": "Masuk",
            },
        )
    except stauth.utilities.LoginError as err:  # pragma: no cover - defensive
        st.error(f"Gagal masuk: {err}")
    # Count failed attempts in the database (lock-out survives a new browser session).
    for username, entry in credentials["usernames"].items():
        if entry.get("failed_login_attempts"):
            with unit_of_work() as session:
                st.session_state["login_message"] = auth.failed_login(session, username)
    if st.session_state.get("authentication_status") is False:
        st.error(st.session_state.get("login_message") or "Nama pengguna atau kata sandi salah.")
    if st.session_state.get("authentication_status"):
        st.rerun()
    else:
        st.info("Masukkan nama pengguna dan kata sandi yang diberikan administrator.")
        st.stop()

# Server-side idle timeout: a session left open on a shared office computer ends by itself.
now = time.time()
last = st.session_state.get("last_activity")
if last is not None and now - last > settings.session_idle_minutes * 60:
    authenticator.logout(location="unrendered")
    st.session_state.pop("actor", None)
    st.session_state.pop("last_activity", None)
    st.session_state["expired_message"] = "Sesi Anda berakhir karena tidak aktif. Silakan masuk kembali."
    st.rerun()
st.session_state["last_activity"] = now

username = st.session_state["username"]
try:
    if rerun.username != username:  # signed in during this run (a remembered-login cookie)
        with unit_of_work() as session:
            rerun = auth.rerun_state(session, username)
    if rerun.refusal:
        raise KinerjaError(rerun.refusal)
    st.session_state["actor"] = rerun.actor
except KinerjaError as err:
    st.session_state["authentication_status"] = None
    st.session_state.pop("actor", None)
    st.error(str(err))
    st.stop()

actor = st.session_state["actor"]
with st.sidebar:
    st.markdown(f"**{md(actor.full_name)}**  \n{actor.role_label}  \n{md(actor.unit_name)}")
    authenticator.logout("Keluar", location="sidebar", key="tombol_keluar")

groups = pages_for(actor.role)
navigation = {
    group: [
        st.Page(p.path, title=p.title, icon=p.icon, default=p.default)
        for p in specs
    ]
    for group, specs in groups.items()
}
st.navigation(navigation).run()
