"""The Renja evaluation (E.81) in the browser: the Staf Penyusun downloads the E.81 of the draft, the planner
corrects its faktor penghambat, and the final E.81 downloaded from Dokumentasi carries the correction (in the
file and in the round's column)."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import create_engine, select

from core.uow import unit_of_work
from tests import factories
from tests.e2e.conftest import need_chromium, seed_demo, serve, signed_in_browsers
from tests.e2e.test_full_round import _wait_for_rerun, choose, go, see
from tests.test_renja_eval import check_every_cell

FOOTER = "Faktor penghambat pencapaian kinerja"
CORRECTED_LINES = ("• Keterlambatan pencairan anggaran triwulan III.", "• Banjir di Kecamatan Embaloh Hulu.")
CORRECTED = "\n".join(CORRECTED_LINES)


def round_at_step_5(tmp_path_factory, name: str, **env: str):
    """A demo office whose TW III 2026 has every unit's data accepted (step 5), served in its own process:
    yields (app url, database url), then stops the server (and checks its log)."""
    need_chromium()
    data = tmp_path_factory.mktemp(name)
    url = seed_demo(data)
    with unit_of_work(url) as s:
        factories.make_round(s, at="penyusunan", state="diterima")
    server = serve(data, **env)
    yield next(server), url
    next(server, None)


@pytest.fixture(scope="module")
def e81_app(tmp_path_factory):
    yield from round_at_step_5(tmp_path_factory, "e2e-e81", KINERJA_FOREGROUND_SECONDS="0")  # every build: a bar


def _footer(data: bytes) -> dict[str, object]:
    ws = openpyxl.load_workbook(io.BytesIO(data))["E.81"]
    return {ws.cell(r, 1).value: ws.cell(r, 5).value for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value}


def _download(page, button) -> tuple[str, bytes]:
    with page.expect_download() as download:
        button.click()
    return download.value.suggested_filename, download.value.path().read_bytes()


def test_e81_draft_correction_and_final(browser, e81_app):
    app_url, db_url = e81_app
    people = signed_in_browsers(browser, app_url)
    person = next(people)  # person(username): signed in, in a browser of its own

    try:
        penyusun = person("penyusun")
        go(penyusun, "Pengolahan")
        see(penyusun, "Catatan Evaluasi Hasil Renja (E.81)", "Langkah 5: catatan E.81 dapat diisi")
        penyusun.get_by_role("button", name="Susun draf laporan").click()
        # built on a thread of its own: a progress bar that names the work, then the page by itself
        penyusun.get_by_test_id("stProgress").filter(has_text="Menyusun draf laporan").wait_for()
        see(penyusun, "Draf laporan versi 1 disusun.", "Langkah 5: Susun draf laporan")
        assert penyusun.get_by_test_id("stProgress").count() == 0

        go(penyusun, "Sosialisasi & Koreksi")
        name, data = _download(penyusun, penyusun.get_by_role(
            "button", name="Unduh Evaluasi Hasil Renja (E.81) — Excel"))
        assert name == "evaluasi-renja-2026-tw3-draf-v1.xlsx"
        draft = _footer(data)
        assert "Cuaca dan jarak tempuh." in draft[FOOTER], draft[FOOTER]

        sekdis = person("sekdis")
        go(sekdis, "Sosialisasi & Koreksi")
        sekdis.get_by_role("button", name="Sosialisasikan draf").click()
        see(sekdis, "Draf disampaikan kepada JFT Perencana", "Langkah 6: Sosialisasikan draf")

        perencana = person("perencana")
        go(perencana, "Sosialisasi & Koreksi")
        choose(perencana, "Baris", "E.81 — Catatan Evaluasi Hasil Renja", typed="Catatan Evaluasi")
        choose(perencana, "Kolom", "Faktor penghambat")
        perencana.get_by_label("Catatan koreksi (wajib)").fill("Sebutkan keterlambatan pencairan dan banjir.")
        # the text area starts from the footer's text: the planner selects it and types two lines over it
        proposed = perencana.get_by_label("Teks yang diusulkan", exact=False)
        assert "Cuaca dan jarak tempuh." in proposed.input_value()
        proposed.click()
        perencana.keyboard.press("Control+A")
        perencana.keyboard.type(CORRECTED_LINES[0])
        perencana.keyboard.press("Enter")
        perencana.keyboard.type(CORRECTED_LINES[1])
        # the text area's hint under what was typed, in Indonesian (Streamlit writes "Press Ctrl+Enter to …")
        hint = perencana.get_by_test_id("InputInstructions").filter(has_text="Enter").first
        expect(hint).to_have_text(re.compile(r"^Tekan Ctrl\+Enter untuk (menerapkan|mengirim formulir)"))
        perencana.get_by_role("button", name="Simpan koreksi").click()
        see(perencana, "Koreksi dicatat.", "Langkah 7: perencana mencatat koreksi faktor penghambat")

        go(penyusun, "Sosialisasi & Koreksi")
        penyusun.get_by_role("button", name="Terapkan 1 koreksi menjadi versi baru").click()
        see(penyusun, "Koreksi diterapkan pada versi 2.", "Langkah 7: penyusun menerapkan koreksi")

        go(perencana, "Sosialisasi & Koreksi")
        perencana.get_by_role("button", name="Serahkan laporan").click()
        see(perencana, "Laporan hasil koreksi diserahkan", "Langkah 8: Serahkan laporan")

        go(penyusun, "Dokumentasi")
        penyusun.get_by_text("Saya memahami bahwa data pengumpulan ini menjadi tidak dapat diubah.").click()
        penyusun.get_by_role("button", name="Dokumentasikan laporan final").click()
        see(penyusun, "Laporan final versi 3 didokumentasikan dan arsipnya tersimpan", "Langkah 9: Dokumentasikan")
        choose(penyusun, "Pilih arsip", "TW III 2026")
        see(penyusun, "Evaluasi Hasil Renja (E.81) — Excel", "Langkah 9: Dokumentasi menawarkan E.81")
        row = penyusun.get_by_test_id("stHorizontalBlock").filter(
            has_text="evaluasi-renja-2026-tw3-final-v3.xlsx").last
        name, data = _download(penyusun, row.get_by_role("button", name="Unduh"))
        assert name == "evaluasi-renja-2026-tw3-final-v3.xlsx"
        assert _footer(data)[FOOTER] == CORRECTED
        final = data
        _wait_for_rerun(penyusun)  # the first download's rerun drawn, so the rows are not doubled meanwhile
        row = penyusun.get_by_test_id("stHorizontalBlock").filter(
            has_text="evaluasi-renja-2026-tw3-final-v3.pdf").last
        name, pdf = _download(penyusun, row.get_by_role("button", name="Unduh"))
        assert name == "evaluasi-renja-2026-tw3-final-v3.pdf"
    finally:
        next(people, None)  # the browsers closed

    from db.models import CollectionRound, OrgUnit

    engine = create_engine(db_url)
    try:
        with engine.connect() as c:
            stored = c.execute(select(CollectionRound.faktor_penghambat).where(
                CollectionRound.year == 2026, CollectionRound.quarter == 3)).scalar_one()
    finally:
        engine.dispose()
    assert stored == CORRECTED
    # every K and Rp figure of the downloaded final form is the database's rows of TW I–III, computed in the test
    with unit_of_work(db_url) as s:
        office = s.scalar(select(OrgUnit.id).where(OrgUnit.code == "DISNAKERPERINTRANS"))
        check_every_cell(s, office, final, 2026, 3)
    pages = PdfReader(io.BytesIO(pdf)).pages
    for p in pages:  # F4 landscape, 330 × 215 mm, the form's title on every page
        assert (round(float(p.mediabox.width) / 72 * 25.4), round(float(p.mediabox.height) / 72 * 25.4)) == (330, 215)
        assert "Evaluasi Hasil Renja (E.81) — Triwulan III Tahun 2026" in " ".join(p.extract_text().split())
    text = " ".join(" ".join(p.extract_text() for p in pages).split())
    assert "Keterlambatan pencairan anggaran triwulan III." in text


@pytest.fixture(scope="module")
def footer_app(tmp_path_factory):
    yield from round_at_step_5(tmp_path_factory, "e2e-e81-footer")


def _type_note(page, label: str, text: str) -> None:
    """Select what the text area holds and type `text` over it, as a person does."""
    area = page.get_by_label(label, exact=True)
    area.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def _stored_footer(db_url: str) -> dict[str, object]:
    from db.models import CollectionRound

    with unit_of_work(db_url) as s:
        rnd = s.scalar(select(CollectionRound).where(CollectionRound.year == 2026, CollectionRound.quarter == 3))
        return {"faktor_penghambat": rnd.faktor_penghambat, "tindak_lanjut_tw": rnd.tindak_lanjut_tw}


def test_step_5_footer_typed_in_two_browsers_neither_overwrites_and_the_draft_carries_it(browser, footer_app):
    """The Staf Penyusun types the E.81 footer at step 5 on two computers. A form drawn before the other's save
    sends only what was typed in it: another field is saved beside the other's text, the same field is refused
    (the newer text shown, what was typed listed) instead of overwriting. The draft's E.81 carries both texts."""
    app_url, db_url = footer_app
    people = signed_in_browsers(browser, app_url)
    person = next(people)  # person(username): signed in, in a browser of its own

    hambat = "Banjir di Kecamatan Embaloh Hulu; pencairan anggaran TW III terlambat 3 minggu."
    lanjut = "Percepat verifikasi SPJ; jadwal ulang pelatihan ke bulan November."
    late = "Tambah juru ukur dari BPN."
    lanjut_label = "Tindak lanjut yang diperlukan dalam triwulan berikutnya"
    try:
        first, second = person("penyusun"), person("penyusun")
        for page in (first, second):
            go(page, "Pengolahan")
            see(page, "Catatan Evaluasi Hasil Renja (E.81)", "Langkah 5: formulir catatan E.81")
        _type_note(first, FOOTER, hambat)
        first.get_by_role("button", name="Simpan catatan").click()
        see(first, "Catatan Evaluasi Hasil Renja (E.81) disimpan.", "Langkah 5: catatan disimpan")
        assert _stored_footer(db_url)["faktor_penghambat"] == hambat

        # the second computer's form was drawn before that save; it changes another field: both are kept
        _type_note(second, lanjut_label, lanjut)
        second.get_by_role("button", name="Simpan catatan").click()
        see(second, "Catatan Evaluasi Hasil Renja (E.81) disimpan.", "Langkah 5: catatan kedua disimpan")
        assert _stored_footer(db_url) == {"faktor_penghambat": hambat, "tindak_lanjut_tw": lanjut}
        assert second.get_by_label(FOOTER, exact=True).input_value() == hambat  # drawn again: the first's text

        # the first computer's form was drawn before the second's save, and changes the same field: refused
        _type_note(first, lanjut_label, late)
        first.get_by_role("button", name="Simpan catatan").click()
        see(first, f"{lanjut_label} baru saja diubah oleh pengguna lain.", "Langkah 5: konflik")
        see(first, f"{lanjut_label}: {late}", "Langkah 5: teks yang diketik tidak hilang")
        assert _stored_footer(db_url) == {"faktor_penghambat": hambat, "tindak_lanjut_tw": lanjut}
        assert first.get_by_label(lanjut_label, exact=True).input_value() == lanjut  # the newer text, to add to

        first.get_by_role("button", name="Susun draf laporan").click()
        see(first, "Draf laporan versi 1 disusun.", "Langkah 5: Susun draf laporan")
        see(first, "dapat diunduh di halaman Sosialisasi & Koreksi", "Langkah 5: di mana berkas draf")
        go(first, "Sosialisasi & Koreksi")
        name, data = _download(first, first.get_by_role("button", name="Unduh Evaluasi Hasil Renja (E.81) — Excel"))
        assert name == "evaluasi-renja-2026-tw3-draf-v1.xlsx"
        footer = _footer(data)
        assert footer[FOOTER] == hambat
        assert footer[lanjut_label] == lanjut
    finally:
        next(people, None)  # the browsers closed
