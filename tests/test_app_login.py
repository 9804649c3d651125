"""Login, Beranda and Akun Saya as each role, through AppTest."""

import pytest

from core.config import get_settings
from tests.apptest import DEMO_PASSWORD, logged_in, new_app, texts

SOP_ROLES = {
    "kadis": "Kepala Dinas",
    "sekdis": "Sekretaris Dinas",
    "kabid_lattas": "Kepala Bidang / Kepala Sub Bagian",
    "jft_mediator": "Jabatan Fungsional Tertentu",
    "perencana": "JFT Perencana Ahli Muda",
    "penyusun": "Staf Penyusun Evaluasi Kinerja",
    "admin": "Administrator",
    "pemantau": "Pemantau",
}


def _login(at, username, password):
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click().run()
    return at


def test_login_form_is_in_indonesian(sqlite_url):
    at = new_app().run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Nama pengguna", "Kata sandi"]
    assert at.button[0].label == "Masuk"


def test_kepala_dinas_logs_in_and_sees_beranda(sqlite_url):
    at = _login(new_app().run(), "kadis", DEMO_PASSWORD)
    assert not at.exception
    shown = texts(at)
    assert "Beranda" in shown
    assert "Drs. Yohanes Sudarsono, M.Si." in shown
    assert "197204151998031007" in shown
    assert not at.text_input or at.text_input[0].label != "Nama pengguna"


def test_wrong_password_is_refused_in_indonesian(sqlite_url):
    at = _login(new_app().run(), "kadis", "salah-sandi-1")
    assert "Nama pengguna atau kata sandi salah." in texts(at)
    assert at.session_state["authentication_status"] is False


def test_repeated_failures_make_this_client_wait_for_that_account(sqlite_url):
    at = new_app().run()
    for _ in range(get_settings().max_failed_logins):
        at = _login(at, "kabid_lattas", "bukan-sandinya-9")
    assert "Terlalu banyak percobaan masuk yang gagal untuk akun 'kabid_lattas' dari komputer ini" in texts(at)
    # even the right password is refused while this client waits
    at = _login(at, "kabid_lattas", DEMO_PASSWORD)
    assert at.session_state["authentication_status"] is not True
    assert "Terlalu banyak percobaan" in texts(at)
    # another account from the same client can still sign in
    at = _login(new_app().run(), "kadis", DEMO_PASSWORD)
    assert at.session_state["authentication_status"] is True


@pytest.mark.parametrize("username,role_label", SOP_ROLES.items())
def test_beranda_as_each_role(sqlite_url, username, role_label):
    at = logged_in(username)
    assert not at.exception
    shown = texts(at)
    assert role_label in shown
    assert "Belum ada pengumpulan data yang dibuka." in shown


def test_change_own_password(sqlite_url):
    at = logged_in("sekdis", "pages/akun.py")
    inputs = at.text_input
    inputs[0].input(DEMO_PASSWORD)
    inputs[1].input("pendek")
    inputs[2].input("pendek")
    at.button[0].click().run()
    assert "minimal 8 karakter" in texts(at)
    at.text_input[0].input(DEMO_PASSWORD)
    at.text_input[1].input("SandiBaru2026")
    at.text_input[2].input("SandiBaru2026")
    at.button[0].click().run()
    assert "Kata sandi berhasil diganti" in texts(at)
    at2 = _login(new_app().run(), "sekdis", "SandiBaru2026")
    assert at2.session_state["authentication_status"] is True


def test_production_refuses_default_cookie_key(sqlite_url, monkeypatch):
    monkeypatch.setenv("KINERJA_ENV", "production")
    monkeypatch.delenv("KINERJA_COOKIE_KEY", raising=False)
    get_settings.cache_clear()
    at = new_app().run()
    assert "KINERJA_COOKIE_KEY" in texts(at)
    assert not at.text_input  # no login form
