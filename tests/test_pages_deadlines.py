"""Issue #19 on the pages: a closed unit's Isi Data page, the reminders on the Sekretaris's status board,
and the office's lock setting and phone numbers in Data Induk (AppTest)."""

from __future__ import annotations

from sqlalchemy import func, select

from core.uow import unit_of_work
from db.models import Reminder, Submission, User
from tests import factories
from tests.apptest import logged_in
from tests.apptest import texts as raw_texts


def texts(at) -> str:
    return raw_texts(at).replace("\\", "")


def running_round(url, lock_days=None, phone=None) -> None:
    """A round at Isi Data whose units (deadline 10 Oktober 2026, long past) are still in draft."""
    with unit_of_work(url) as s:
        factories.make_round(s, at="isi_data", state="draf")
        factories.office(s).entry_lock_days = lock_days
        if phone:
            factories.user(s, "kabid_lattas").phone = phone


def link_buttons(at) -> list[tuple[str, str]]:
    return [(e.proto.label.replace("\\", ""), e.proto.url) for e in at.get("link_button")]


def test_a_closed_unit_sees_the_lock_and_who_may_reopen_it(sqlite_url):
    running_round(sqlite_url, lock_days=3)
    at = logged_in("kabid_lattas", "pages/isi_data.py")
    assert not at.exception
    shown = texts(at)
    with unit_of_work(sqlite_url) as s:
        sekdis = factories.user(s, "sekdis").full_name
    assert "Kunci jadwal." in shown and "ditutup sejak 14 Oktober 2026" in shown
    assert f"dibuka kembali oleh Sekretaris Dinas ({sekdis})" in shown
    assert not [b for b in at.button if b.label in ("Ajukan", "Simpan draf")]


def test_the_sekretaris_copies_and_records_every_reminder_in_two_clicks(sqlite_url):
    running_round(sqlite_url, phone="6281234567890")
    at = logged_in("sekdis")
    assert not at.exception
    shown = texts(at)
    assert "Pengingat untuk unit kerja" in shown
    codes = [c.value for c in at.code]
    assert any(c.startswith("Yth. Bapak/Ibu Kepala Unit Kerja,") for c in codes)  # one message for all
    with unit_of_work(sqlite_url) as s:
        kabid = factories.user(s, "kabid_lattas")
        lattas = factories.unit(s, "BID-LATTAS").name
        units = s.scalar(select(func.count()).select_from(Submission).where(Submission.state == "draf"))
    mine = [c for c in codes if c.startswith(f"Yth. {kabid.jabatan} ({kabid.full_name}),")]
    assert len(mine) == 1 and f"{lattas} belum diajukan; tenggat 10 Oktober 2026 (terlambat" in mine[0]
    links = link_buttons(at)
    assert [label for label, _url in links] == [f"Kirim lewat WhatsApp ke {kabid.full_name} (+62 812-3456-7890)"]
    assert links[0][1].startswith("https://wa.me/6281234567890?text=Yth.%20")
    at.button(key="ingatkan_semua").click().run()
    assert not at.exception
    assert "tercatat terkirim" in texts(at)
    with unit_of_work(sqlite_url) as s:
        assert s.scalar(select(func.count()).select_from(Reminder)) == units
    unit_page = logged_in("kabid_lattas", "pages/isi_data.py")
    with unit_of_work(sqlite_url) as s:
        sekdis = s.scalar(select(User.full_name).where(User.username == "sekdis"))
    assert f"Diingatkan oleh {sekdis} pada " in texts(unit_page)


def test_a_unit_head_sees_no_reminder_controls(sqlite_url):
    running_round(sqlite_url)
    at = logged_in("kabid_lattas")
    assert not at.exception
    assert "Pengingat untuk unit kerja" not in texts(at)


def test_admin_sets_the_lock_and_a_phone_number_with_indonesian_messages(sqlite_url):
    at = logged_in("admin", "pages/data_induk.py")
    assert not at.exception
    at.checkbox(key="kunci_jadwal_aktif").check()
    at.number_input(key="kunci_jadwal_hari").set_value(5)
    at.button(key="kunci_jadwal_simpan").click().run()
    assert "Kunci jadwal disimpan." in texts(at)
    with unit_of_work(sqlite_url) as s:
        assert factories.office(s).entry_lock_days == 5
    with unit_of_work(sqlite_url) as s:
        uid = factories.user(s, "kabid_lattas").id
    at.selectbox(key="pengguna_pilih").set_value(uid).run()
    phone = next(t for t in at.text_input if t.key and t.key.startswith("pengguna_telepon_"))
    phone.set_value("021-555-1234")
    next(b for b in at.button if b.label == "Simpan perubahan pengguna").click().run()
    assert "bukan nomor ponsel Indonesia" in texts(at)
    phone = next(t for t in at.text_input if t.key and t.key.startswith("pengguna_telepon_"))
    phone.set_value("0812-3456-7890")
    next(b for b in at.button if b.label == "Simpan perubahan pengguna").click().run()
    assert "Perubahan pengguna disimpan." in texts(at)
    with unit_of_work(sqlite_url) as s:
        assert factories.user(s, "kabid_lattas").phone == "6281234567890"


def test_rekap_shows_timeliness_across_rounds_with_its_workbook(sqlite_url):
    at = logged_in("kadis", "pages/rekap.py")
    assert not at.exception
    assert "Ketepatan Waktu" in [t.label for t in at.tabs]
    at.session_state["rekap_tab"] = "Ketepatan Waktu"
    at.run()
    assert not at.exception
    per_unit = next(df.value for df in at.dataframe if "Tepat waktu" in df.value.columns
                    and "Unit" in df.value.columns and "Kelengkapan rata-rata (%)" in df.value.columns)
    assert "TW II 2026" in per_unit.columns and len(per_unit) == 6
    assert any(v.startswith("Terlambat ") for col in per_unit.columns if col.startswith("TW ")
               for v in per_unit[col])  # the demo history has a late unit in each round
    assert "Unduh Ketepatan Waktu (XLSX)" in [e.proto.label for e in at.get("download_button")]


def test_a_user_keeps_their_own_phone_number_on_akun_saya(sqlite_url):
    at = logged_in("kabid_lattas", "pages/akun.py")
    assert not at.exception
    at.text_input(key="akun_telepon").set_value("0812 345")
    next(b for b in at.button if b.label == "Simpan nomor ponsel").click().run()
    assert "bukan nomor ponsel Indonesia" in texts(at)
    at.text_input(key="akun_telepon").set_value("+62 812-3456-7890")
    next(b for b in at.button if b.label == "Simpan nomor ponsel").click().run()
    assert "Nomor ponsel disimpan." in texts(at)
    with unit_of_work(sqlite_url) as s:
        assert factories.user(s, "kabid_lattas").phone == "6281234567890"
