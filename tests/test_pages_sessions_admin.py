"""Data Induk → Pengguna: the administrator sees failed logins, lifts a lock-out and ends a user's sessions."""

from sqlalchemy import select

from core import auth
from core.config import get_settings
from core.uow import unit_of_work
from db.models import AuditLog, LoginFailure, User
from tests.apptest import logged_in, texts


def test_admin_sees_and_lifts_a_lock_out_and_ends_all_sessions(sqlite_url):
    with unit_of_work(sqlite_url) as s:
        for _i in range(get_settings().max_failed_logins):
            auth.failed_login(s, "kadis", "10.9.9.9")
    at = logged_in("admin", "pages/data_induk.py")
    assert not at.exception
    shown = texts(at)
    assert "Percobaan masuk yang gagal" in shown
    table = next(d.value for d in at.dataframe if "Komputer" in d.value.columns)
    row = table[table["Nama pengguna"] == "kadis"].iloc[0]
    assert row["Komputer"] == "10.9.9.9" and row["Gagal"] == 5 and row["Terkunci"] == "ya"
    at.selectbox(key="penguncian_akun").select("kadis").run()
    at.button(key="penguncian_buka").click().run()
    assert "Penguncian akun 'kadis' dibuka." in texts(at)
    with unit_of_work(sqlite_url) as s:
        assert not s.scalars(select(LoginFailure).where(LoginFailure.username == "kadis")).all()
        kadis = s.scalar(select(User).where(User.username == "kadis"))
        gen, kadis_id = kadis.session_generation, kadis.id
    at.selectbox(key="pengguna_pilih").select(kadis_id).run()
    at.button(key=f"pengguna_akhiri_sesi_{kadis_id}").click().run()
    assert "Semua sesi 'kadis' diakhiri" in texts(at)
    with unit_of_work(sqlite_url) as s:
        assert s.scalar(select(User.session_generation).where(User.id == kadis_id)) == gen + 1
        actions = set(s.scalars(select(AuditLog.action)))
    assert {"auth.locked", "auth.lockout_lifted", "auth.sessions_revoked"} <= actions
    # the open session of kadis (generation before) is refused on its next click
    with unit_of_work(sqlite_url) as s:
        assert auth.rerun_state(s, "kadis", gen).refusal is not None
