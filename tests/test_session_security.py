"""Session expiry after inactivity, and the minimum password rule (property-tested)."""

from __future__ import annotations

import string
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from core.auth import validate_new_password
from core.config import get_settings
from core.errors import InvalidInput
from tests.apptest import DEMO_PASSWORD, new_app, texts

ROOT = Path(__file__).resolve().parent.parent
EXPIRED = "Sesi Anda berakhir karena tidak aktif. Silakan masuk kembali."


def _returning_after(username: str, idle_seconds: float):
    """The app as the next request of a logged-in session that has been idle for `idle_seconds`.

    A fresh AppTest so the run goes through app.py (AppTest reruns of a multipage app run only the
    page script)."""
    at = new_app()
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state["name"] = username
    at.session_state["last_activity"] = time.time() - idle_seconds
    return at.run()


def test_idle_session_expires_and_shows_the_login_form(sqlite_url):
    idle = get_settings().session_idle_minutes
    assert idle == 60  # the default
    at = _returning_after("kabid_lattas", (idle + 1) * 60)
    assert not at.exception
    assert EXPIRED in texts(at)
    assert "actor" not in at.session_state
    assert at.session_state["authentication_status"] is None
    assert [t.label for t in at.text_input] == ["Nama pengguna", "Kata sandi"]
    assert "Agustinus Lawing" not in texts(at)  # nothing of the user's data


def test_active_session_stays_logged_in(sqlite_url):
    at = _returning_after("kabid_lattas", (get_settings().session_idle_minutes - 5) * 60)
    assert EXPIRED not in texts(at)
    assert at.session_state["actor"].username == "kabid_lattas"
    assert at.session_state["last_activity"] > time.time() - 60  # the visit counts as activity
    assert "Beranda" in texts(at)


def test_idle_timeout_is_a_setting(sqlite_url, monkeypatch):
    monkeypatch.setenv("KINERJA_SESSION_IDLE_MINUTES", "5")
    get_settings.cache_clear()
    assert EXPIRED in texts(_returning_after("penyusun", 6 * 60))
    assert EXPIRED not in texts(_returning_after("penyusun", 4 * 60))


def test_after_expiry_the_user_can_log_in_again(sqlite_url):
    at = _returning_after("sekdis", 3 * 3600)
    assert EXPIRED in texts(at)
    at.text_input[0].input("sekdis")
    at.text_input[1].input(DEMO_PASSWORD)
    at.button[0].click().run()
    assert at.session_state["authentication_status"] is True
    assert "Hj. Rahmawati" in texts(at)


def test_page_without_actor_shows_no_data(sqlite_url):
    """A page reached after the actor was cleared asks to log in again and shows nothing else."""
    at = AppTest.from_file(str(ROOT / "pages" / "beranda.py"), default_timeout=60).run()
    assert "Sesi Anda berakhir" in texts(at)
    assert not at.title


# --- the minimum password rule --------------------------------------------------------------------

def _ok(password: str, username: str) -> bool:
    n = get_settings().min_password_length
    return (len(password) >= n and any(c.isalpha() for c in password) and any(c.isdigit() for c in password)
            and password.lower() != username.lower())


@settings(max_examples=400, deadline=None)
@given(password=st.text(max_size=40), username=st.sampled_from(["", "kadis", "sekdis", "Kabid_Lattas"]))
def test_password_rule_accepts_exactly_the_passwords_that_meet_it(password, username):
    if _ok(password, username):
        validate_new_password(password, username)
    else:
        with pytest.raises(InvalidInput, match="Kata sandi baru harus"):
            validate_new_password(password, username)


@settings(max_examples=200, deadline=None)
@given(letters=st.text(string.ascii_letters, min_size=1, max_size=20),
       digits=st.text(string.digits, min_size=1, max_size=20))
def test_letters_and_digits_of_enough_length_are_accepted(letters, digits):
    password = letters + digits
    if len(password) >= get_settings().min_password_length:
        validate_new_password(password, "kadis")
    else:
        with pytest.raises(InvalidInput, match="minimal"):
            validate_new_password(password, "kadis")


@given(st.text(string.ascii_letters, min_size=8, max_size=30))
def test_letters_only_is_refused_with_what_to_fix(password):
    with pytest.raises(InvalidInput, match="memuat huruf dan angka"):
        validate_new_password(password)


def test_username_as_password_is_refused():
    with pytest.raises(InvalidInput, match="tidak sama dengan nama pengguna"):
        validate_new_password("Kabid2026", "kabid2026")
