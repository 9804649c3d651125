"""What a person types into the grids is what the database holds: typed with the keyboard into the real
st.data_editor cells in Chromium, in an Indonesian (id-ID) and an English (en-US) browser, and two browsers
at once on the same rows. Every test asserts on the database the server writes, not only on the page.

Its own server and database (TW III 2026 opened and distributed through core), so the journey in
test_full_round.py keeps its round to itself.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.auth import actor_for
from core.uow import unit_of_work
from db.models import BudgetLine, BudgetRealization, Indicator, Realization, Submission, Target
from tests.e2e.conftest import serve_distributed, shot, signed_in_browsers
from tests.e2e.test_full_round import edit_grid, go, grid_cell, indicator_grid, settle

# The Bidang Pelatihan grid, in the grid's column order: 0 No · 1 Kode · 2 Indikator · 3 Satuan · 4 Target TW ·
# 5 Realisasi TW; rows IKU-01, IK-02, IK-03, IK-04, IK-05.
ROWS = {"IKU-01": 0, "IK-02": 1, "IK-03": 2, "IK-04": 3, "IK-05": 4}
REALISASI = 5
# The budget grid: 0 Kode · 1 Sub kegiatan · 2 Pagu · 3 Realisasi TW (the column filled, in view) · 4 Realisasi s.d.
# TW lalu
BUDGET_REALISASI = 3
# The target grid of Data Induk: 0 Kode · 1 Indikator · 2 Satuan · 3 Akumulasi · 4 Tahunan · 5 Batas atas ·
# 6–9 TW I–IV · 10 Sumber PK · 11 Sumber RA · 12 Alasan selisih · 13 Peringatan
TW3, TW4, ALASAN = 8, 9, 12


def target_grid_of(page):
    """The target grid of Data Induk, found by its pinned 'Kode' header (always drawn, unlike a column that the
    grid leaves out while scrolled sideways to 'Alasan selisih')."""
    header = page.locator("th").filter(has_text=re.compile(r"^\s*Kode\s*$"))
    return page.get_by_test_id("stDataFrame").filter(has=header).filter(visible=True).first


@pytest.fixture(scope="module")
def typing_db(tmp_path_factory):
    """A demo office with TW III 2026 distributed to every unit, served in its own Streamlit process."""
    yield from serve_distributed(tmp_path_factory, "e2e-typing")


@pytest.fixture
def browser_as(browser, typing_db):
    """browser_as(username, locale) -> a page signed in as that user in its own browser context."""
    yield from signed_in_browsers(browser, typing_db[0])


def value_in_db(db: str, code: str) -> Decimal | None:
    with unit_of_work(db) as s:
        return s.scalar(select(Realization.value).join(Indicator, Indicator.id == Realization.indicator_id)
                        .join(Submission, Submission.id == Realization.submission_id)
                        .where(Indicator.code == code, Submission.state != "diterima"))


def budget_in_db(db: str, row: int) -> Decimal | None:
    with unit_of_work(db) as s:
        line = lattas_lines(s)[row]
        return s.scalar(select(BudgetRealization.amount).join(Submission)
                        .where(BudgetRealization.budget_line_id == line.id, Submission.state != "diterima"))


def lattas_lines(s):
    from db.models import OrgUnit

    unit = s.scalar(select(OrgUnit.id).where(OrgUnit.code == "BID-LATTAS"))
    return list(s.scalars(select(BudgetLine).where(BudgetLine.owner_unit_id == unit, BudgetLine.year == 2026)
                          .order_by(BudgetLine.code, BudgetLine.id)))


def budget_grid(page):
    header = page.locator("th").filter(has_text="Sub kegiatan")
    return page.get_by_test_id("stDataFrame").filter(has=header).first


def press(page, button: str, expect_text: str, leave: str, why: str) -> None:
    """Leave the grid (so its last edit is sent), press `button`, wait for `expect_text`."""
    page.get_by_role("heading", name=leave).click()
    for attempt in range(3):
        settle(page)
        page.get_by_role("button", name=button, exact=True).click()
        try:
            page.get_by_text(expect_text).first.wait_for(timeout=10_000)
            settle(page)
            return
        except Exception:  # noqa: BLE001 - pressed before the grid's edit reached the server: again
            if attempt == 2:
                raise AssertionError(f"{why}: teks {expect_text!r} tidak muncul di {page.url}") from None


def open_isi_data(page):
    go(page, "Isi Data Kinerja")
    page.get_by_role("heading", name="Realisasi indikator kinerja").wait_for()
    settle(page)
    return indicator_grid(page)


@pytest.mark.parametrize("locale", ["id-ID", "en-US"])
def test_typed_numbers_are_stored_as_an_indonesian_reader_means_them(browser_as, typing_db, locale):
    _url, db = typing_db
    page = browser_as("kabid_lattas", locale)
    grid = open_isi_data(page)
    # what is typed, what the database must hold, what the grid shows after the save
    cases = {
        "id-ID": {"IKU-01": ("4,05", "4.05", "4,05"), "IK-02": ("73,5", "73.5", "73,5"),
                  "IK-03": ("1.250", "1250", "1.250"), "IK-04": ("12,5 %", "12.5", "12,5"),
                  "IK-05": ("Rp 1.250.000", "1250000", "1.250.000")},
        "en-US": {"IKU-01": ("4,16", "4.16", "4,16"), "IK-02": ("73,25", "73.25", "73,25"),
                  "IK-03": ("1.300", "1300", "1.300"), "IK-04": ("12 %", "12", "12"),
                  "IK-05": ("1.250.000,5", "1250000.5", "1.250.000,5")},
    }[locale]
    edit_grid(page, grid, [(ROWS[c], REALISASI, typed) for c, (typed, _db, _shown) in cases.items()])
    press(page, "Simpan draf", "Draf disimpan (5 indikator diperbarui).", "Realisasi indikator kinerja",
          f"Simpan draf ({locale})")
    assert {c: value_in_db(db, c) for c in cases} == {c: Decimal(v) for c, (_t, v, _s) in cases.items()}
    grid = indicator_grid(page)  # reloaded from the database: shown the Indonesian way in either browser
    for code, (_typed, _stored, shown) in cases.items():
        expect(grid.get_by_test_id(f"glide-cell-{REALISASI}-{ROWS[code]}"), f"{code} di grid").to_have_text(shown)
    # the budget grid: typed in rupiah the way a treasurer writes it
    amounts = {"id-ID": (("125.000.000", "125000000"), ("Rp 12.500.000,50", "12500000.50")),
               "en-US": (("126.000.000", "126000000"), ("Rp 12.600.000,25", "12600000.25"))}[locale]
    edit_grid(page, budget_grid(page), [(row, BUDGET_REALISASI, typed) for row, (typed, _v) in enumerate(amounts)])
    press(page, "Simpan realisasi anggaran", "Realisasi anggaran disimpan (2 baris diperbarui).",
          "Realisasi anggaran (DPA)", f"Simpan realisasi anggaran ({locale})")
    assert (budget_in_db(db, 0), budget_in_db(db, 1)) == tuple(Decimal(v) for _t, v in amounts)
    assert grid_cell(budget_grid(page), 0, BUDGET_REALISASI) == amounts[0][0]
    if locale == "en-US":
        shot(page, "11-isi-data-angka-indonesia-di-peramban-inggris")


@pytest.mark.parametrize("typed, write", [("40.5", "40,5"), ("1,250.5", "1.250,5"), ("1.25.0", None)])
def test_an_english_or_broken_number_is_refused_with_what_to_write_and_nothing_is_saved(browser_as, typing_db,
                                                                                         typed, write):
    _url, db = typing_db
    page = browser_as("kabid_lattas", "en-US")
    grid = open_isi_data(page)
    before = {c: value_in_db(db, c) for c in ROWS}
    edit_grid(page, grid, [(ROWS["IK-02"], REALISASI, "44"), (ROWS["IK-04"], REALISASI, typed)])
    press(page, "Simpan draf", f"'{typed}'", "Realisasi indikator kinerja", "Simpan draf dengan angka salah")
    expect(page.get_by_text("Data belum disimpan.").first).to_be_visible()
    if write:
        expect(page.get_by_text(f"Tulis {write} bila itu yang Anda maksud.").first).to_be_visible()
    else:
        expect(page.get_by_text("bukan angka yang sah").first).to_be_visible()
    assert {c: value_in_db(db, c) for c in ROWS} == before  # nothing of that save written, IK-02 neither
    assert grid_cell(indicator_grid(page), ROWS["IK-04"], REALISASI) == typed  # kept on screen to be fixed


def test_two_browsers_cannot_overwrite_each_other_in_the_indicator_grid(browser_as, typing_db):
    _url, db = typing_db
    a, b = browser_as("kabid_lattas"), browser_as("kabid_lattas", "en-US")
    grid_a, grid_b = open_isi_data(a), open_isi_data(b)  # both see the same versions
    edit_grid(a, grid_a, [(ROWS["IK-03"], REALISASI, "11")])
    press(a, "Simpan draf", "Draf disimpan (1 indikator diperbarui).", "Realisasi indikator kinerja", "A menyimpan")
    edit_grid(b, grid_b, [(ROWS["IK-03"], REALISASI, "22")])
    press(b, "Simpan draf", "Data IK-03 sudah diubah melalui akun Anda", "Realisasi indikator kinerja", "B yang usang menyimpan")
    expect(b.get_by_text("Yang Anda ketik, belum tersimpan: IK-03 Realisasi TW: 22").first).to_be_visible()
    assert value_in_db(db, "IK-03") == Decimal("11")
    assert grid_cell(indicator_grid(b), ROWS["IK-03"], REALISASI) == "11"  # B now shows the newer value


def test_two_browsers_cannot_overwrite_each_other_in_the_budget_grid(browser_as, typing_db):
    _url, db = typing_db
    a, b = browser_as("kabid_lattas"), browser_as("kabid_lattas")
    open_isi_data(a), open_isi_data(b)
    edit_grid(a, budget_grid(a), [(0, BUDGET_REALISASI, "100.000.000")])
    press(a, "Simpan realisasi anggaran", "Realisasi anggaran disimpan (1 baris diperbarui).",
          "Realisasi anggaran (DPA)", "A menyimpan anggaran")
    edit_grid(b, budget_grid(b), [(0, BUDGET_REALISASI, "90.000.000")])
    press(b, "Simpan realisasi anggaran", "sudah diubah melalui akun Anda", "Realisasi anggaran (DPA)", "B yang usang menyimpan")
    assert budget_in_db(db, 0) == Decimal("100000000")


def test_two_administrators_cannot_overwrite_each_other_in_the_target_grid(browser_as, typing_db):
    _url, db = typing_db

    def target_grid(page):
        go(page, "Data Induk")
        page.get_by_role("tab", name="Target").click()
        grid = target_grid_of(page)
        grid.wait_for()
        settle(page)
        return grid

    a, b = browser_as("admin"), browser_as("admin", "en-US")
    grid_a, grid_b = target_grid(a), target_grid(b)
    assert grid_cell(grid_b, 0, 4) == grid_cell(grid_a, 0, 4)  # the same annual target, written the same way
    code = grid_cell(grid_a, 0, 0)
    for page, value in ((a, "1.250"), (b, "9,5")):  # neither adds up: each gives the reason in its row
        edit_grid(page, grid_a if page is a else grid_b, [(0, TW4, value), (0, ALASAN, "RA direvisi")])
    a.get_by_role("button", name="Simpan target").click()
    a.get_by_text("Target disimpan.").first.wait_for()
    b.get_by_role("button", name="Simpan target").click()
    b.get_by_text("sudah diubah melalui akun Anda").first.wait_for()
    with unit_of_work(db) as s:
        q4 = s.scalar(select(Target.q4).join(Indicator, Indicator.id == Target.indicator_id)
                      .where(Indicator.code == code, Target.year == 2026))
    assert q4 == Decimal("1250"), "A's 1.250 is in the database and B's 9,5 did not overwrite it"


def test_ajukan_saves_what_was_typed_before_anything_else(browser_as, typing_db):
    _url, db = typing_db
    page = browser_as("kabid_lattas", "en-US")
    grid = open_isi_data(page)
    edit_grid(page, grid, [(ROWS["IK-02"], REALISASI, "2.345")])
    page.get_by_role("heading", name="Realisasi indikator kinerja").click()
    settle(page)
    page.get_by_role("button", name="Ajukan", exact=True).click()
    page.get_by_text("Perubahan tabel disimpan sebagai draf.").first.wait_for()  # evidence is still missing
    assert value_in_db(db, "IK-02") == Decimal("2345")


def test_targets_that_do_not_add_up_need_a_reason_typed_in_data_induk(browser_as, typing_db):
    """The admin types quarterly targets (RA) that do not add up to the annual target (PK) of a cumulative
    indicator, is told so and nothing is saved; gives the reason in the row's cell and saves: the database
    holds the typed targets with the reason."""
    from core import masterdata as md

    _url, db = typing_db
    with unit_of_work(db) as s:
        office = actor_for(s, "admin").office_id
        frame = md.list_targets(s, office, dt.date.today().year, exact=True)
        row = next(i for i, r in enumerate(frame.to_dict("records"))
                   if r["akumulasi"] == "sum" and r["tahunan"] is not None and r["tw1"] is not None
                   and not r["alasan_selisih"])
        code, annual = frame.iloc[row]["kode"], frame.iloc[row]["tahunan"]
        q1, q2 = frame.iloc[row]["tw1"], frame.iloc[row]["tw2"]
        before = s.scalar(select(Target).join(Indicator).where(Indicator.code == code,
                                                                  Target.year == dt.date.today().year))
        version = before.version
    assert q1 + q2 + Decimal("30") + Decimal("40.5") != annual  # what is typed below does not add up
    page = browser_as("admin", "en-US")  # an English browser: the app reads 40,5 the Indonesian way anyway
    go(page, "Data Induk")
    page.get_by_role("tab", name="Target").click()
    grid = target_grid_of(page)
    grid.wait_for()
    settle(page)
    assert grid_cell(grid, row, 0) == code
    edit_grid(page, grid, [(row, TW3, "30"), (row, TW4, "40,5")])
    page.get_by_role("button", name="Simpan target").click()
    page.get_by_text("Target belum disimpan").first.wait_for()
    page.get_by_text("Jumlah target TW I–IV").first.wait_for()
    settle(page)
    shot(page, "data-induk-target-selisih-ditolak")
    with unit_of_work(db) as s:
        t = s.scalar(select(Target).join(Indicator).where(Indicator.code == code,
                                                           Target.year == dt.date.today().year))
        assert (t.q3, t.q4, t.version, t.mismatch_reason) == (before.q3, before.q4, version, None)
    edit_grid(page, grid, [(row, ALASAN, "Pelatihan TW IV dialihkan ke APBD Perubahan")])
    page.get_by_role("button", name="Simpan target").click()
    page.get_by_text("Target disimpan.").first.wait_for()
    settle(page)
    shot(page, "data-induk-target-selisih-dengan-alasan")
    with unit_of_work(db) as s:
        t = s.scalar(select(Target).join(Indicator).where(Indicator.code == code,
                                                           Target.year == dt.date.today().year))
        assert (t.q1, t.q2, t.q3, t.q4) == (q1, q2, Decimal("30"), Decimal("40.5"))
        assert t.mismatch_accepted and t.mismatch_reason == "Pelatihan TW IV dialihkan ke APBD Perubahan"
        assert t.annual == annual and t.version == version + 1
    # the page reran after the save and is still on the Target tab (it used to jump back to "Unit kerja")
    assert page.get_by_role("tab", name="Target").get_attribute("aria-selected") == "true"
    page.get_by_text("Disimpan dengan alasan: Pelatihan TW IV dialihkan ke APBD Perubahan").first.wait_for()
    shot(page, "data-induk-target-alasan-tersimpan")
    page.get_by_role("tab", name="Rumus capaian").click()
    page.get_by_text("Contoh dengan rumus yang berlaku").wait_for()
    settle(page)
    shot(page, "data-induk-rumus-capaian")
