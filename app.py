"""Kinerja: page config, login, then the role-aware navigation. Nothing else lives here."""

import time

import streamlit as st

st.set_page_config(
    page_title="Kinerja — Disnakerperintrans Kapuas Hulu",
    page_icon=":material/monitoring:",
    layout="wide",
)

import streamlit_authenticator as stauth  # noqa: E402

from core import auth, sessions  # noqa: E402
from core.config import check_production_safety, get_settings  # noqa: E402
from core.markup import md  # noqa: E402
from core.navigation import NOT_FOR_ROLE, PAGES, pages_for, pages_not_for, url_path  # noqa: E402
from core.permissions import step_executors  # noqa: E402
from core.uow import unit_of_work  # noqa: E402
from db.seed import ensure_database  # noqa: E402
from pages.parts import browser_ui, session_cookie  # noqa: E402

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
    from pages.parts.caches import start_warmer

    start_warmer()  # once per server process: Beranda's office data made again right after each change
    return True


_start_cache_warmer(settings.warm_caches)

@st.cache_resource(show_spinner=False)
def _demo_password_accounts(url: str) -> tuple[str, ...]:
    with unit_of_work() as session:
        return tuple(auth.demo_password_accounts(session, auth.DEMO_PASSWORD))


if settings.is_production:
    demo_accounts = _demo_password_accounts(settings.database_url)
    if demo_accounts:
        st.error("KINERJA_ENV=production, tetapi akun aktif berikut masih memakai kata sandi demo: "
                 f"{', '.join(demo_accounts)}. Setel ulang kata sandinya (Data Induk → Pengguna, atau "
                 "`python -m db.users`) atau nonaktifkan akunnya, lalu mulai ulang aplikasi.")
        st.stop()

state = st.session_state
client = auth.client_key(st.context.ip_address)


def _end_browser_session(message: str, *, clear_cookie: bool = True) -> None:
    """Back to the login form with `message`; this browser's cookie is removed and no longer read."""
    authenticator.authentication_controller.logout()  # the authenticator's keys; 'logout' stops cookie reading
    for key in ("actor", "last_activity", "session_gen"):
        state.pop(key, None)
    state["login_notice"] = message
    state["clear_cookie"] = clear_cookie
    st.rerun()


def _signed_in() -> bool:
    return state.get("authentication_status") is True


with unit_of_work() as session:
    # signed in: only this user's entry (the full list is for the login form), the revocation check and the
    # actor from the same read of the user
    rerun = auth.rerun_state(session, state.get("username") if _signed_in() else None,
                             state.get("session_gen"), client)

authenticator = stauth.Authenticate(
    rerun.credentials,
    settings.cookie_name,
    settings.cookie_key,
    0,  # the authenticator never writes the cookie itself: pages.parts.session_cookie does, in the page's run
    auto_hash=False,
    login_sleep_time=0,
)

# A cookie of this installation signs in without the form (a reload, a new tab, a typed address).
if not _signed_in() and not state.get("logout"):
    claims = sessions.read_token(settings, st.context.cookies.get(settings.cookie_name))
    if claims is not None and claims.username in rerun.credentials["usernames"]:
        authenticator.login(location="unrendered")
        if _signed_in():
            state["session_gen"] = claims.generation
            with unit_of_work() as session:
                rerun = auth.rerun_state(session, claims.username, claims.generation, client)


def _login_page() -> None:
    st.title("Kinerja")
    st.caption(
        "Pengumpulan Data Kinerja Triwulan — Dinas Tenaga Kerja, Perindustrian dan Transmigrasi "
        "Kabupaten Kapuas Hulu"
    )
    if state.pop("clear_cookie", False):
        session_cookie.remove(settings)
    notice = state.pop("login_notice", None)
    if notice:
        st.warning(notice)
    try:
        authenticator.login(
            location="main",
            fields={"Form name": "Masuk", "Username": "Nama pengguna", "Password": "Kata sandi", "Login": "Masuk"},
        )
    except stauth.utilities.LoginError as err:  # pragma: no cover - defensive
        st.error(f"Gagal masuk: {err}")
    # Failed attempts are counted in the database, per account and client (core.auth lock-out).
    for username, entry in rerun.credentials["usernames"].items():
        if entry.get("failed_login_attempts"):
            with unit_of_work() as session:
                message = auth.failed_login(session, username, client)
                delay = auth.login_delay(session, client)
            time.sleep(delay)
            st.error(message)
    if _signed_in():
        with unit_of_work() as session:
            auth.successful_login(session, state["username"], client)
        state["issue_cookie"] = True
        state.pop("last_activity", None)  # a new login starts a new idle clock
        st.rerun()  # the same address: a deep link (/pengolahan) opens that page now, if the role may see it
    st.info("Masukkan nama pengguna dan kata sandi yang diberikan administrator.")
    browser_ui.install()


if not _signed_in():
    # No page list before login, ever: every address of the app shows the login form, and keeps the address.
    login = st.Page(_login_page, title="Masuk", icon=":material/login:", default=True)
    placeholders = [st.Page(_login_page, title=p.title, url_path=url_path(p), visibility="hidden")
                    for p in PAGES if not p.default]
    st.navigation([login, *placeholders], position="hidden").run()
    st.stop()

# Server-side idle timeout: a session left open on a shared office computer ends by itself.
now = time.time()
last = state.get("last_activity")
if last is not None and now - last > settings.session_idle_minutes * 60:
    _end_browser_session("Sesi Anda berakhir karena tidak aktif. Silakan masuk kembali.")
state["last_activity"] = now

if rerun.username != state["username"]:  # signed in during this run
    with unit_of_work() as session:
        rerun = auth.rerun_state(session, state["username"], state.get("session_gen"), client)
if rerun.refusal:
    _end_browser_session(rerun.refusal)
state["actor"] = rerun.actor
state["session_gen"] = rerun.generation
actor = rerun.actor

if state.pop("issue_cookie", False):
    session_cookie.write(settings, sessions.issue_token(settings, actor.username, rerun.generation))


def _not_for_role() -> None:
    st.title(NOT_FOR_ROLE)
    st.warning(f"{NOT_FOR_ROLE} ({actor.role_label}). Halaman yang dapat Anda buka ada di menu samping.")
    st.page_link("pages/beranda.py", label="Kembali ke Beranda", icon=":material/home:")


# Who sees an SOP page is who executes its steps (data an administrator edits): read on every run, kept for
# the page guard (pages/parts/common.actor_or_stop) of this run.
with unit_of_work() as session:
    executors = step_executors(session)
state["step_executors"] = executors
groups = pages_for(actor.role, executors)
navigation = {group: [st.Page(p.path, title=p.title, icon=p.icon, default=p.default) for p in specs]
              for group, specs in groups.items()}
# Addresses of pages outside the role: a message that says why, not the login form or Beranda.
hidden = [st.Page(_not_for_role, title=p.title, url_path=url_path(p), visibility="hidden")
          for p in pages_not_for(actor.role, executors)]
page = st.navigation({**navigation, "": hidden} if hidden else navigation, position="hidden")

with st.sidebar:
    st.markdown(f"**{md(actor.full_name)}**  \n{actor.role_label}  \n{md(actor.unit_name)}")
    for group, items in navigation.items():
        st.caption(group)
        for p in items:
            st.page_link(p, label=p.title, icon=p.icon)
    if st.button("Keluar", key="tombol_keluar", icon=":material/logout:"):
        with unit_of_work() as session:
            sessions.end_own_sessions(session, actor)
        _end_browser_session("Anda sudah keluar. Sesi ini berakhir di semua tab dan peramban.")
    browser_ui.install()  # Streamlit's own English words in Indonesian; the phone layout

page.run()
