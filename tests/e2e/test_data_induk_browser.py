"""Data Induk's pickers after a rename, in Chromium (found by a newcomer's walk, not by AppTest).

Streamlit's browser holds a selectbox's choice by its shown name. After the administrator renamed the unit (or
user, or indicator) chosen in the picker above an edit form, the picker still showed the old name, and the next
save sent that old name back: no option any more, so the choice fell to the first record and the save was lost
without a word (or a later one went to the wrong record). Checked here in the database after each save: one
administrator renaming and saving again, and a second administrator whose page was drawn before a rename.
Also a standard time of an SOP step typed in an English browser, stored with the label of the new time.

Its own server and database (the demo office).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.uow import unit_of_work
from db.models import Indicator, OrgUnit, SopStep, User
from tests.e2e.conftest import need_chromium, serve, signed_in_browsers
from tests.e2e.test_full_round import choose, go, settle

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def induk_app(tmp_path_factory):
    need_chromium()
    data = tmp_path_factory.mktemp("e2e-data-induk")
    server = serve(data)
    yield next(server), f"sqlite:///{data / 'kinerja.db'}"
    next(server, None)


@pytest.fixture
def admin_as(browser, induk_app):
    yield from signed_in_browsers(browser, induk_app[0])


def open_tab(page, tab: str) -> None:
    go(page, "Data Induk")
    page.get_by_role("tab", name=tab, exact=True).click()
    settle(page)


def type_into(page, tab: str, label: str, text: str) -> None:
    """Select what the field holds and type over it, as a person does."""
    field = page.get_by_role("tabpanel", name=tab).get_by_label(label, exact=True).last
    field.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def save(page, button: str, message: str) -> None:
    page.get_by_role("button", name=button).click()
    page.get_by_text(message).first.wait_for()
    settle(page)


def test_a_renamed_unit_stays_chosen_and_its_next_save_lands(admin_as, induk_app):
    _url, db = induk_app
    page = admin_as("admin")
    open_tab(page, "Unit kerja")
    choose(page, "Unit", "Bidang Transmigrasi", typed="Transmigrasi")
    type_into(page, "Unit kerja", "Nama unit", "Bidang Transmigrasi dan Permukiman")
    save(page, "Simpan perubahan unit", "Perubahan unit disimpan.")
    picker = page.get_by_role("combobox", name="Unit", exact=True)
    expect(picker).to_have_value("Bidang Transmigrasi dan Permukiman")  # the new name, not the old one

    type_into(page, "Unit kerja", "Nama singkat", "Transmigrasi & Permukiman")
    save(page, "Simpan perubahan unit", "Perubahan unit disimpan.")
    with unit_of_work(db) as s:
        unit = s.scalar(select(OrgUnit).where(OrgUnit.code == "BID-TRANS"))
        assert (unit.name, unit.short_name) == ("Bidang Transmigrasi dan Permukiman", "Transmigrasi & Permukiman")
    expect(picker).to_have_value("Bidang Transmigrasi dan Permukiman")  # still on it, not on the first unit


def test_an_indicator_renamed_twice_in_a_row_keeps_both_saves(admin_as, induk_app):
    _url, db = induk_app
    page = admin_as("admin", "en-US")
    open_tab(page, "Renstra & Indikator")
    with unit_of_work(db) as s:
        count = len(s.scalars(select(Indicator.id)).all())
    choose(page, "Tambah atau ubah indikator", "IK-10", typed="IK-10")
    tab = "Renstra & Indikator"
    type_into(page, tab, "Nama indikator", "Jumlah IKM yang dibina dan didampingi")
    save(page, "Simpan indikator", "Indikator disimpan.")
    type_into(page, tab, "Satuan", "IKM")
    save(page, "Simpan indikator", "Indikator disimpan.")
    with unit_of_work(db) as s:
        ind = s.scalar(select(Indicator).where(Indicator.code == "IK-10"))
        assert (ind.name, ind.satuan) == ("Jumlah IKM yang dibina dan didampingi", "IKM")
        assert len(s.scalars(select(Indicator.id)).all()) == count  # no new indicator made instead
    expect(page.get_by_role("combobox", name="Tambah atau ubah indikator", exact=True)).to_have_value(
        "IK-10 Jumlah IKM yang dibina dan didampingi")


def test_a_user_renamed_by_another_administrator_is_still_the_one_edited(admin_as, induk_app):
    """B's page was drawn before A renamed the user B has open; B then saves the Jabatan: it lands on that user,
    beside A's name, B's picker shows the new name, and B's next save lands on the same user."""
    _url, db = induk_app
    a, b = admin_as("admin"), admin_as("admin", "en-US")
    for page in (a, b):
        open_tab(page, "Pengguna")
        choose(page, "Pengguna", "kabid_ind", typed="kabid_ind")
    type_into(a, "Pengguna", "Nama lengkap", "Maria Goreti Ensiwi, S.T., M.T.")
    save(a, "Simpan perubahan pengguna", "Perubahan pengguna disimpan.")

    type_into(b, "Pengguna", "Jabatan", "Kepala Bidang Perindustrian dan Perdagangan")
    save(b, "Simpan perubahan pengguna", "Perubahan pengguna disimpan.")
    with unit_of_work(db) as s:
        user = s.scalar(select(User).where(User.username == "kabid_ind"))
        assert (user.full_name, user.jabatan) == ("Maria Goreti Ensiwi, S.T., M.T.",
                                                  "Kepala Bidang Perindustrian dan Perdagangan")
        admin = s.scalar(select(User).where(User.username == "admin"))
        assert admin.jabatan != "Kepala Bidang Perindustrian dan Perdagangan"  # not saved on the first user
    expect(b.get_by_role("combobox", name="Pengguna", exact=True)).to_have_value(
        "kabid_ind — Maria Goreti Ensiwi, S.T., M.T.")
    type_into(b, "Pengguna", "Pangkat/golongan", "Pembina (IV/a)")  # and B's next save lands there too
    save(b, "Simpan perubahan pengguna", "Perubahan pengguna disimpan.")
    with unit_of_work(db) as s:
        assert s.scalar(select(User.pangkat).where(User.username == "kabid_ind")) == "Pembina (IV/a)"


def test_a_standard_time_typed_in_an_english_browser_is_stored_with_its_label(admin_as, induk_app):
    """Langkah SOP, step 3, in an en-US browser: 1500 typed into Waktu baku (menit) with the label left as it
    was; the database holds 1500 minutes labelled '1 hari 1 jam', and the SOP table shows that label."""
    _url, db = induk_app
    page = admin_as("admin", "en-US")
    open_tab(page, "Langkah SOP")
    choose(page, "Ubah langkah", "3. Isi Data Kinerja", typed="Isi Data")
    type_into(page, "Langkah SOP", "Waktu baku (menit)", "1500")
    save(page, "Simpan langkah", "Langkah SOP disimpan.")
    with unit_of_work(db) as s:
        step = s.scalar(select(SopStep).where(SopStep.number == 3))
        assert (step.standard_minutes, step.standard_label) == (1500, "1 hari 1 jam")
    panel = page.get_by_role("tabpanel", name="Langkah SOP")
    expect(panel.get_by_label("Label waktu baku", exact=True)).to_have_value("1 hari 1 jam")
    expect(panel.get_by_label("Waktu baku (menit)", exact=True)).to_have_value("1500")
