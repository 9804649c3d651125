"""The whole quarter in a real browser: TW III 2026 from the Kepala Dinas's disposition to the filed report.

Each SOP role works in its own browser (own cookies), the way the office does it: the tests run in file
order on one server and one database, each test one stretch of the SOP; when a stretch fails, the later
ones are skipped with the name of the stretch that broke. Screenshots of every main page land in
test-artifacts/screenshots/ (the README's pictures come from this run).
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

import openpyxl
import pytest
from PIL import Image
from playwright.sync_api import expect

from core.sop import DEFAULT_STEPS
from core.unit_workbook import HEADER_ROW, IND_SHEET
from tests.e2e.conftest import SHOTS, login, new_context, shot

pytestmark = pytest.mark.e2e

STEP_NAME = {s.number: f"{s.short_name} — {s.name}" for s in DEFAULT_STEPS}

LATTAS = "Bidang Pelatihan dan Penempatan Tenaga Kerja"
HIJS = "Bidang Hubungan Industrial dan Jaminan Sosial"
IND = "Bidang Perindustrian"
TRANS = "Bidang Transmigrasi"
SEKRETARIAT = "Sekretariat"
JFT = "Kelompok Jabatan Fungsional Tertentu"
UNITS = (SEKRETARIAT, LATTAS, HIJS, IND, TRANS, JFT)

# Demo targets for TW III 2026 (db/seed.py): values at or past target unless a row says otherwise.
LATTAS_VALUES = {"IKU-01": "4", "IK-02": "42", "IK-03": "210", "IK-04": "80", "IK-05": "70"}  # IK-05 < 72
LATTAS_EVIDENCE = ("IKU-01", "IK-02", "IK-03", "IK-04")
PENDORONG = 8  # the grid column of Faktor pendorong (required at or above target)
# Units that use the Excel workbook round trip: {user: ({code: realisation}, codes needing evidence)}.
WORKBOOK_UNITS = {
    "kabid_ind": ({"IKU-03": 4, "IK-10": 31}, ("IKU-03", "IK-10")),
    "kabid_trans": ({"IKU-04": 3, "IK-12": 64}, ("IKU-04", "IK-12")),
    "kasubag_keuren": ({"IKU-05": 60, "IK-14": 86, "IK-15": 7}, ("IKU-05",)),
    "jft_mediator": ({"IKU-02": 82}, ("IKU-02",)),
}


# --- the people in their browsers ---------------------------------------------------------------


@pytest.fixture(scope="module")
def person(browser, app_url):
    """person('sekdis') -> that user's page, logged in once in a browser of their own."""
    for stale in SHOTS.glob("FAILED-*.png"):
        stale.unlink()
    pages = {}
    contexts = []

    def get(username: str):
        if username not in pages:
            ctx = new_context(browser)
            contexts.append(ctx)
            page = ctx.new_page()
            login(page, app_url, username)
            pages[username] = page
        return pages[username]

    get.pages = pages
    yield get
    for ctx in contexts:
        ctx.close()


@pytest.fixture(scope="module")
def _round_progress(request):
    return {"failures_before": request.session.testsfailed, "broken": None}


@pytest.fixture(autouse=True)
def _stop_after_a_broken_step(request, person, _round_progress):
    """A later SOP step cannot run after an earlier one failed: skip it and say which step broke.

    The step that fails leaves a screenshot of every open browser (FAILED-<step>-<user>.png) beside the others.
    """
    if _round_progress["broken"]:
        pytest.skip(f"langkah sebelumnya gagal: {_round_progress['broken']}")
    yield
    if request.session.testsfailed > _round_progress["failures_before"]:
        _round_progress["broken"] = request.node.name
        for username, page in person.pages.items():
            try:
                shot(page, f"FAILED-{request.node.name}-{username}")
            except Exception:  # noqa: BLE001 - the failure itself is what matters
                pass


# --- helpers: Streamlit widgets in a browser ----------------------------------------------------


def settle(page) -> None:
    """Wait until the page's script run has finished (Streamlit marks its state on the app element)."""
    page.wait_for_function("""() => document.querySelector('[data-testid="stApp"]')
        ?.getAttribute('data-test-script-state') === 'notRunning'""")


def _wait_for_rerun(page) -> None:
    """After an edit that reruns the page: wait for that run to start (if it does) and to end."""
    try:
        page.wait_for_function("""() => document.querySelector('[data-testid="stApp"]')
            ?.getAttribute('data-test-script-state') !== 'notRunning'""", timeout=2_000)
    except Exception:  # noqa: BLE001 - the run was over before we looked
        pass
    settle(page)


def go(page, title: str) -> None:
    """Open a page from the sidebar and wait for its title and the end of its script run."""
    page.get_by_test_id("stSidebar").get_by_role("link", name=title, exact=True).click()
    page.get_by_role("heading", name=title, exact=True).wait_for()
    settle(page)


def see(page, text: str, why: str, exact: bool = False) -> None:
    """Wait until `text` is shown; fail with the SOP step that expected it."""
    try:
        page.get_by_text(text, exact=exact).first.wait_for()
    except Exception as err:  # noqa: BLE001 - re-raised as a readable assertion
        raise AssertionError(f"{why}: teks {text!r} tidak muncul di halaman {page.url}") from err
    settle(page)


def choose(page, label: str, option: str, typed: str = "") -> None:
    """Pick the option of the st.selectbox labelled `label` whose text starts with `option`.

    As a person does with the keyboard: open the list, type `typed` to filter it (a long list draws only
    the options in view), walk it with the arrow keys to the wanted option and press Enter. Clicking the
    option instead failed on a loaded machine: the list, drawn while the page was still moving, lay
    outside the viewport where no scroll could reach it.
    """
    box = page.get_by_role("combobox", name=label, exact=True)
    starts = re.compile(rf"^{re.escape(option)}")
    wanted = page.get_by_role("option", name=starts)
    for attempt in range(3):
        box.click()
        if typed:
            page.keyboard.type(typed)
        try:
            wanted.first.wait_for(timeout=5_000)
            break
        except Exception:  # noqa: BLE001 - the list did not open (a rerun redrew it): try again
            page.keyboard.press("Escape")
            if attempt == 2:
                raise AssertionError(f"pilihan {option!r} pada {label!r} tidak muncul di {page.url}") from None
    options = page.get_by_role("option")
    for _ in range(2 * options.count() + 2):
        texts = [(text or "").strip() for text in options.all_text_contents()]
        now = options.evaluate_all("all => all.findIndex(o => o.dataset.focused === 'true')")
        goal = next((i for i, text in enumerate(texts) if starts.match(text)), None)
        if goal is not None and now == goal:
            page.keyboard.press("Enter")
            break
        page.keyboard.press("ArrowUp" if goal is not None and now > goal else "ArrowDown")
    else:
        raise AssertionError(f"pilihan {option!r} pada {label!r} tidak dapat dipilih dengan keyboard di {page.url}")
    expect(box).to_have_value(starts)  # the box shows what was picked
    _wait_for_rerun(page)  # a selectbox outside a form reruns the page: a file chosen during that run is lost


def beranda_shows_step(page, number: int, moment: str) -> None:
    """Beranda's 'Pengumpulan data saat ini' names the SOP step the round is at."""
    go(page, "Beranda")
    see(page, f"Langkah {number}: {STEP_NAME[number]}", f"Beranda {moment}: langkah {number} diharapkan")


def indicator_grid(page):
    """The Isi Data Kinerja grid of indicators (not the budget grid, not the return history table)."""
    header = page.locator("th").filter(has_text=re.compile(r"^Indikator$"))  # pinned: always rendered
    return page.get_by_test_id("stDataFrame").filter(has=header).first


def _selected_cell(grid) -> tuple[int, int] | None:
    """(row, col) of the cell the grid's accessible table marks as selected."""
    ids = grid.locator('td[aria-selected="true"]').evaluate_all("cells => cells.map(c => c.id)")
    for cell_id in ids:
        m = re.fullmatch(r"glide-cell-(\d+)-(\d+)", cell_id or "")
        if m:
            return int(m.group(2)), int(m.group(1))
    return None


def _next_selection(page, grid, before, polls: int = 40):
    """The selected cell once the accessible table has caught up with the last key (it renders a frame later)."""
    for _ in range(polls):
        here = _selected_cell(grid)
        if here is not None and here != before:
            return here
        page.wait_for_timeout(50)
    return _selected_cell(grid)


def edit_grid(page, grid, cells: list[tuple[int, int, str]]) -> None:
    """Type into cells of an st.data_editor (a canvas grid): click the row, arrow to the column, Enter, type, Enter.

    Columns count in the grid's column order (0 = No). The grid's accessible table says which cell is
    selected, so the target is checked before typing; a click or key lost to a rerun is simply retried.
    """
    for row, col, text in cells:
        for attempt in range(5):
            settle(page)
            grid.scroll_into_view_if_needed()
            box = grid.bounding_box()
            before = _selected_cell(grid)
            # Rows are 35 px under a 35 px header; the pinned 'No' column is always in view.
            page.mouse.click(box["x"] + 25, box["y"] + 35 * (row + 1) + 17)
            here = _next_selection(page, grid, before)
            for _ in range(col + 3):
                if here is None or here[0] != row or here[1] == col:
                    break
                page.keyboard.press("ArrowRight" if here[1] < col else "ArrowLeft")
                here = _next_selection(page, grid, here)
            if here != (row, col):  # the click or a key landed while the page was redrawn: again
                if attempt == 4:
                    raise AssertionError(f"sel baris {row} kolom {col} tidak dapat dipilih di {page.url}")
                page.keyboard.press("Escape")
                continue
            page.keyboard.press("Enter")  # open the cell editor
            editor = page.locator("#portal .gdg-input").first
            try:
                expect(editor).to_be_editable(timeout=5_000)  # read-only while the page reruns
            except AssertionError:
                page.keyboard.press("Escape")
                if attempt == 4:
                    raise AssertionError(f"sel baris {row} kolom {col} tidak dapat diubah di {page.url}") from None
                continue
            editor.fill(text)
            page.keyboard.press("Enter")  # commit: the grid sends the edit and the page reruns
            editor.wait_for(state="detached")
            _wait_for_rerun(page)
            break
    settle(page)  # each committed cell reruns the page; a click during that run can be lost


def save_grid(page, button: str, done_text: str, why: str) -> None:
    """Press a grid's save button until its result shows.

    The grid sends its edits to the server on its own schedule; a save pressed while that message is still
    on its way runs without them (the page then says nothing changed). Pressing again saves them.
    """
    page.get_by_role("heading", name="Realisasi indikator kinerja").click()  # leave the grid
    for attempt in range(3):
        settle(page)
        page.get_by_role("button", name=button).click()
        try:
            page.get_by_text(done_text).first.wait_for(timeout=10_000)
            settle(page)
            return
        except Exception:  # noqa: BLE001 - pressed too early: press again
            if attempt == 2:
                raise AssertionError(f"{why}: teks {done_text!r} tidak muncul di halaman {page.url}") from None


def grid_cell(grid, row: int, col: int) -> str:
    """What the grid's accessible table says a cell holds (rows and columns as in edit_grid)."""
    return grid.locator(f'[data-testid="glide-cell-{col}-{row}"]').inner_text().strip()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 60), (31, 95, 168)).save(out, format="PNG")
    return out.getvalue()


def pdf_bytes(title: str) -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.drawString(72, 720, title)
    c.save()
    return out.getvalue()


def put_file(uploader, name: str, data: bytes, mime: str) -> None:
    """Choose a file in an st.file_uploader and wait until it is uploaded (its chip shows, no spinner)."""
    uploader.locator('input[type="file"]').set_input_files({"name": name, "mimeType": mime, "buffer": data})
    uploader.get_by_test_id("stFileChip").first.wait_for()
    expect(uploader.get_by_test_id("stFileChipIconSpinner")).to_have_count(0)
    expect(uploader.get_by_test_id("stFileChipIconError"), f"unggah {name} ditolak").to_have_count(0)


def upload_evidence(page, code: str, name: str, data: bytes, mime: str) -> None:
    choose(page, "Bukti untuk indikator", f"{code} ")
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Berkas (")
    put_file(uploader, name, data, mime)
    page.get_by_role("button", name="Unggah", exact=True).click()
    see(page, f"Bukti '{name}' diunggah.", f"unggah bukti dukung {code}")


def submit_unit(page, unit: str) -> None:
    page.get_by_role("button", name="Ajukan", exact=True).click()
    see(page, "Data kinerja diajukan.", f"Ajukan data {unit}")


def fill_workbook(data: bytes, values: dict[str, object]) -> bytes:
    """Fill the downloaded unit workbook the way a user does in Excel: only the yellow cells."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[IND_SHEET]
    header = {c.value: c.column for c in ws[HEADER_ROW]}
    for row in ws.iter_rows(min_row=HEADER_ROW + 1):
        code = row[header["Kode"] - 1].value
        if code in values:
            ws.cell(row[0].row, header["Realisasi TW"], values[code])
            ws.cell(row[0].row, header["Faktor pendorong"], "Dukungan mitra kerja.")  # at or above target
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- the round -----------------------------------------------------------------------------------


def test_step_1_kepala_dinas_opens_tw_iii_2026(person):
    kadis = person("kadis")
    see(kadis, "Belum ada pengumpulan data yang dibuka.", "Beranda sebelum langkah 1")
    shot(kadis, "02-beranda-kepala-dinas-sebelum")
    go(kadis, "Disposisi")
    kadis.get_by_role("button", name="Buka pengumpulan data").wait_for()
    shot(kadis, "03-disposisi-kepala-dinas")
    kadis.get_by_role("button", name="Buka pengumpulan data").click()
    see(kadis, "Pengumpulan data TW III 2026 dibuka dan diteruskan kepada Sekretaris",
        "Langkah 1 Disposisi: Kepala Dinas membuka TW III 2026")
    beranda_shows_step(kadis, 2, "setelah Kepala Dinas membuka pengumpulan data")


def test_step_2_sekretaris_distributes_to_every_unit(person):
    sekdis = person("sekdis")
    go(sekdis, "Disposisi")
    sekdis.get_by_role("button", name="Distribusikan").wait_for()
    shot(sekdis, "04-disposisi-sekretaris-distribusi")
    sekdis.get_by_role("button", name="Distribusikan").click()
    see(sekdis, "Pengumpulan data TW III 2026 didistribusikan kepada 6 unit kerja.",
        "Langkah 2 Distribusi: Sekretaris meneruskan kepada 6 unit")
    beranda_shows_step(person("kadis"), 3, "setelah distribusi")


def test_step_3_bidang_pelatihan_fills_the_grid_with_evidence_and_submits(person):
    page = person("kabid_lattas")
    go(page, "Isi Data Kinerja")
    see(page, "Belum mulai", "Langkah 3: status awal Bidang Pelatihan")
    for code in LATTAS_EVIDENCE:
        upload_evidence(page, code, f"bukti-{code}.png", png_bytes(), "image/png")
    page.get_by_role("heading", name="Realisasi indikator kinerja").wait_for()
    grid = indicator_grid(page)
    # Columns: 0 No · 1 Kode · 2 Indikator · 3 Satuan · 4 Target TW · 5 Realisasi TW · … · 8 Faktor pendorong ·
    # 9 Kendala · 10 Tindak lanjut
    edit_grid(page, grid, [(row, 5, value) for row, value in enumerate(LATTAS_VALUES.values())])
    assert grid_cell(grid, 2, 5) == "210", "Langkah 3: Realisasi TW IK-03 tidak tertulis di grid"
    # Faktor pendorong (rows at target), Kendala and Tindak lanjut (IK-05, below it) lie to the right: the grid
    # scrolls sideways to them (Realisasi TW then leaves view)
    edit_grid(page, grid, [*((row, PENDORONG, "Dukungan mitra industri.") for row in range(4)),
                           (4, PENDORONG + 1, "Dua angkatan pelatihan menunggu uji kompetensi LSP."),
                           (4, PENDORONG + 2, "Uji kompetensi dijadwalkan Oktober 2026.")])
    save_grid(page, "Simpan draf", "Draf disimpan (5 indikator diperbarui).", "Langkah 3: Simpan draf Bidang Pelatihan")
    grid = indicator_grid(page)  # re-read from the database after the save
    expect(grid.get_by_test_id("glide-cell-7-2"), "Langkah 3: predikat IK-03 dihitung setelah disimpan") \
        .to_have_text("Sangat Tinggi")
    shot(page, "05-isi-data-kinerja-grid")
    submit_unit(page, LATTAS)
    see(page, "Status: Diajukan", "Langkah 3: Bidang Pelatihan terkunci setelah diajukan")


def test_step_3_bidang_hubungan_industrial_fills_the_grid_with_a_pdf_and_submits(person):
    page = person("kabid_hijs")
    go(page, "Isi Data Kinerja")
    upload_evidence(page, "IK-08", "daftar-wajib-lapor.pdf", pdf_bytes("Daftar perusahaan wajib lapor"),
                    "application/pdf")
    grid = indicator_grid(page)
    edit_grid(page, grid, [(0, 5, "4"), (1, 5, "45"),  # IK-07 (kasus, negatif) · IK-08, both at target
                           (0, PENDORONG, "Mediasi rutin di perusahaan."), (1, PENDORONG, "Sosialisasi wajib lapor.")])
    save_grid(page, "Simpan draf", "Draf disimpan (2 indikator diperbarui).", "Langkah 3: Simpan draf Bidang HI")
    submit_unit(page, HIJS)


@pytest.mark.parametrize("username", list(WORKBOOK_UNITS))
def test_step_3_unit_fills_the_excel_workbook_and_submits(person, username):
    values, evidence_codes = WORKBOOK_UNITS[username]
    page = person(username)
    go(page, "Isi Data Kinerja")
    with page.expect_download() as download:
        page.get_by_role("button", name="Unduh lembar kerja (.xlsx)").click()
    filled = fill_workbook(download.value.path().read_bytes(), values)
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Unggah lembar kerja")
    put_file(uploader, "lembar-kerja.xlsx", filled,
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    # each indicator: its Realisasi TW and its Faktor pendorong (all are at or past target)
    see(page, f"{2 * len(values)} perubahan", f"Langkah 3 lembar kerja {username}: pratinjau perubahan")
    page.get_by_role("button", name="Terapkan").click()
    see(page, f"Lembar kerja diterapkan: {len(values)} indikator", f"Langkah 3 lembar kerja {username}: Terapkan")
    for code in evidence_codes:
        upload_evidence(page, code, f"bukti-{code}.png", png_bytes(), "image/png")
    submit_unit(page, username)


def test_step_4_penyusun_returns_one_unit_with_a_reason(person):
    kadis = person("kadis")
    beranda_shows_step(kadis, 4, "setelah semua unit mengajukan")
    shot(kadis, "02-beranda-kepala-dinas")
    page = person("penyusun")
    go(page, "Pengolahan")
    choose(page, "Unit kerja", HIJS)
    see(page, "Status: Diajukan", "Langkah 4: data Bidang HI menunggu diperiksa")
    page.get_by_label("Alasan pengembalian (wajib)").fill("Lampirkan daftar kasus IK-07 sebagai bukti dukung.")
    page.get_by_role("button", name="Kembalikan").click()
    see(page, f"Data {HIJS} dikembalikan kepada unit dengan alasannya.", "Langkah 4: Kembalikan Bidang HI")


def test_step_4_returned_unit_fixes_and_resubmits(person):
    page = person("kabid_hijs")
    go(page, "Isi Data Kinerja")
    see(page, "Lampirkan daftar kasus IK-07", "Langkah 4: unit melihat alasan pengembalian")
    upload_evidence(page, "IK-07", "daftar-kasus.pdf", pdf_bytes("Daftar kasus perselisihan"), "application/pdf")
    grid = indicator_grid(page)
    edit_grid(page, grid, [(0, 5, "3")])
    save_grid(page, "Simpan draf", "Draf disimpan (1 indikator diperbarui).", "Langkah 4: perbaikan Bidang HI disimpan")
    submit_unit(page, HIJS)


def test_step_4_5_penyusun_accepts_all_and_compiles_the_draft(person):
    page = person("penyusun")
    go(page, "Pengolahan")
    for unit in UNITS:
        choose(page, "Unit kerja", unit)
        see(page, "Status: Diajukan", f"Langkah 4: {unit} menunggu diperiksa")
        page.get_by_role("button", name="Terima", exact=True).click()
        see(page, f"Data {unit} diterima.", f"Langkah 4: Terima {unit}")
    see(page, "Susun draf laporan (langkah 5)", "Langkah 5: semua unit diterima")
    shot(page, "06-pengolahan")
    page.get_by_role("button", name="Susun draf laporan").click()
    see(page, "Draf laporan versi 1 disusun.", "Langkah 5: Susun draf laporan")
    beranda_shows_step(person("kadis"), 6, "setelah draf disusun")


def test_step_6_sekretaris_sends_the_draft_to_the_planner(person):
    page = person("sekdis")
    go(page, "Sosialisasi & Koreksi")
    page.get_by_role("button", name="Sosialisasikan draf").click()
    see(page, "Draf disampaikan kepada JFT Perencana", "Langkah 6: Sosialisasikan draf")
    beranda_shows_step(person("kadis"), 7, "setelah sosialisasi")


def test_step_7_perencana_notes_a_correction_and_penyusun_applies_it(person, app_database_url):
    page = person("perencana")
    go(page, "Sosialisasi & Koreksi")
    choose(page, "Baris", "IKU-01 ")
    choose(page, "Kolom", "Realisasi TW")
    page.get_by_label("Catatan koreksi (wajib)").fill("TPT menurut rilis BPS Agustus 2026 adalah 3,9 %.")
    page.get_by_label("Nilai yang diusulkan", exact=False).fill("3,9")
    page.get_by_role("button", name="Simpan koreksi").click()
    see(page, "Koreksi dicatat.", "Langkah 7: perencana mencatat koreksi")

    penyusun = person("penyusun")
    go(penyusun, "Sosialisasi & Koreksi")
    penyusun.get_by_role("button", name="Terapkan 1 koreksi menjadi versi baru").click()
    see(penyusun, "Koreksi diterapkan pada versi 2.", "Langkah 7: penyusun menerapkan koreksi")

    # the correction changed the unit's data, not only the report
    value, version, audited = _stored_iku01(app_database_url)
    assert value == Decimal("3.9"), f"Langkah 7: Realisasi IKU-01 di basis data {value}, bukan 3,9"
    assert version > 1, f"Langkah 7: versi baris Realisasi IKU-01 tidak naik ({version})"
    assert audited and audited[-1]["reason"]["note"].startswith("TPT menurut rilis BPS"), \
        f"Langkah 7: tidak ada jejak audit realization.correct dengan catatan koreksi: {audited}"


def _stored_iku01(url: str):
    """IKU-01's TW III 2026 realisation in the test server's database: value, version, correction audits."""
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from db.models import AuditLog, CollectionRound, Indicator, Realization, Submission

    engine = create_engine(url)
    try:
        with Session(engine) as s:
            real = s.scalar(select(Realization).join(Submission).join(CollectionRound).join(Indicator).where(
                Indicator.code == "IKU-01", CollectionRound.year == 2026, CollectionRound.quarter == 3))
            audits = [a.after for a in s.scalars(select(AuditLog).where(
                AuditLog.action == "realization.correct", AuditLog.entity_id == str(real.id)).order_by(AuditLog.id))]
            return real.value, real.version, audits
    finally:
        engine.dispose()


# IKU-01's numbers in the downloaded final report, to be found again in Rekap & Unduh's download.
IKU01_COLUMNS = ("Target TW", "Realisasi TW", "Capaian TW (%)", "Target s.d. TW", "Realisasi s.d. TW",
                 "Capaian s.d. TW (%)")
FINAL_IKU01: dict[str, object] = {}


def _row_by_code(rows: list[list], code: str) -> dict[str, object]:
    """The row of `code` under the nearest header row above it that has a "Kode" column, by header."""
    header: list = []
    for r in rows:
        if "Kode" in r:
            header = r
        elif code in r and header:
            return dict(zip(header, r))
    return {}


def test_step_8_perencana_sees_the_difference_and_hands_over(person):
    page = person("perencana")
    go(page, "Sosialisasi & Koreksi")
    see(page, "Bandingkan versi", "Langkah 8: dua versi laporan dapat dibandingkan")
    # the note is in two grids: the corrections list above and the differences (the last grid that holds it);
    # a canvas grid keeps the cells of columns scrolled out of view in the page but hidden, so the differences'
    # grid is brought into view and its cells read, not the first match anywhere
    grid = page.get_by_test_id("stDataFrame").filter(has_text="TPT menurut rilis BPS").last
    try:
        grid.wait_for(state="attached")
    except Exception as err:  # noqa: BLE001 - re-raised as a readable assertion
        raise AssertionError("Langkah 8: catatan koreksi tidak tampil pada perbedaan versi") from err
    grid.scroll_into_view_if_needed()
    expect(grid).to_contain_text("TPT menurut rilis BPS")
    expect(grid).to_contain_text("Realisasi TW")
    shot(page, "07-sosialisasi-koreksi-perbedaan")
    page.get_by_role("button", name="Serahkan laporan").click()
    see(page, "Laporan hasil koreksi diserahkan", "Langkah 8: Serahkan laporan")
    beranda_shows_step(person("kadis"), 9, "setelah diserahkan")


def test_step_9_penyusun_documents_and_the_report_xlsx_holds_the_data(person):
    page = person("penyusun")
    go(page, "Dokumentasi")
    page.get_by_text("Saya memahami bahwa data pengumpulan ini menjadi tidak dapat diubah.").click()
    page.get_by_role("button", name="Dokumentasikan laporan final").click()
    see(page, "Laporan final versi 3 didokumentasikan dan arsipnya tersimpan", "Langkah 9: Dokumentasikan")
    choose(page, "Pilih arsip", "TW III 2026")
    see(page, "Berkas laporan", "Langkah 9: arsip TW III 2026")
    shot(page, "08-dokumentasi")
    report_xlsx = re.compile(r"laporan-capaian-kinerja-.*\.xlsx")  # not the E.81 beside it
    row = page.get_by_test_id("stHorizontalBlock").filter(has_text=report_xlsx).last
    with page.expect_download() as download:
        row.get_by_role("button", name="Unduh").click()
    assert download.value.suggested_filename.endswith(".xlsx"), \
        f"Langkah 9: berkas yang diunduh bukan XLSX: {download.value.suggested_filename}"
    wb = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()), data_only=True)
    cells = [list(r) for ws in wb.worksheets for r in ws.iter_rows(values_only=True)]
    texts = [str(v) for r in cells for v in r if v is not None]
    assert any("Laporan Capaian Kinerja Triwulan III Tahun 2026" in t for t in texts), \
        "Langkah 9: judul laporan XLSX tidak ditemukan"
    ik03 = next((r for r in cells if "IK-03" in r), None)
    assert ik03 is not None, "Langkah 9: baris IK-03 tidak ada di laporan XLSX"
    assert any(_is(v, "210") for v in ik03), f"Langkah 9: realisasi IK-03 (210) tidak ada di baris {ik03}"
    iku01 = _row_by_code(cells, "IKU-01")
    assert _is(iku01.get("Realisasi TW"), "3.9") and _is(iku01.get("Realisasi s.d. TW"), "3.9"), \
        f"Langkah 9: koreksi perencana (IKU-01 = 3,9) tidak ada di laporan final: {iku01}"
    FINAL_IKU01.update({c: iku01.get(c) for c in IKU01_COLUMNS})

    kadis = person("kadis")
    go(kadis, "Beranda")
    see(kadis, "Belum ada pengumpulan data yang dibuka.", "Beranda setelah dokumentasi: tidak ada yang berjalan")
    see(kadis, "Triwulan III Tahun 2026 — selesai", "Beranda setelah dokumentasi: TW III 2026 selesai")


def _is(value, expected: str) -> bool:
    try:
        return Decimal(str(value)) == Decimal(expected)
    except Exception:  # noqa: BLE001 - text cells are simply not the number
        return False


def test_rekap_shows_charts_and_downloads_the_quarter(person):
    page = person("kadis")
    go(page, "Rekap & Unduh")
    see(page, "Periode TW III Tahun 2026", "Rekap: periode TW III 2026 terpilih")
    page.get_by_role("tab", name="Grafik").click()
    charts = page.locator(".vega-embed canvas, .vega-embed svg")
    charts.first.wait_for()
    assert charts.count() >= 3, f"Rekap: grafik tidak tampil ({charts.count()} grafik)"
    shot(page, "09-rekap-grafik")
    with page.expect_download() as download:
        page.get_by_role("button", name="Unduh Excel (XLSX)").click()
    wb = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()), data_only=True)
    texts = [str(v) for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for v in r if v is not None]
    assert any("Rekap Capaian Kinerja TW III Tahun 2026" in t for t in texts), \
        "Rekap: judul XLSX tidak ditemukan"
    # the recap and the filed report of the same quarter say the same about IKU-01 (corrected to 3,9)
    iku01 = _row_by_code([list(r) for r in wb["Per Indikator"].iter_rows(values_only=True)], "IKU-01")
    assert _is(iku01.get("Realisasi TW"), "3.9"), f"Rekap: Realisasi TW IKU-01 bukan 3,9: {iku01}"
    if FINAL_IKU01:
        for column in IKU01_COLUMNS:
            assert _same_number(iku01.get(column), FINAL_IKU01[column]), \
                f"Rekap: {column} IKU-01 {iku01.get(column)} berbeda dengan laporan final {FINAL_IKU01[column]}"


def _same_number(a, b) -> bool:
    try:
        return abs(float(a) - float(b)) < 1e-9
    except (TypeError, ValueError):
        return a == b


def test_admin_sees_data_induk(person):
    page = person("admin")
    go(page, "Data Induk")
    page.get_by_test_id("stDataFrame").first.wait_for()
    shot(page, "10-data-induk-admin")
